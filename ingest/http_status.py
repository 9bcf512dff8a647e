"""Document status for the HTTP API: where each of a company's documents stands, as a platform sees it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ingest.errors import ApiError
from purchases.document_status import PublicStatus, failure_of, public_status, status_condition
from store.models import Document, RawMessage

__all__ = ["DocumentPage", "DocumentReport", "PublicStatus", "document_page", "document_report"]


class Failure(BaseModel):
    """Why a document failed: the stage and a sentence."""

    model_config = ConfigDict(frozen=True)

    stage: str
    reason: str


class DocumentReport(BaseModel):
    """One document as the API reports it."""

    model_config = ConfigDict(frozen=True)

    id: int
    filename: str | None
    external_reference: str | None
    status: PublicStatus
    purchase_id: int | None
    failure: Failure | None
    received_at: datetime


class DocumentPage(BaseModel):
    """A page of a company's documents, newest first, and how many match in all."""

    model_config = ConfigDict(frozen=True)

    documents: list[DocumentReport]
    total: int
    limit: int
    offset: int


def _report(document: Document, received_at: datetime) -> DocumentReport:
    failed = failure_of(document)
    return DocumentReport(
        id=document.id,
        filename=document.filename,
        external_reference=document.external_reference,
        status=public_status(document.status, document.booking),
        purchase_id=document.purchase_id,
        failure=None if failed is None else Failure(stage=failed.stage, reason=failed.reason),
        received_at=received_at,
    )


def _documents(company_id: int) -> Select[Document, datetime]:
    return (
        select(Document, RawMessage.received_at)
        .join(RawMessage, RawMessage.id == Document.raw_message_id)
        .where(Document.company_id == company_id)
    )


def document_report(session: Session, company_id: int, slug: str, document_id: int) -> DocumentReport:
    """One document of the company; ApiError 404 when the company has no such document."""
    row = session.execute(_documents(company_id).where(Document.id == document_id)).first()
    if row is None:
        raise ApiError(404, "not_found", f"no document {document_id} for company {slug!r}")
    return _report(row[0], row[1])


def document_page(
    session: Session, company_id: int, status: PublicStatus | None, limit: int, offset: int
) -> DocumentPage:
    """The company's documents (any channel), newest first, optionally only those in one status."""
    query = _documents(company_id)
    count = select(func.count(Document.id)).where(Document.company_id == company_id)
    if status is not None:
        query, count = query.where(status_condition(status)), count.where(status_condition(status))
    rows = session.execute(query.order_by(Document.id.desc()).limit(limit).offset(offset)).all()
    return DocumentPage(
        documents=[_report(document, received_at) for document, received_at in rows],
        total=int(session.scalar(count) or 0),
        limit=limit,
        offset=offset,
    )
