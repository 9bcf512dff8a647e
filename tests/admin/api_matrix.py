"""The role and endpoint matrix of the HTTP API: a world of companies and tokens, endpoint rows, the checks.

An `Endpoint` row says how to call one `/api/v1` endpoint and which status each role gets on a company its
token reaches. `check_call` then calls it as every role on a company in scope, out of scope and unknown (by
slug and by SIRET), and checks the exact status and that a refused call's body is only `{"error", "reason"}`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.tokens import create_token, revoke_token
from purchases.export_history import ExportRequest, record_export
from purchases.journals import Period
from purchases.periods import validate_period
from store.blobs import BlobStore
from store.export_models import ExportFormat
from store.models import Document, DocumentStatus
from store.purchase_models import ApiToken, Payment, TokenRole
from tests.purchases.books_db import TODAY, book_fields, invoice
from tests.support import SIRETS, RunningServer, small_pdf

ROLES = (
    TokenRole.FIRM_ADMIN,
    TokenRole.FIRM_USER,
    TokenRole.COMPANY_ADMIN,
    TokenRole.COMPANY_USER,
    TokenRole.PLATFORM,
    TokenRole.ACCOUNTING_SOFTWARE,
)
"""The order of the statuses in `Endpoint.expect`."""
API = "/api/v1"
UNAUTHORIZED, FORBIDDEN, NOT_FOUND = 401, 403, 404
REFUSALS = frozenset({UNAUTHORIZED, FORBIDDEN, NOT_FOUND})
IN_SCOPE, OUT_OF_SCOPE, UNKNOWN = "acme", "other", "nobody"
NAMES = {
    TokenRole.FIRM_ADMIN: "Cabinet Martin",
    TokenRole.FIRM_USER: "Paul (cabinet)",
    TokenRole.COMPANY_ADMIN: "Claire (ACME)",
    TokenRole.COMPANY_USER: "Marie (ACME)",
    TokenRole.PLATFORM: "Welyb",
    TokenRole.ACCOUNTING_SOFTWARE: "Production",
}
"""The name of each role's token (a platform token's name is the platform pushes must name)."""

Body = Callable[[str], dict[str, Any]]
"""The keyword arguments of the request (json=, data=, files=...), given the caller's token name."""


def no_body(name: str) -> dict[str, Any]:
    """A request without a body."""
    return {}


def push_body(name: str) -> dict[str, Any]:
    """A push of one small PDF, naming the caller as the platform."""
    return {
        "data": {"platform": name},
        "files": [("files", ("f.pdf", small_pdf("matrix"), "application/pdf"))],
    }


def json_body(payload: object) -> Body:
    """A request with this JSON body."""
    return lambda name: {"json": payload}


def query(**params: str) -> Body:
    """A request with these query parameters (`from` is a keyword: pass it as `**{"from": ...}`)."""
    return lambda name: {"params": params}


def route_template(path: str) -> str:
    """A route's path with every parameter as `{}` (`/companies/{slug}` and `/companies/{company}` match)."""
    return re.sub(r"\{[^}]+\}", "{}", path)


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: method, path under /api/v1 (`{company}` and the ids of `PLACEHOLDERS` filled per call),
    the permission it needs, and the status of each role (in `ROLES` order) on a company in its scope."""

    method: str
    path: str
    permission: str | None
    expect: tuple[int, int, int, int, int, int]
    body: Body = field(default=no_body)

    @property
    def scoped(self) -> bool:
        """True when the path names a company."""
        return "{company}" in self.path

    @property
    def template(self) -> str:
        """The path with every parameter as `{}`, to compare with the application's routes."""
        return route_template(API + self.path)

    def status_in_scope(self, role: TokenRole) -> int:
        """The status a role gets on a company its token reaches."""
        return self.expect[ROLES.index(role)]

    def __str__(self) -> str:
        return f"{self.method} {API}{self.path}"


PLACEHOLDERS = (
    "id",
    "document",
    "message",
    "purchase",
    "payment",
    "export",
    "validated_purchase",
    "validated_document",
)
"""The ids a path may name besides `{company}`: `{id}` and `{document}` are the pushed (failed) document,
`{message}` its message, `{purchase}` and `{payment}` those of a ready purchase booked for the company,
`{export}` the FEC of `EXPORTED` (validated, with an older purchase of its own), `{validated_purchase}`
and `{validated_document}` that older purchase and its document."""
EXPORTED = Period(date(2025, 6, 1), date(2025, 6, 30))
"""The period validated and exported in each company of the world, long before `{purchase}` (editable)."""


@dataclass(frozen=True)
class Company:
    """A company of the world: how to name it, and the ids of its objects (see `PLACEHOLDERS`)."""

    slug: str
    siret: str
    ids: Mapping[str, int]

    @property
    def document_id(self) -> int:
        """The document pushed for the company."""
        return self.ids["document"]


@dataclass(frozen=True)
class World:
    """A running server with companies acme (every token reaches it) and other (only firm_admin does)."""

    server: RunningServer
    companies: Mapping[str, Company]
    secrets: Mapping[TokenRole, str]
    revoked: str

    def url(self, endpoint: Endpoint, key: str, ids: Mapping[str, int]) -> str:
        """The URL of endpoint for the company named key, its other placeholders filled from ids."""
        path = endpoint.path.replace("{company}", key)
        for name in PLACEHOLDERS:
            path = path.replace("{" + name + "}", str(ids[name]))
        return self.server.api_url + API + path


def build_world(server: RunningServer) -> World:
    """Adds the companies, a token of each role (scoped to acme) and a revoked one; a document per company."""
    ids = {IN_SCOPE: server.add_company("ACME SAS", SIRETS[0], IN_SCOPE)}
    ids[OUT_OF_SCOPE] = server.add_company("Other SARL", SIRETS[1], OUT_OF_SCOPE)
    with server.storage.sessions.begin() as session:
        secrets = {
            role: create_token(
                session,
                name=NAMES[role],
                role=role,
                company_ids=() if role == TokenRole.FIRM_ADMIN else (ids[IN_SCOPE],),
            )
            for role in ROLES
        }
        revoked = create_token(session, name="Former", role=TokenRole.FIRM_ADMIN, company_ids=())
        revoke_token(session, session.scalars(select(ApiToken.id).where(ApiToken.name == "Former")).one())
    companies = {}
    for slug, siret in ((IN_SCOPE, SIRETS[0]), (OUT_OF_SCOPE, SIRETS[1])):
        answer = httpx.post(
            f"{server.api_url}/api/v1/companies/{slug}/documents",
            headers=bearer(secrets[TokenRole.FIRM_ADMIN]),
            timeout=30,
            **push_body("Setup"),
        )
        assert answer.status_code == 202, answer.text
        document_id = answer.json()["documents"][0]["id"]
        with server.storage.sessions.begin() as session:
            message_id = session.get_one(Document, document_id).raw_message_id
            booked = book_fields(session, ids[slug], invoice(invoice_number=f"FA-{slug}"), today=TODAY)
            purchase_id = booked.purchase_id
            payment_id = session.scalars(select(Payment.id).where(Payment.purchase_id == purchase_id)).one()
            exported = exported_period(session, server.storage.blobs, ids[slug])
        companies[slug] = Company(
            slug,
            siret,
            {
                "id": document_id,
                "document": document_id,
                "message": message_id,
                "purchase": purchase_id,
                "payment": payment_id,
                **exported,
            },
        )
    wait_failed(server, [company.document_id for company in companies.values()])
    return World(server, companies, secrets, revoked)


def wait_failed(server: RunningServer, document_ids: list[int], timeout: float = 60) -> None:
    """Waits until the workers failed to read each pushed document, so that retrying it always answers 202."""
    deadline = time.monotonic() + timeout
    while True:
        with server.storage.sessions() as session:
            statuses = set(session.scalars(select(Document.status).where(Document.id.in_(document_ids))))
        if statuses == {DocumentStatus.FAILED}:
            return
        assert time.monotonic() < deadline, f"the pushed documents are still {statuses}"
        time.sleep(0.05)


def exported_period(session: Session, blobs: BlobStore, company_id: int) -> dict[str, int]:
    """Books a purchase of June 2025 (its file stored), validates `EXPORTED` and exports it as a FEC; the ids
    of the export, of the validated purchase and of its document."""
    older = invoice(invoice_number="FA-2025-06", issue_date=date(2025, 6, 12))
    stored = blobs.put(small_pdf(f"validated-{company_id}"))
    booked = book_fields(session, company_id, older, sha256=stored.sha256, today=TODAY)
    validate_period(session, company_id, EXPORTED, datetime.now(UTC))
    request = ExportRequest(EXPORTED, ExportFormat.FEC)
    return {
        "export": record_export(session, company_id, request, "Setup", datetime.now(UTC)).id,
        "validated_purchase": booked.purchase_id,
        "validated_document": booked.document_id,
    }


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {secret}"}


def assert_refused(answer: httpx.Response, status: int, reason: str | None = None) -> None:
    """The answer is the refusal expected, and its body says why and nothing else."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error", "reason"}, body
    if reason is not None:
        assert body["reason"] == reason, body


def check_call(world: World, endpoint: Endpoint, role: TokenRole, key: str, expected: int) -> None:
    """Calls endpoint as role on the company named key, and checks the answer (refusals store nothing)."""
    company = next((c for c in world.companies.values() if key in (c.slug, c.siret)), None)
    ids = company.ids if company else world.companies[IN_SCOPE].ids
    before = world.server.message_count()
    answer = httpx.request(
        endpoint.method,
        world.url(endpoint, key, ids),
        headers=bearer(world.secrets[role]),
        timeout=30,
        **endpoint.body(NAMES[role]),
    )
    where = f"{endpoint} as {role} on {key!r}"
    assert answer.status_code == expected, f"{where}: {answer.status_code} {answer.text}"
    reached = company is not None and (role == TokenRole.FIRM_ADMIN or company.slug == IN_SCOPE)
    if expected == NOT_FOUND and reached:  # an object of the company the role may not see: never data
        body = answer.json()
        assert set(body) == {"error", "reason"} and body["error"] == "not_found", where
        assert not body["reason"].startswith("no company"), where
    elif expected == NOT_FOUND:
        assert answer.json() == {"error": "not_found", "reason": f"no company {key!r}"}, where
    elif expected == FORBIDDEN:
        slug = company.slug if company else key
        reason = f"{role} may not {endpoint.permission} for company {slug!r}"
        assert answer.json() == {"error": "forbidden", "reason": reason}, where
    if expected in REFUSALS:
        assert world.server.message_count() == before, f"{where}: a refused call stored something"
