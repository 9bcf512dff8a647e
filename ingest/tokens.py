"""API tokens: created with a secret shown once, stored as its SHA-256, checked, listed and revoked."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.errors import TokenError
from store.models import Company, utcnow
from store.purchase_models import ApiToken, ApiTokenCompany, TokenRole

SECRET_PREFIX = "clt_"  # noqa: S105 - a public marker, not a secret
"""Every secret starts with this, so that a leaked one is easy to recognise (and to scan for)."""
PREFIX_LENGTH = 8
"""Characters of the secret kept in clear (`prefix`) to tell tokens apart in listings."""
USE_RECORD_INTERVAL = timedelta(minutes=1)
"""`last_used_at` is written at most this often per token, not on every request."""
COMPANY_ROLES = frozenset(
    {
        TokenRole.FIRM_USER,
        TokenRole.COMPANY_ADMIN,
        TokenRole.COMPANY_USER,
        TokenRole.PLATFORM,
        TokenRole.ACCOUNTING_SOFTWARE,
    }
)
"""Roles limited to the companies listed on the token (at least one); firm_admin reaches every company."""
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")


@dataclass(frozen=True)
class Caller:
    """Who an authenticated request comes from: the token, its role and the companies it may reach."""

    token_id: int
    name: str
    role: TokenRole
    company_ids: frozenset[int]
    all_companies: bool

    def may_reach(self, company_id: int) -> bool:
        """True when the token may act on this company."""
        return self.all_companies or company_id in self.company_ids


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never its secret): prefix, role, companies by slug, and its use."""

    id: int
    name: str
    role: TokenRole
    prefix: str
    company_slugs: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def hash_secret(secret: str) -> str:
    """The SHA-256 (hex) under which a secret is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def company_ids_for(session: Session, slugs: Iterable[str]) -> tuple[int, ...]:
    """The ids of the companies named by slug, in order; TokenError naming the first unknown slug."""
    ids: list[int] = []
    for slug in slugs:
        found = session.scalar(select(Company.id).where(Company.slug == slug.strip().lower()))
        if found is None:
            raise TokenError("company", f"no company with slug {slug!r}")
        if found not in ids:
            ids.append(found)
    return tuple(ids)


def create_token(session: Session, *, name: str, role: TokenRole, company_ids: Iterable[int]) -> str:
    """Stores a new token and returns its secret, which is not stored and cannot be shown again."""
    name, companies = name.strip(), tuple(dict.fromkeys(company_ids))
    if not _NAME.match(name):
        raise TokenError("name", "give 1 to 100 printable characters")
    if role in COMPANY_ROLES and not companies:
        raise TokenError("companies", f"a token with role {role.value} needs at least one company")
    if role not in COMPANY_ROLES and companies:
        raise TokenError("companies", f"a token with role {role.value} reaches every company: name none")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=role, secret_hash=hash_secret(secret), prefix=secret[:PREFIX_LENGTH])
    session.add(token)
    session.flush()
    session.add_all(ApiTokenCompany(token_id=token.id, company_id=company) for company in companies)
    session.flush()
    return secret


def authenticate(session: Session, secret: str) -> Caller | None:
    """The caller a secret belongs to, or None (unknown or revoked); records its use now and then."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= USE_RECORD_INTERVAL:
        token.last_used_at = now
    query = select(ApiTokenCompany.company_id).where(ApiTokenCompany.token_id == token.id)
    return Caller(
        token_id=token.id,
        name=token.name,
        role=token.role,
        company_ids=frozenset(session.scalars(query)),
        all_companies=token.role == TokenRole.FIRM_ADMIN,
    )


def revoke_token(session: Session, token_id: int) -> TokenInfo:
    """Revokes a token for good (its secret is refused from now on); TokenError if there is none."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenError("token", f"no token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.flush()
    return _info(session, token)


def list_tokens(session: Session, *, include_revoked: bool = True) -> list[TokenInfo]:
    """Every token, oldest first (revoked ones too unless asked otherwise)."""
    query = select(ApiToken).order_by(ApiToken.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return [_info(session, token) for token in session.scalars(query)]


def _info(session: Session, token: ApiToken) -> TokenInfo:
    slugs = session.scalars(
        select(Company.slug)
        .join(ApiTokenCompany, ApiTokenCompany.company_id == Company.id)
        .where(ApiTokenCompany.token_id == token.id)
        .order_by(Company.slug)
    )
    return TokenInfo(
        id=token.id,
        name=token.name,
        role=token.role,
        prefix=token.prefix,
        company_slugs=tuple(slugs),
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
    )
