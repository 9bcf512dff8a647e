"""HTTP push for document platforms: the FastAPI router that takes pushed files and reports their status.

`POST /api/v1/companies/{slug}/documents` (multipart, bearer token of the platform) answers 202 with the new
document ids as soon as the files are stored; `GET .../documents/{id}` and `GET .../documents` report where
each stands. Refusals and errors are JSON `{"error": code, "reason": sentence}` raised as `ApiError`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any, TypeVar

import structlog
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine

from ingest.accept import Acceptance
from ingest.addresses import collection_addresses
from ingest.errors import AcceptError, ApiError
from ingest.http_accept import HttpAcceptor, Push, PushReceipt, judge_push
from ingest.http_auth import CompanyRef, Credentials, authenticated, permitted_company
from ingest.http_form import PushLimits, check_length, read_form
from ingest.http_status import DocumentPage, DocumentReport, PublicStatus, document_page, document_report
from ingest.tokens import Caller
from parsers.gate import GatePolicy, GateVerdict, PartVerdict, RefusalCode
from purchases.access import Permission
from store.db import make_sessionmaker

log = structlog.get_logger(__name__)
MAX_OFFSET = 2**31 - 1
"""The largest offset a listing takes: any larger is past the end, and past what a database integer holds."""
T = TypeVar("T")

PREFIX = "/api/v1/companies/{slug}/documents"


@dataclass(frozen=True)
class PushService:
    """What the push endpoints need, built by the composition root."""

    engine: Engine
    acceptor: HttpAcceptor
    gate: GatePolicy
    limits: PushLimits
    mail_domains: tuple[str, ...]
    executor: Executor | None
    on_accepted: Callable[[Acceptance], None]


class ErrorBody(BaseModel):
    """Every error answer: a code, a sentence, and sometimes more (field, refused files...)."""

    model_config = ConfigDict(extra="allow")

    error: str
    reason: str


class RefusedFile(BaseModel):
    """A file of a push that was not accepted, with the gate's reason (English and French)."""

    model_config = ConfigDict(frozen=True)

    filename: str | None
    code: str
    reason: str | None
    reason_fr: str | None


class PushedDocument(BaseModel):
    """A document created from a pushed file: it is read, then booked, in the background."""

    model_config = ConfigDict(frozen=True)

    id: int
    filename: str | None
    status: str = "pending"


class PushAnswer(BaseModel):
    """The 202 answer to a push: the stored message, its documents, and the files refused."""

    model_config = ConfigDict(frozen=True)

    message_id: int
    documents: list[PushedDocument]
    refused: list[RefusedFile]


def _refused(parts: tuple[PartVerdict, ...]) -> list[RefusedFile]:
    return [
        RefusedFile(
            filename=part.filename,
            code=part.code.value if part.code else "decorative",
            reason=part.reason,
            reason_fr=part.reason_fr,
        )
        for part in parts
        if not part.accepted
    ]


def refusal_error(verdict: GateVerdict) -> ApiError:
    """The answer when no file is accepted: 413 when every refused file is too large, else 415."""
    assert verdict.refusal is not None
    refused = [part for part in verdict.parts if part.code is not None]
    too_large = bool(refused) and all(part.code == RefusalCode.TOO_LARGE for part in refused)
    reasons = [part.reason for part in verdict.parts if part.reason]
    reason = " ".join(reasons) if reasons else verdict.refusal.lines[0]
    details: dict[str, object] = {"refused": [r.model_dump() for r in _refused(verdict.parts)]}
    return ApiError(413 if too_large else 415, verdict.refusal.code.value, reason, details=details)


def accepted_answer(receipt: PushReceipt, verdict: GateVerdict) -> PushAnswer:
    """The 202 answer: the message, its new documents (pending) and the files refused."""
    return PushAnswer(
        message_id=receipt.message_id,
        documents=[PushedDocument(id=d.id, filename=d.filename) for d in receipt.documents],
        refused=_refused(verdict.parts),
    )


Slug = Annotated[str, Path(description="The company's slug (local part of its collection address) or SIRET.")]


class PushEndpoints:
    """The endpoints' work: authenticate, check scope, judge and store off the event loop, answer."""

    def __init__(self, service: PushService) -> None:
        self.service = service
        self._sessions = make_sessionmaker(service.engine)

    async def _blocking(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.service.executor, partial(function, *args))

    def _company(self, slug: str, caller: Caller, permission: Permission) -> CompanyRef:
        with self._sessions() as session:
            return permitted_company(session, slug, caller, (permission,))

    def _read(self, query: Callable[..., T], *args: Any) -> T:
        with self._sessions() as session:
            return query(session, *args)

    async def caller(self, credentials: Credentials) -> Caller:
        """The caller of a request; ApiError 401 when the token is missing, unknown or revoked."""
        return await self._blocking(authenticated, self.service.engine, self._sessions, credentials)

    async def push(self, slug: Slug, request: Request, credentials: Credentials) -> PushAnswer:
        """Pushes one or more documents (PDF, image, Factur-X/UBL/CII XML) for the company to read and book.

        Multipart form: `files` (one or more), `platform` (the pushing platform's name, as on its token),
        optional `external_reference` (≤ 200 characters) and `due_date` (YYYY-MM-DD). Each file is judged by
        its content (never its name): archives, files over the size limit and other types are refused, each
        with a reason. Answers at once with the new document ids; poll their status.
        """
        caller = await self.caller(credentials)
        company = await self._blocking(self._company, slug, caller, Permission.PUSH)
        check_length(request, self.service.limits)
        if not company.active:
            raise ApiError(403, "company_inactive", f"company {company.slug!r} is inactive")
        push = await self._read_push(request, caller, company)
        verdict = await self._blocking(judge_push, push, self.service.gate)
        if verdict.refusal is not None:
            log.info("http.refused", company=company.slug, platform=push.platform, code=verdict.refusal.code)
            await self._record_refusal(push, verdict)
            raise refusal_error(verdict)
        receipt = await self._store(push, verdict)
        return accepted_answer(receipt, verdict)

    async def _read_push(self, request: Request, caller: Caller, company: CompanyRef) -> Push:
        fields, uploads = await read_form(request, caller, self.service.limits)
        return Push(
            company_id=company.id,
            company_address=collection_addresses(company.slug, self.service.mail_domains)[0],
            platform=fields.platform,
            external_reference=fields.external_reference,
            due_date=fields.due_date,
            peer=request.client.host if request.client else "unknown",
            received_at=datetime.now(UTC),
            uploads=uploads,
        )

    async def _record_refusal(self, push: Push, verdict: GateVerdict) -> None:
        assert verdict.refusal is not None
        try:
            await self._blocking(self.service.acceptor.record_refusal, push, verdict, verdict.refusal)
        except Exception:
            log.exception("http.refusal_not_logged", platform=push.platform)

    async def _store(self, push: Push, verdict: GateVerdict) -> PushReceipt:
        try:
            receipt = await self._blocking(self.service.acceptor.accept, push, verdict)
        except AcceptError as exc:
            log.error("http.not_stored", platform=push.platform, reason=exc.reason)
            raise ApiError(
                503,
                "not_stored",
                "the documents could not be stored: retry later",
                headers={"Retry-After": "30"},
            ) from exc
        log.info(
            "http.accepted",
            message=receipt.message_id,
            platform=push.platform,
            documents=len(receipt.documents),
        )
        try:
            acceptance = Acceptance(receipt.sha256, (receipt.message_id,), ())
            await self._blocking(self.service.on_accepted, acceptance)
        except Exception:
            log.exception("http.hand_off_failed", message=receipt.message_id)
        return receipt

    async def status(self, slug: Slug, document_id: int, credentials: Credentials) -> DocumentReport:
        """Where one document stands; on failure, the stage and the reason."""
        caller = await self.caller(credentials)
        company = await self._blocking(self._company, slug, caller, Permission.DOCUMENT_STATUS)
        return await self._blocking(self._read, document_report, company.id, company.slug, document_id)

    async def listing(
        self,
        slug: Slug,
        credentials: Credentials,
        status: Annotated[PublicStatus | None, Query(description="Only documents in this status.")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> DocumentPage:
        """The company's documents (every channel), newest first: e.g. `?status=failed` for those in error."""
        caller = await self.caller(credentials)
        company = await self._blocking(self._company, slug, caller, Permission.DOCUMENT_STATUS)
        return await self._blocking(self._read, document_page, company.id, status, limit, offset)


_PUSH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["platform", "files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "platform": {"type": "string", "maxLength": 100},
                        "external_reference": {"type": "string", "maxLength": 200},
                        "due_date": {"type": "string", "format": "date"},
                    },
                }
            }
        },
    }
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 411, 413, 415, 422, 503)
}


def push_router(service: PushService) -> APIRouter:
    """The push endpoints, bound to service."""
    endpoints = PushEndpoints(service)
    router = APIRouter(tags=["documents"], responses=_ERRORS)
    router.add_api_route(PREFIX, endpoints.push, methods=["POST"], status_code=202, openapi_extra=_PUSH_BODY)
    router.add_api_route(PREFIX, endpoints.listing, methods=["GET"])
    router.add_api_route(PREFIX + "/{document_id}", endpoints.status, methods=["GET"])
    return router
