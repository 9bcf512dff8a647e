"""Work in error: the documents that failed (stage, reason, when, their message), and sending them back.

A retry puts a failed document back where its failed stage starts (pending to be read again, or read to
be booked again), or a message that could not be unpacked back to accepted; it logs a `retried` line that
keeps the failure, and names the stage to send to the workers once the change is committed. Asking again
while that retry is under way changes nothing and sends nothing: a retry is idempotent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from purchases.document_status import IN_PROGRESS, PublicStatus, failure_of, in_words, public_status
from purchases.document_status import status_condition as document_condition
from purchases.errors import ConflictError, NotFoundError
from purchases.import_log import Arrivals, document_event, message_event, newest_first
from purchases.message_log import company_message
from store.models import (
    Channel,
    Document,
    DocumentStatus,
    ImportEvent,
    ImportEventKind,
    MessageStatus,
    RawMessage,
)


class Stage(enum.StrEnum):
    """A stage the workers can run again: unpack (a message), read then OCR if needed, book (a document)."""

    UNPACK = "unpack"
    READ = "read"
    BOOK = "book"


@dataclass(frozen=True)
class Rerun:
    """A stage to send to the workers again, for one message (unpack) or one document (read, book)."""

    stage: Stage
    target_id: int


@dataclass(frozen=True)
class Retried:
    """What a retry did: the stage run again, and what to send (None: an earlier retry is under way)."""

    stage: Stage
    rerun: Rerun | None


@dataclass(frozen=True)
class MessageRef:
    """The message a document came in: how, from whom, when."""

    id: int
    channel: Channel
    platform: str
    sender: str
    subject: str | None
    received_at: datetime


@dataclass(frozen=True)
class DocumentError:
    """A failed document: the stage that failed (unpack, read, ocr, book), why in words, when, its message."""

    document_id: int
    filename: str | None
    kind: str
    stage: str
    reason: str
    failed_at: datetime
    attempts: int
    """How many times it failed (retries included)."""
    message: MessageRef


@dataclass(frozen=True)
class ErrorPage:
    """Failed documents newest first, how many in all, the `before` cursor of the next page (None: last)."""

    errors: tuple[DocumentError, ...]
    total: int
    next_cursor: int | None


def _error(document: Document, message: RawMessage) -> DocumentError:
    failure = failure_of(document)
    assert failure is not None
    return DocumentError(
        document_id=document.id,
        filename=document.filename,
        kind=document.kind,
        stage=failure.stage,
        reason=failure.reason,
        failed_at=document.updated_at,
        attempts=document.attempts,
        message=MessageRef(
            id=message.id,
            channel=message.channel,
            platform=message.source_platform,
            sender=message.envelope_from,
            subject=message.subject,
            received_at=message.received_at,
        ),
    )


def error_page(
    session: Session,
    company_id: int,
    arrivals: Arrivals,
    stage: str | None = None,
    *,
    before: int | None = None,
    limit: int = 50,
) -> ErrorPage:
    """The company's failed documents (their message matching arrivals; failed at stage, if given),
    newest first by document id, `limit` of them below id `before`."""
    conditions = [
        Document.company_id == company_id,
        document_condition(PublicStatus.FAILED),
        *arrivals.conditions(
            RawMessage.received_at, RawMessage.source_platform, RawMessage.channel, RawMessage.envelope_from
        ),
    ]
    if stage is not None:
        conditions.append(func.coalesce(Document.failed_stage, Stage.READ.value) == stage)
    joined = select(Document, RawMessage).join(RawMessage, RawMessage.id == Document.raw_message_id)
    total = int(session.scalar(joined.with_only_columns(func.count(Document.id)).where(*conditions)) or 0)
    rows, more = newest_first(session, joined.where(*conditions), Document.id, before, limit)
    errors = tuple(_error(document, message) for document, message in rows)
    return ErrorPage(errors, total, errors[-1].document_id if more and errors else None)


def retry_document(session: Session, company_id: int, document_id: int) -> Retried:
    """Sends a failed document back to its failed stage; ConflictError (saying its status) when the
    document is not failed, NotFoundError when the company has no such document."""
    document = session.get(Document, document_id, with_for_update=True)
    if document is None or document.company_id != company_id:
        raise NotFoundError(f"no document {document_id} in this company")
    status = public_status(document.status, document.booking)
    failure = failure_of(document)
    if failure is not None:
        stage = Stage.BOOK if failure.stage == Stage.BOOK else Stage.READ
        message = company_message(session, company_id, document.raw_message_id)
        reason = f"sent back to {stage} after it failed at {failure.stage}: {failure.reason}"
        session.add(
            document_event(
                message, document, ImportEventKind.RETRIED, reason_code=failure.stage, reason=reason
            )
        )
        document.status = DocumentStatus.READ if stage == Stage.BOOK else DocumentStatus.PENDING
        document.failed_stage = document.failure_reason = document.failure_traceback = None
        return Retried(stage, Rerun(stage, document.id))
    if status in IN_PROGRESS and document.attempts > 0:
        return Retried(Stage.BOOK if status == PublicStatus.READ else Stage.READ, None)
    words = in_words(status, document.purchase_id)
    raise ConflictError(
        f"document {document.id} is {status.value} ({words}): only a failed document can be retried"
    )


def retry_message(session: Session, company_id: int, message_id: int) -> Retried:
    """Sends a message that could not be unpacked back to unpacking; ConflictError (saying where it
    stands) otherwise, NotFoundError when the company has no such message."""
    message = company_message(session, company_id, message_id, for_update=True)
    if message.status == MessageStatus.FAILED:
        failed = (message.failure_reason or "unknown reason").removeprefix(f"{Stage.UNPACK}: ")
        reason = f"sent back to {Stage.UNPACK} after it failed: {failed}"
        session.add(
            message_event(message, ImportEventKind.RETRIED, reason_code=Stage.UNPACK.value, reason=reason)
        )
        message.status = MessageStatus.ACCEPTED
        message.failure_reason = message.failure_traceback = None
        return Retried(Stage.UNPACK, Rerun(Stage.UNPACK, message.id))
    waiting = message.status in (MessageStatus.ACCEPTED, MessageStatus.PROCESSING)
    if waiting and _was_retried(session, message.id):
        return Retried(Stage.UNPACK, None)
    where = "is waiting to be unpacked" if waiting else "was unpacked (retry its failed documents instead)"
    raise ConflictError(
        f"message {message.id} {where}: only a message that could not be unpacked can be retried"
    )


def _was_retried(session: Session, message_id: int) -> bool:
    """True when the message itself (not one of its documents) was sent back to unpacking."""
    query = exists().where(
        ImportEvent.raw_message_id == message_id,
        ImportEvent.document_id.is_(None),
        ImportEvent.kind == ImportEventKind.RETRIED,
    )
    return bool(session.scalar(select(query)))
