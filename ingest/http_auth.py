"""Access checks of every HTTP API endpoint: the bearer token (401), company scope (404), permissions (403).

A company is named in a path by its slug or its 14-digit SIRET. A company the caller does not reach gets the
same 404 as one that does not exist, so that a token learns nothing about companies outside its scope; a
company it reaches but where its role may not do what is asked gets 403. Bodies are `{"error", "reason"}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from ingest.errors import ApiError
from ingest.tokens import Caller, authenticate
from purchases.access import Permission, allowed, switches_for
from store.db import write_session
from store.models import Company

SIRET = re.compile(r"^[0-9]{14}$")
"""A company key made of 14 digits is a SIRET; anything else is a slug."""

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token (`collecte token create`), sent as `Authorization: Bearer clt_...`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
"""The bearer credentials of a request, None when it sends none (answered 401 by `authenticated`)."""


@dataclass(frozen=True)
class CompanyRef:
    """A company a caller reaches."""

    id: int
    slug: str
    name: str
    siret: str
    active: bool


@dataclass(frozen=True)
class Reach:
    """A company a caller reaches, and the permission it reaches it with (of those an endpoint accepts)."""

    company: CompanyRef
    permission: Permission


def unauthorized(reason: str, invalid: bool) -> ApiError:
    """The 401 answer, with the challenge that tells the client to send (another) bearer token."""
    challenge = 'Bearer realm="collecte"' + (', error="invalid_token"' if invalid else "")
    return ApiError(401, "unauthorized", reason, headers={"WWW-Authenticate": challenge})


def authenticated(
    engine: Engine, sessions: sessionmaker[Session], credentials: HTTPAuthorizationCredentials | None
) -> Caller:
    """The caller of a request (its use recorded now and then); ApiError 401 if the token is missing,
    unknown or revoked. Blocking: run it off the event loop."""
    if credentials is None:
        raise unauthorized("send an API token as 'Authorization: Bearer <token>'", invalid=False)
    with write_session(engine, sessions) as session:
        caller = authenticate(session, credentials.credentials)
    if caller is None:
        raise unauthorized("the API token is unknown or revoked", invalid=True)
    return caller


def find_company(session: Session, key: str) -> Company | None:
    """The company named by its SIRET (14 digits) or its slug (any case), or None."""
    if SIRET.match(key):
        return session.scalar(select(Company).where(Company.siret == key))
    return session.scalar(select(Company).where(Company.slug == key.lower()))


def company_in_scope(session: Session, key: str, caller: Caller) -> CompanyRef:
    """The company if the caller reaches it, else ApiError 404: the same answer as for a company not there."""
    company = find_company(session, key)
    if company is None or not caller.may_reach(company.id):
        raise ApiError(404, "not_found", f"no company {key!r}")
    return CompanyRef(company.id, company.slug, company.name, company.siret, company.active)


def first_permitted(session: Session, key: str, caller: Caller, alternatives: Sequence[Permission]) -> Reach:
    """The company if the caller reaches it (else 404), with the first of the alternatives it holds there
    (else 403 naming the first alternative)."""
    company = company_in_scope(session, key, caller)
    switches = switches_for(session, company.id)
    for permission in alternatives:
        if allowed(caller.role, permission, switches):
            return Reach(company, permission)
    reason = f"{caller.role.value} may not {alternatives[0].value} for company {company.slug!r}"
    raise ApiError(403, "forbidden", reason)


def permitted_company(session: Session, key: str, caller: Caller, needed: Iterable[Permission]) -> CompanyRef:
    """The company if the caller reaches it (else 404) and may do everything needed there (else 403)."""
    company = company_in_scope(session, key, caller)
    switches = switches_for(session, company.id)
    for permission in needed:
        if not allowed(caller.role, permission, switches):
            reason = f"{caller.role.value} may not {permission.value} for company {company.slug!r}"
            raise ApiError(403, "forbidden", reason)
    return company
