"""Reading the import log: what arrived, for which company, and what became of it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from purchases.errors import NotFoundError
from store.models import Channel, Company, Document, ImportEvent, ImportEventKind, RawMessage

ZONE = ZoneInfo("Europe/Paris")
"""The days of a period are days in France."""
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class LogLine:
    """One import-log line as shown to people."""

    at: datetime
    company: str | None
    kind: str
    channel: str
    platform: str
    sender: str
    message_id: int | None
    detail: str


def recent(session: Session, company_slug: str | None = None, limit: int = 50) -> list[LogLine]:
    """The newest import-log lines, oldest first, optionally for one company."""
    query = select(ImportEvent, Company.slug).outerjoin(Company, ImportEvent.company_id == Company.id)
    if company_slug is not None:
        company_id = session.scalar(select(Company.id).where(Company.slug == company_slug))
        if company_id is None:
            raise NotFoundError(f"no company with slug {company_slug!r}")
        query = query.where(ImportEvent.company_id == company_id)
    rows = session.execute(query.order_by(ImportEvent.id.desc()).limit(limit)).all()
    return [_line(event, slug) for event, slug in reversed(rows)]


def _line(event: ImportEvent, slug: str | None) -> LogLine:
    parts = [p for p in (event.filename, event.reason) if p]
    return LogLine(
        at=event.at,
        company=slug,
        kind=event.kind.value,
        channel=event.channel.value,
        platform=event.source_platform,
        sender=event.sender,
        message_id=event.raw_message_id,
        detail=": ".join(parts),
    )


@dataclass(frozen=True)
class LastImport:
    """When a company last received something from one source platform, and by which channel."""

    company: str
    platform: str
    at: datetime
    messages: int


def last_imports(
    session: Session, company_slug: str | None = None, *, company_ids: Collection[int] | None = None
) -> list[LastImport]:
    """The last accepted import per company and source platform (email, Welyb, a pushing platform...),
    for every company, the one named by slug, or those of company_ids."""
    query = (
        select(Company.slug, ImportEvent.source_platform, func.max(ImportEvent.at), func.count())
        .join(Company, ImportEvent.company_id == Company.id)
        .where(ImportEvent.kind == ImportEventKind.ACCEPTED)
        .group_by(Company.slug, ImportEvent.source_platform)
        .order_by(Company.slug, func.max(ImportEvent.at).desc())
    )
    if company_slug is not None:
        if session.scalar(select(Company.id).where(Company.slug == company_slug)) is None:
            raise NotFoundError(f"no company with slug {company_slug!r}")
        query = query.where(Company.slug == company_slug)
    if company_ids is not None:
        query = query.where(Company.id.in_(list(company_ids)))
    return [LastImport(slug, platform, at, count) for slug, platform, at, count in session.execute(query)]


def message_event(message: RawMessage, kind: ImportEventKind, **fields: object) -> ImportEvent:
    """A new import-log line about an accepted message (channel, platform, sender as it arrived)."""
    return ImportEvent(
        company_id=message.company_id,
        raw_message_id=message.id,
        kind=kind,
        channel=message.channel,
        source_platform=message.source_platform,
        sender=message.envelope_from,
        recipients=message.envelope_to,
        peer=message.peer,
        **fields,
    )


def document_event(
    message: RawMessage, document: Document, kind: ImportEventKind, **fields: object
) -> ImportEvent:
    """A new import-log line about one document of a message."""
    return message_event(message, kind, document_id=document.id, filename=document.filename, **fields)


@dataclass(frozen=True)
class Arrivals:
    """Which arrivals to show; None leaves a criterion out. Dates are inclusive days in France."""

    received_from: date | None = None
    received_to: date | None = None
    platform: str | None = None
    """The source platform ("email" for mail, else the pushing platform's name), any case."""
    channel: Channel | None = None
    sender: str | None = None
    """Part of the sender (envelope sender, or the pushing platform), any case."""

    def conditions(
        self,
        at: InstrumentedAttribute[datetime],
        platform: InstrumentedAttribute[str],
        channel: InstrumentedAttribute[Channel],
        sender: InstrumentedAttribute[str],
    ) -> list[ColumnElement[bool]]:
        """The WHERE conditions on the given columns of a message or an import-log line."""
        conditions: list[ColumnElement[bool]] = []
        if self.received_from is not None and self.received_from > _FIRST_DAY:
            conditions.append(at >= day_start(self.received_from))
        if self.received_to is not None and self.received_to < _LAST_DAY:
            conditions.append(at < day_start(self.received_to + timedelta(days=1)))
        if self.platform is not None:
            conditions.append(func.lower(platform) == self.platform.strip().lower())
        if self.channel is not None:
            conditions.append(channel == self.channel)
        if self.sender is not None and self.sender.strip():
            conditions.append(func.lower(sender).contains(self.sender.strip().lower(), autoescape=True))
        return conditions


_FIRST_DAY, _LAST_DAY = date.min + timedelta(days=1), date.max - timedelta(days=1)
"""Beyond these bounds a period is open: nothing arrived earlier or later, and their midnights overflow."""


def day_start(day: date) -> datetime:
    """Midnight in France at the start of day."""
    return datetime.combine(day, time(), ZONE)


def newest_first(
    session: Session,
    query: Select[*Ts],
    key: InstrumentedAttribute[int],
    before: int | None,
    limit: int,
) -> tuple[Sequence[Row[*Ts]], bool]:
    """A page of rows by `key` descending, those below `before` if given, and whether more rows follow.

    The next page is asked with `before` = the key of the page's last row: rows added meanwhile get higher
    keys, so later pages neither repeat nor skip a row.
    """
    if before is not None:
        query = query.where(key < before)
    rows = session.execute(query.order_by(key.desc()).limit(limit + 1)).all()
    return rows[:limit], len(rows) > limit


@dataclass(frozen=True)
class ImportLine:
    """One line of the import log: an arrival accepted, refused or a duplicate, a part refused or skipped,
    a document read, failed, booked or retried."""

    id: int
    at: datetime
    kind: ImportEventKind
    channel: Channel
    platform: str
    sender: str
    message_id: int | None
    """The stored message (None for a refused arrival: nothing of it is kept)."""
    document_id: int | None
    reason_code: str | None
    reason: str | None
    """Why, in words: the refusal sent back to the sender, a document's failure, what booking made of it."""
    filename: str | None
    detected_type: str | None
    size: int | None

    @classmethod
    def of(cls, event: ImportEvent) -> ImportLine:
        """The line of an import-log row."""
        return cls(
            id=event.id,
            at=event.at,
            kind=event.kind,
            channel=event.channel,
            platform=event.source_platform,
            sender=event.sender,
            message_id=event.raw_message_id,
            document_id=event.document_id,
            reason_code=event.reason_code,
            reason=event.reason,
            filename=event.filename,
            detected_type=event.detected_type,
            size=event.size,
        )


@dataclass(frozen=True)
class LogPage:
    """Import-log lines, newest first; how many match in all; the `before` cursor of the next page."""

    lines: tuple[ImportLine, ...]
    total: int
    next_cursor: int | None


def log_page(
    session: Session,
    company_id: int,
    arrivals: Arrivals,
    kinds: Collection[ImportEventKind] = (),
    *,
    before: int | None = None,
    limit: int = 50,
) -> LogPage:
    """The company's import-log lines matching arrivals (and one of kinds, if any), newest first."""
    conditions = [
        ImportEvent.company_id == company_id,
        *arrivals.conditions(
            ImportEvent.at, ImportEvent.source_platform, ImportEvent.channel, ImportEvent.sender
        ),
    ]
    if kinds:
        conditions.append(ImportEvent.kind.in_(list(kinds)))
    total = int(session.scalar(select(func.count(ImportEvent.id)).where(*conditions)) or 0)
    rows, more = newest_first(session, select(ImportEvent).where(*conditions), ImportEvent.id, before, limit)
    lines = tuple(ImportLine.of(event) for (event,) in rows)
    return LogPage(lines, total, lines[-1].id if more and lines else None)
