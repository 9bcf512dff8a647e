"""The HTTP API application: FastAPI with JSON error answers, serving the push and admin endpoints."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from admin.api_access import install
from admin.api_companies import router as companies_router
from admin.api_dashboards import router as dashboards_router
from admin.api_exports import router as exports_router
from admin.api_imports import router as imports_router
from admin.api_purchases import router as purchases_router
from admin.api_workers import install_workers
from admin.pages import router as pages_router
from admin.settings import AdminSettings
from core.errors import CollecteError
from ingest.accept import Acceptance
from ingest.errors import ApiError
from ingest.http_accept import HttpAcceptor
from ingest.http_form import PushLimits
from ingest.http_push import PushService, push_router
from ingest.settings import IngestSettings
from parsers.gate import GatePolicy
from purchases.errors import ConflictError, InvalidInputError, NotFoundError
from purchases.failures import Rerun
from store.blobs import BlobStore

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ApiContext:
    """What the application is built from: storage, settings, the threads for blocking work, the hand-off."""

    engine: Engine
    blobs: BlobStore
    ingest: IngestSettings
    admin: AdminSettings
    executor: Executor | None
    on_accepted: Callable[[Acceptance], None]
    rerun: Callable[[Rerun], None]
    """Sends a retried stage (unpack, read, book) to the workers."""


def _body(code: str, reason: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "reason": reason, **extra}


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(_body(exc.code, exc.reason, **exc.details), exc.status, headers=exc.headers)


def _field_name(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location[1:]) or str(location[0] if location else "request")


BUSINESS_STATUSES: tuple[tuple[type[CollecteError], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (InvalidInputError, 422, "invalid_input"),
)
"""How the errors of purchases/errors.py answer over HTTP: status and error code (the reason is theirs)."""


async def _business_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CollecteError)
    status, code = next((s, c) for kind, s, c in BUSINESS_STATUSES if isinstance(exc, kind))
    extra = {"field": exc.field} if isinstance(exc, InvalidInputError) else {}
    return JSONResponse(_body(code, exc.reason, **extra), status)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [f"{_field_name(tuple(e.get('loc', ())))}: {e.get('msg', 'invalid')}" for e in exc.errors()]
    details = [{"field": _field_name(tuple(e.get("loc", ()))), "problem": e.get("msg")} for e in exc.errors()]
    body = _body("invalid_request", "; ".join(problems) or "invalid request", details=details)
    return JSONResponse(body, 422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    try:
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        code = "http_error"
    return JSONResponse(_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("api.internal_error", path=request.url.path, error=repr(exc))
    return JSONResponse(_body("internal_error", "an internal error occurred: retry later"), 500)


def create_app(context: ApiContext) -> FastAPI:
    """The application: OpenAPI at /docs, every error as JSON `{"error", "reason"}`, push and admin routes."""
    app = FastAPI(
        title="collecte",
        summary="Supplier invoices pushed by document platforms or received by email, turned into purchases.",
        version="1",
        docs_url="/docs",
        redoc_url=None,
    )
    app.add_exception_handler(ApiError, _api_error)
    for kind, _status, _code in BUSINESS_STATUSES:
        app.add_exception_handler(kind, _business_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    service = PushService(
        engine=context.engine,
        acceptor=HttpAcceptor(context.engine, context.blobs),
        gate=GatePolicy(max_document_size=context.ingest.max_document_size),
        limits=PushLimits(
            max_files=context.admin.http_max_files, max_document_size=context.ingest.max_document_size
        ),
        mail_domains=tuple(context.ingest.mail_domains),
        executor=context.executor,
        on_accepted=context.on_accepted,
    )
    app.include_router(push_router(service))
    install(app, context.engine, context.ingest.mail_domains)
    install_workers(app, context.blobs, context.rerun)
    app.include_router(companies_router)
    app.include_router(imports_router)
    app.include_router(purchases_router)
    app.include_router(exports_router)
    app.include_router(dashboards_router)
    app.include_router(pages_router)
    return app
