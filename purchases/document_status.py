"""A document's status in words: the pipeline's status and what booking made of it, as the API shows it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_

from store.models import Booking, Document, DocumentStatus


class PublicStatus(enum.StrEnum):
    """A document's status in the API: the pipeline's status and what booking made of it, in one word."""

    PROCESSING = "processing"
    READ = "read"
    PURCHASE_CREATED = "purchase_created"
    DUPLICATE = "duplicate"
    TWIN = "twin"
    FAILED = "failed"


_BOOKINGS = {
    Booking.PURCHASE: PublicStatus.PURCHASE_CREATED,
    Booking.DUPLICATE: PublicStatus.DUPLICATE,
    Booking.TWIN: PublicStatus.TWIN,
}
_STATUSES = {
    DocumentStatus.PENDING: PublicStatus.PROCESSING,
    DocumentStatus.READ: PublicStatus.READ,
    DocumentStatus.BOOKED: PublicStatus.PURCHASE_CREATED,
    DocumentStatus.FAILED: PublicStatus.FAILED,
}
IN_PROGRESS = frozenset({PublicStatus.PROCESSING, PublicStatus.READ})
"""Statuses of a document the workers have not finished with."""


def public_status(status: DocumentStatus, booking: Booking | None) -> PublicStatus:
    """What booking made of the document when it did, else where the pipeline stands."""
    return _BOOKINGS[booking] if booking is not None else _STATUSES[status]


def status_condition(status: PublicStatus) -> ColumnElement[bool]:
    """The document rows that `public_status` maps to status (for a WHERE clause)."""
    unbooked = Document.booking.is_(None)
    conditions = {
        PublicStatus.PROCESSING: and_(unbooked, Document.status == DocumentStatus.PENDING),
        PublicStatus.READ: and_(unbooked, Document.status == DocumentStatus.READ),
        PublicStatus.FAILED: and_(unbooked, Document.status == DocumentStatus.FAILED),
        PublicStatus.PURCHASE_CREATED: or_(
            Document.booking == Booking.PURCHASE, and_(unbooked, Document.status == DocumentStatus.BOOKED)
        ),
        PublicStatus.DUPLICATE: Document.booking == Booking.DUPLICATE,
        PublicStatus.TWIN: Document.booking == Booking.TWIN,
    }
    return conditions[status]


@dataclass(frozen=True)
class DocumentFailure:
    """Why a document failed: the stage (unpack, read, ocr, book) and a sentence."""

    stage: str
    reason: str


def failure_of(document: Document) -> DocumentFailure | None:
    """The document's failure while it is failed, else None."""
    if public_status(document.status, document.booking) != PublicStatus.FAILED:
        return None
    return DocumentFailure(document.failed_stage or "read", document.failure_reason or "unknown")


def in_words(status: PublicStatus, purchase_id: int | None, failure: DocumentFailure | None = None) -> str:
    """The status as a short sentence: "purchase 12 created", "duplicate of purchase 3", "failed at read: ..."
    (the failure is said only when given)."""
    if status == PublicStatus.FAILED and failure is not None:
        return f"failed at {failure.stage}: {failure.reason}"
    sentences = {
        PublicStatus.PROCESSING: "being read",
        PublicStatus.READ: "read, waiting to be booked",
        PublicStatus.PURCHASE_CREATED: f"purchase {purchase_id} created",
        PublicStatus.DUPLICATE: f"duplicate of purchase {purchase_id}",
        PublicStatus.TWIN: f"printed copy of the e-invoice of purchase {purchase_id}",
        PublicStatus.FAILED: "failed",
    }
    return sentences[status]
