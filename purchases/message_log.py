"""A company's messages as the import log shows them: where each stands, its documents, filters and pages.

A message here is what was stored (received by mail or pushed over HTTP); an arrival that was refused
stores nothing and shows only as an import-log line (`import_log.log_page`).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from purchases.document_status import (
    IN_PROGRESS,
    DocumentFailure,
    PublicStatus,
    failure_of,
    in_words,
    public_status,
    status_condition,
)
from purchases.errors import NotFoundError
from purchases.import_log import Arrivals, newest_first
from store.models import Channel, Document, MessageStatus, RawMessage


class MessageState(enum.StrEnum):
    """Where a stored message stands."""

    ACCEPTED = "accepted"
    """Stored, waiting to be unpacked."""
    PROCESSING = "processing"
    """Unpacked; some of its documents are still being read or booked."""
    DONE = "done"
    """Every document booked (a purchase, a duplicate or a twin), or none was found in it."""
    FAILED = "failed"
    """It could not be unpacked, or a document failed (and none is still in progress): see the reason."""


@dataclass(frozen=True)
class DocumentLine:
    """One document of a message and what became of it."""

    id: int
    position: str
    filename: str | None
    kind: str
    """The file type detected from the bytes (pdf, xml-cii, jpeg...), never from the name."""
    size: int
    status: PublicStatus
    detail: str
    """The status in words: "purchase 12 created", "duplicate of purchase 3", "failed at read: ..."."""
    purchase_id: int | None
    """The purchase it created, duplicates, or is the printed copy of."""
    failure: DocumentFailure | None
    attempts: int
    """How many times it failed (retries included)."""
    external_reference: str | None

    @classmethod
    def of(cls, document: Document) -> DocumentLine:
        """The line of a document row."""
        status = public_status(document.status, document.booking)
        failure = failure_of(document)
        return cls(
            id=document.id,
            position=document.position,
            filename=document.filename,
            kind=document.kind,
            size=document.size,
            status=status,
            detail=in_words(status, document.purchase_id, failure),
            purchase_id=document.purchase_id,
            failure=failure,
            attempts=document.attempts,
            external_reference=document.external_reference,
        )


@dataclass(frozen=True)
class MessageView:
    """A stored message: how and from whom it came, where it stands, and its documents."""

    id: int
    channel: Channel
    platform: str
    """The source platform: "email" for mail, else the name of the platform that pushed it."""
    sender: str
    """The envelope sender (mail), or the pushing platform."""
    recipients: tuple[str, ...]
    subject: str | None
    received_at: datetime
    size: int
    status: MessageState
    reason: str | None
    """Why it failed, or that no document was found in it."""
    documents: tuple[DocumentLine, ...]


@dataclass(frozen=True)
class MessageFilters(Arrivals):
    """Arrival criteria, plus the message's state and the status of one of its documents."""

    status: MessageState | None = None
    document_status: PublicStatus | None = None
    """Only messages with at least one document in this status."""


@dataclass(frozen=True)
class MessagePage:
    """Messages newest first, how many match in all, and the `before` cursor of the next page (None: last)."""

    messages: tuple[MessageView, ...]
    total: int
    next_cursor: int | None


def _having(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Messages with at least one document matching condition."""
    return exists(select(Document.id).where(Document.raw_message_id == RawMessage.id, condition))


def _state_condition(state: MessageState) -> ColumnElement[bool]:
    """The messages `_state` puts in state."""
    busy = _having(or_(*(status_condition(status) for status in IN_PROGRESS)))
    failed = _having(status_condition(PublicStatus.FAILED))
    processed = RawMessage.status == MessageStatus.PROCESSED
    conditions = {
        MessageState.ACCEPTED: RawMessage.status == MessageStatus.ACCEPTED,
        MessageState.PROCESSING: or_(RawMessage.status == MessageStatus.PROCESSING, and_(processed, busy)),
        MessageState.FAILED: or_(RawMessage.status == MessageStatus.FAILED, and_(processed, ~busy, failed)),
        MessageState.DONE: and_(processed, ~busy, ~failed),
    }
    return conditions[state]


def _state(message: RawMessage, documents: tuple[DocumentLine, ...]) -> tuple[MessageState, str | None]:
    """Where the message stands, and why when it failed or holds nothing (see `MessageState`)."""
    if message.status == MessageStatus.FAILED:
        return MessageState.FAILED, message.failure_reason or "could not be unpacked"
    if message.status != MessageStatus.PROCESSED:
        return MessageState(message.status.value), None
    if any(document.status in IN_PROGRESS for document in documents):
        return MessageState.PROCESSING, None
    failed = sum(document.status == PublicStatus.FAILED for document in documents)
    if failed:
        return MessageState.FAILED, f"{failed} of {len(documents)} documents failed"
    return MessageState.DONE, None if documents else "no document found in the message"


def _view(message: RawMessage, documents: Iterable[Document]) -> MessageView:
    lines = tuple(DocumentLine.of(document) for document in documents)
    status, reason = _state(message, lines)
    return MessageView(
        id=message.id,
        channel=message.channel,
        platform=message.source_platform,
        sender=message.envelope_from,
        recipients=tuple(message.envelope_to),
        subject=message.subject,
        received_at=message.received_at,
        size=message.size,
        status=status,
        reason=reason,
        documents=lines,
    )


def _documents_of(session: Session, message_ids: list[int]) -> dict[int, list[Document]]:
    """The documents of these messages (one query), by message, in order."""
    found: dict[int, list[Document]] = defaultdict(list)
    query = select(Document).where(Document.raw_message_id.in_(message_ids)).order_by(Document.id)
    for document in session.scalars(query):
        found[document.raw_message_id].append(document)
    return found


def message_page(
    session: Session, company_id: int, filters: MessageFilters, *, before: int | None = None, limit: int = 50
) -> MessagePage:
    """The company's messages matching filters, newest first (by id), `limit` of them below id `before`."""
    conditions = [
        RawMessage.company_id == company_id,
        *filters.conditions(
            RawMessage.received_at, RawMessage.source_platform, RawMessage.channel, RawMessage.envelope_from
        ),
    ]
    if filters.status is not None:
        conditions.append(_state_condition(filters.status))
    if filters.document_status is not None:
        conditions.append(_having(status_condition(filters.document_status)))
    total = int(session.scalar(select(func.count(RawMessage.id)).where(*conditions)) or 0)
    rows, more = newest_first(session, select(RawMessage).where(*conditions), RawMessage.id, before, limit)
    messages = [message for (message,) in rows]
    documents = _documents_of(session, [message.id for message in messages])
    views = tuple(_view(message, documents[message.id]) for message in messages)
    return MessagePage(views, total, views[-1].id if more and views else None)


def company_message(
    session: Session, company_id: int, message_id: int, *, for_update: bool = False
) -> RawMessage:
    """One of the company's messages (its row locked to change it, if for_update); NotFoundError when the
    company has no such message."""
    message = session.get(RawMessage, message_id, with_for_update=for_update or None)
    if message is None or message.company_id != company_id:
        raise NotFoundError(f"no message {message_id} in this company")
    return message


def message_view(session: Session, company_id: int, message_id: int) -> MessageView:
    """One of the company's messages with its documents; NotFoundError when there is no such message."""
    message = company_message(session, company_id, message_id)
    return _view(message, _documents_of(session, [message.id])[message.id])
