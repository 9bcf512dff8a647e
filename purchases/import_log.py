"""Reading the import log: what arrived, for which company, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from purchases.errors import NotFoundError
from store.models import Company, Document, ImportEvent, ImportEventKind, RawMessage


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


def last_imports(session: Session, company_slug: str | None = None) -> list[LastImport]:
    """The last accepted import per company and source platform (email, Welyb, a pushing platform...)."""
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
