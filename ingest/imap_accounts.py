"""IMAP collection accounts: validated creation, listing, removal, and the frozen settings the poller uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ingest.imap_errors import ImapAccountError
from store.imap_models import ImapAccount, ImapLedgerEntry, ImapSecurity
from store.models import Company, utcnow

ROUTE_HEADERS = ("delivered-to", "x-original-to", "to", "cc")
"""Headers whose addresses may route a message to companies, in the order they can be tried."""
DEFAULT_ROUTE = ("delivered-to", "x-original-to", "to")
DEFAULT_PORTS = {ImapSecurity.TLS: 993, ImapSecurity.STARTTLS: 143, ImapSecurity.PLAIN: 143}
DEFAULT_PROCESSED = "collecte-processed"
DEFAULT_REFUSED = "collecte-refused"
_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,63})$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class AccountConfig:
    """One account as the poller uses it; the password (when stored) never appears in its repr."""

    id: int
    name: str
    host: str
    port: int
    security: ImapSecurity
    username: str
    password: str | None = field(repr=False)
    password_file: str | None
    ca_file: str | None
    folder: str
    processed_folder: str
    refused_folder: str
    company_slug: str | None
    route_headers: tuple[str, ...]
    source_platform: str | None

    @property
    def label(self) -> str:
        """user@host:port/folder, for logs and messages."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"

    def secret(self) -> str:
        """The password: the stored one, or the password file read now (blocking)."""
        if self.password is not None:
            return self.password
        assert self.password_file is not None
        return read_password_file(self.name, self.password_file)


@dataclass(frozen=True)
class AccountStatus:
    """An account with how its last poll went, for `collecte imap list`."""

    config: AccountConfig
    enabled: bool
    last_polled_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class NewAccount:
    """What a person gives to add an account; exactly one of password and password_file."""

    name: str
    host: str
    username: str
    security: ImapSecurity = ImapSecurity.TLS
    port: int | None = None
    password: str | None = field(default=None, repr=False)
    password_file: str | None = None
    ca_file: str | None = None
    folder: str = "INBOX"
    processed_folder: str = DEFAULT_PROCESSED
    refused_folder: str = DEFAULT_REFUSED
    company_slug: str | None = None
    route_headers: tuple[str, ...] = DEFAULT_ROUTE
    source_platform: str | None = None


def read_password_file(account: str, path: str) -> str:
    """The first line of a password file; ImapAccountError when unreadable or empty."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ImapAccountError(account, f"password file {path}", why) from None
    password = text.splitlines()[0] if text else ""
    if not password:
        raise ImapAccountError(account, f"password file {path}", "it is empty")
    return password


def _check_folder(name: str, what: str, value: str) -> str:
    if not value.strip() or len(value) > 255 or _CONTROL.search(value):
        raise ImapAccountError(name, what, f"{value!r} is not a usable folder name")
    return value


def _check_file(name: str, what: str, value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value).expanduser().absolute()
    if not path.is_file():
        raise ImapAccountError(name, what, f"{path} is not a readable file")
    return str(path)


def _check(new: NewAccount) -> None:
    name = new.name
    if not _NAME.match(name):
        raise ImapAccountError(name, "name", "use 1-64 lower-case letters, digits or dashes")
    if not new.host or _CONTROL.search(new.host) or " " in new.host:
        raise ImapAccountError(name, "host", f"{new.host!r} is not a host name")
    if new.port is not None and not 0 < new.port < 65536:
        raise ImapAccountError(name, "port", f"{new.port} is not a TCP port")
    if not new.username or _CONTROL.search(new.username):
        raise ImapAccountError(name, "user", "give the login name of the mailbox")
    if (new.password is None) == (new.password_file is None):
        raise ImapAccountError(name, "password", "give exactly one of --password-file PATH or --password")
    if new.password is not None and (not new.password or _CONTROL.search(new.password)):
        raise ImapAccountError(name, "password", "it is empty or holds control characters")
    unknown = set(new.route_headers) - set(ROUTE_HEADERS)
    if not new.route_headers or unknown:
        raise ImapAccountError(name, "route-by", f"choose among {', '.join(ROUTE_HEADERS)}")
    folders = (new.folder, new.processed_folder, new.refused_folder)
    if len({f.lower() for f in folders}) != len(folders):
        raise ImapAccountError(name, "folders", "the polled, processed and refused folders must differ")


def add_account(session: Session, new: NewAccount) -> AccountConfig:
    """Validates and stores an account (a password file must be readable now, and is read again later)."""
    _check(new)
    name = new.name
    named = (("folder", new.folder), ("processed folder", new.processed_folder))
    for what, value in (*named, ("refused folder", new.refused_folder)):
        _check_folder(name, what, value)
    password_file = _check_file(name, "password file", new.password_file)
    if password_file is not None:
        read_password_file(name, password_file)
    company_id = None
    if new.company_slug is not None:
        company_id = session.scalar(select(Company.id).where(Company.slug == new.company_slug))
        if company_id is None:
            raise ImapAccountError(name, "company", f"no company with slug {new.company_slug!r}")
    if session.scalar(select(ImapAccount.id).where(ImapAccount.name == name)) is not None:
        raise ImapAccountError(name, "name", "already used by another account")
    account = ImapAccount(
        name=name,
        host=new.host,
        port=new.port or DEFAULT_PORTS[new.security],
        security=new.security,
        username=new.username,
        password=new.password,
        password_file=password_file,
        ca_file=_check_file(name, "CA file", new.ca_file),
        folder=new.folder,
        processed_folder=new.processed_folder,
        refused_folder=new.refused_folder,
        company_id=company_id,
        route_headers=list(new.route_headers),
        source_platform=new.source_platform or None,
        enabled=True,
    )
    session.add(account)
    session.flush()
    return _config(account, new.company_slug)


def _config(account: ImapAccount, company_slug: str | None) -> AccountConfig:
    return AccountConfig(
        id=account.id,
        name=account.name,
        host=account.host,
        port=account.port,
        security=account.security,
        username=account.username,
        password=account.password,
        password_file=account.password_file,
        ca_file=account.ca_file,
        folder=account.folder,
        processed_folder=account.processed_folder,
        refused_folder=account.refused_folder,
        company_slug=company_slug,
        route_headers=tuple(account.route_headers),
        source_platform=account.source_platform,
    )


def list_accounts(session: Session) -> list[AccountStatus]:
    """Every account by name, with how its last poll went."""
    query = (
        select(ImapAccount, Company.slug)
        .outerjoin(Company, ImapAccount.company_id == Company.id)
        .order_by(ImapAccount.name)
    )
    return [
        AccountStatus(_config(account, slug), account.enabled, account.last_polled_at, account.last_error)
        for account, slug in session.execute(query).all()
    ]


def enabled_accounts(session: Session, names: tuple[str, ...] = ()) -> list[AccountConfig]:
    """The enabled accounts (only those named, when names are given); ImapAccountError for an unknown name."""
    statuses = [status for status in list_accounts(session) if status.enabled]
    known = {status.config.name for status in statuses}
    for name in names:
        if name not in known:
            raise ImapAccountError(name, "name", "no such enabled account")
    return [status.config for status in statuses if not names or status.config.name in names]


def remove_account(session: Session, name: str) -> None:
    """Deletes an account and its ledger (messages already accepted stay)."""
    account_id = session.scalar(select(ImapAccount.id).where(ImapAccount.name == name))
    if account_id is None:
        raise ImapAccountError(name, "name", "no such account")
    session.execute(delete(ImapLedgerEntry).where(ImapLedgerEntry.account_id == account_id))
    session.execute(delete(ImapAccount).where(ImapAccount.id == account_id))


def set_enabled(session: Session, name: str, enabled: bool) -> None:
    """Enables or disables an account (a disabled account is not polled; its ledger stays)."""
    account = session.scalar(select(ImapAccount).where(ImapAccount.name == name))
    if account is None:
        raise ImapAccountError(name, "name", "no such account")
    account.enabled = enabled


def record_poll(session: Session, account_id: int, error: str | None) -> None:
    """Notes when the account was last polled and the error that stopped it, if any."""
    session.execute(
        update(ImapAccount)
        .where(ImapAccount.id == account_id)
        .values(last_polled_at=utcnow(), last_error=error)
    )
