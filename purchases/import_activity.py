"""Import activity: what arrived for a company by source platform, and what became of it, with the error rate.

Counted over a span of days in French time (messages by their arrival, documents by their message's): what
was received, refused, repeated; documents that became purchases, duplicates, twins, failures, or are still
being read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import Session

from purchases.dashboard_sql import count_where
from store.models import Booking, Document, DocumentStatus, ImportEvent, ImportEventKind, MessageStatus
from store.models import RawMessage as Message

ZONE = ZoneInfo("Europe/Paris")
"""Days of arrivals are French days: a message received at 00:30 in Paris on the 1st is in that month."""


@dataclass(frozen=True)
class Activity:
    """What arrived from one source platform and what became of it."""

    platform: str
    messages: int = 0
    repeated_messages: int = 0
    """The same message received again (not stored a second time)."""
    refused_messages: int = 0
    """Refused at the door by the size and type policy (never stored)."""
    failed_messages: int = 0
    """Stored but could not be unpacked into documents."""
    documents: int = 0
    purchases: int = 0
    duplicates: int = 0
    """Documents found to be a purchase already booked (same file, or same supplier, number and total)."""
    twins: int = 0
    failed: int = 0
    in_progress: int = 0

    def __add__(self, other: Activity) -> Activity:
        counts = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Activity)[1:]}
        return Activity(self.platform, **counts)

    @property
    def error_rate(self) -> float | None:
        """Failed documents and messages over documents and failed messages (0 to 1); None when nothing."""
        items = self.documents + self.failed_messages
        return None if items == 0 else round((self.failed + self.failed_messages) / items, 4)


def _french_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), ZONE).astimezone(UTC)


def import_activity(session: Session, company_id: int, first: date, end: date) -> tuple[Activity, ...]:
    """What arrived from the day first to the day end excluded (French time), by source platform, and what
    became of it (three queries)."""
    start, end_at = _french_midnight(first), _french_midnight(end)
    arrived = and_(
        Message.company_id == company_id, Message.received_at >= start, Message.received_at < end_at
    )
    platform = Message.source_platform.label("platform")
    unbooked = Document.booking.is_(None)
    messages = select(
        platform,
        func.count(Message.id).label("messages"),
        count_where(Message.status == MessageStatus.FAILED).label("failed_messages"),
    ).where(arrived)
    documents = (
        select(
            platform,
            func.count(Document.id).label("documents"),
            count_where(
                or_(
                    Document.booking == Booking.PURCHASE,
                    and_(unbooked, Document.status == DocumentStatus.BOOKED),
                )
            ).label("purchases"),
            count_where(Document.booking == Booking.DUPLICATE).label("duplicates"),
            count_where(Document.booking == Booking.TWIN).label("twins"),
            count_where(and_(unbooked, Document.status == DocumentStatus.FAILED)).label("failed"),
            count_where(
                and_(unbooked, Document.status.in_([DocumentStatus.PENDING, DocumentStatus.READ]))
            ).label("in_progress"),
        )
        .join(Message, Message.id == Document.raw_message_id)
        .where(arrived)
    )
    kinds = (ImportEventKind.DUPLICATE, ImportEventKind.REFUSED)
    events = select(
        ImportEvent.source_platform.label("platform"),
        count_where(
            and_(ImportEvent.kind == ImportEventKind.DUPLICATE, ImportEvent.document_id.is_(None))
        ).label("repeated_messages"),
        count_where(ImportEvent.kind == ImportEventKind.REFUSED).label("refused_messages"),
    ).where(
        ImportEvent.company_id == company_id,
        ImportEvent.at >= start,
        ImportEvent.at < end_at,
        ImportEvent.kind.in_(kinds),
    )
    counts: dict[str, dict[str, int]] = {}
    for query in (messages.group_by(Message.source_platform), documents.group_by(Message.source_platform)):
        _collect(counts, session.execute(query))
    _collect(counts, session.execute(events.group_by(ImportEvent.source_platform)))
    return tuple(Activity(name, **found) for name, found in sorted(counts.items()))


def _collect(counts: dict[str, dict[str, int]], rows: Iterable[Row[Any]]) -> None:
    for row in rows:
        values = dict(row._mapping)
        counts.setdefault(values.pop("platform"), {}).update({k: int(v) for k, v in values.items()})
