"""FastAPI dependencies of the admin API: the caller (401), its company in scope and permitted (404, 403).

Every admin endpoint takes `CurrentCaller`, or a company through `company_for(permission, ...)`, which checks
the token, then the scope (a company out of scope gets the same 404 as one that does not exist), then the
permissions (403). Dependencies hold no database session open: a read endpoint takes `ReadSession`, a write
endpoint opens `writing(state)` (one SQLite writer at a time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ingest.http_auth import CompanyRef, Credentials, Reach, authenticated, first_permitted, permitted_company
from ingest.tokens import Caller
from purchases.access import Permission
from store.db import make_sessionmaker, write_session


@dataclass(frozen=True)
class ApiState:
    """What the admin endpoints are served from: the database, and the mail domains of the addresses."""

    engine: Engine
    sessions: sessionmaker[Session]
    mail_domains: tuple[str, ...]


def install(app: FastAPI, engine: Engine, mail_domains: Iterable[str]) -> None:
    """Binds the admin endpoints of app to a database."""
    app.state.admin_api = ApiState(engine, make_sessionmaker(engine), tuple(mail_domains))


def api_state(request: Request) -> ApiState:
    """The state `install` bound to the application."""
    state = request.app.state.admin_api
    assert isinstance(state, ApiState)
    return state


State = Annotated[ApiState, Depends(api_state)]


def read_session(state: State) -> Iterator[Session]:
    """A session to read with during the request, closed after it (never write in it: see `writing`)."""
    with state.sessions() as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session)]


@contextmanager
def writing(state: ApiState) -> Iterator[Session]:
    """A write transaction, committed unless an error escapes (one SQLite writer at a time)."""
    with write_session(state.engine, state.sessions) as session:
        yield session


def caller(state: State, credentials: Credentials) -> Caller:
    """Who sends the request; 401 when the bearer token is missing, unknown or revoked."""
    return authenticated(state.engine, state.sessions, credentials)


CurrentCaller = Annotated[Caller, Depends(caller)]
CompanyKey = Annotated[
    str, Path(description="The company's slug (local part of its collection address) or its 14-digit SIRET.")
]


def company_for(*needed: Permission) -> Callable[..., CompanyRef]:
    """A dependency giving the `{company}` of the path if the caller reaches it (else 404) and has every
    permission needed there (else 403)."""

    def scoped_company(company: CompanyKey, caller: CurrentCaller, state: State) -> CompanyRef:
        with state.sessions() as session:
            return permitted_company(session, company, caller, needed)

    return scoped_company


def company_with_any(*alternatives: Permission) -> Callable[..., Reach]:
    """A dependency giving the `{company}` of the path if the caller reaches it (else 404) with one of the
    alternatives (else 403), and the first alternative it holds there."""

    def reached_company(company: CompanyKey, caller: CurrentCaller, state: State) -> Reach:
        with state.sessions() as session:
            return first_permitted(session, company, caller, alternatives)

    return reached_company


Consulted = Annotated[Reach, Depends(company_with_any(Permission.VIEW, Permission.PULL_ENTRIES))]
"""A company whose records the caller views, or whose validated entries it pulls (accounting software:
then only what lies behind a validated entry, the purchase and its documents, is within reach)."""
