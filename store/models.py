"""SQLAlchemy 2 models: companies, raw messages as accepted, their documents, and the import log."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # PostgreSQL answers in the session's time zone (the server's, e.g. Europe/Paris): convert back.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """Euro amounts as exact Decimals with two places, stored as integer cents on every backend."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        cents = value.quantize(CENT, rounding=ROUND_HALF_UP) * 100
        return int(cents)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(CENT)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every collecte table."""

    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime()}  # noqa: RUF012


def enum_column(cls: type[enum.Enum]) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Channel(enum.StrEnum):
    """How a message reached collecte."""

    SMTP = "smtp"
    IMAP = "imap"
    HTTP = "http"


class MessageStatus(enum.StrEnum):
    """Where an accepted raw message stands in the pipeline."""

    ACCEPTED = "accepted"
    PROCESSING = "processing"
    PROCESSED = "processed"
    FAILED = "failed"


class ImportEventKind(enum.StrEnum):
    """What the import log records about an arrival."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    PART_REFUSED = "part_refused"
    PART_SKIPPED = "part_skipped"
    NO_DOCUMENT = "no_document"
    DOCUMENT_READ = "document_read"
    DOCUMENT_FAILED = "document_failed"
    TWIN = "twin"
    PURCHASE_CREATED = "purchase_created"
    RETRIED = "retried"
    """A failed document (or message) sent back to the stage that failed; the reason keeps the failure."""


class DocumentStatus(enum.StrEnum):
    """Where a document stands: waiting to be read, read (fields extracted), booked, or failed."""

    PENDING = "pending"
    READ = "read"
    BOOKED = "booked"
    FAILED = "failed"


class Booking(enum.StrEnum):
    """What booking made of a read document: its purchase, the printed twin of one, or a duplicate of one."""

    PURCHASE = "purchase"
    TWIN = "twin"
    DUPLICATE = "duplicate"


class Company(Base):
    """A client company with its collection address slug."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RawMessage(Base):
    """One message as received for one company: the raw bytes are the blob named by sha256."""

    __tablename__ = "raw_messages"
    __table_args__ = (UniqueConstraint("company_id", "sha256", name="uq_raw_messages_company_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    envelope_from: Mapped[str] = mapped_column(String(320))
    envelope_to: Mapped[list[str]] = mapped_column(JSON)
    peer: Mapped[str] = mapped_column(String(100))
    helo: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str | None] = mapped_column(String(998))
    subject: Mapped[str | None] = mapped_column(String(998))
    received_at: Mapped[datetime] = mapped_column(index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    source_platform: Mapped[str] = mapped_column(String(100))
    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus), default=MessageStatus.ACCEPTED)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    failure_traceback: Mapped[str | None] = mapped_column(Text)


class Document(Base):
    """One document found in a raw message (its bytes are the blob named by sha256) and what was read."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("raw_message_id", "position", name="uq_documents_message_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_messages.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    position: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(255))
    declared_type: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(24))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[DocumentStatus] = mapped_column(
        enum_column(DocumentStatus), default=DocumentStatus.PENDING, index=True
    )
    method: Mapped[str | None] = mapped_column(String(24))
    confidence: Mapped[float | None] = mapped_column(Float)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    failed_stage: Mapped[str | None] = mapped_column(String(40))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    failure_traceback: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    twin_of_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    """Set on a printed invoice sent with its e-invoice XML: the XML document is the one of record."""
    extraction: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Every field read, losslessly (`InvoiceFields.to_record`), for booking; `fields` is the contract."""
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id"), index=True)
    """The purchase this document made, is the printed twin of, or duplicates (see `booking`)."""
    booking: Mapped[Booking | None] = mapped_column(enum_column(Booking))
    external_reference: Mapped[str | None] = mapped_column(String(200))
    """The pushing platform's own reference for the document (HTTP push)."""
    due_date_hint: Mapped[date | None] = mapped_column(Date)
    """A due date given by the pushing platform; it wins over the printed one."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ImportEvent(Base):
    """A line of the import log: a message accepted, refused or found a duplicate, or one part refused."""

    __tablename__ = "import_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    raw_message_id: Mapped[int | None] = mapped_column(ForeignKey("raw_messages.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[ImportEventKind] = mapped_column(enum_column(ImportEventKind))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    source_platform: Mapped[str] = mapped_column(String(100))
    sender: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    peer: Mapped[str | None] = mapped_column(String(100))
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(255))
    detected_type: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(Integer)


# The books tables reference documents and are referenced by them: register them whenever these are
# (and the access switches and kept exports with them).
import store.access_models  # noqa: E402
import store.export_models  # noqa: E402
import store.purchase_models  # noqa: E402, F401
