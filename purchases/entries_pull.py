"""The pull of validated entries by accounting software: keyset pages in validation order, opaque cursors.

Entries come in (validated_at, id) order. A cursor names the last entry a page gave, as that pair, so that
the next page starts right after it: entries validated in the meantime are stamped later than any earlier
validation (see purchases.periods) and come on later pages, none is given twice, none is skipped, and
entries validated together (same time) are told apart by their id.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from purchases.errors import InvalidInputError
from purchases.journals import EntryView, entry_view
from store.models import Booking, Document
from store.purchase_models import JournalEntry

MAX_LIMIT = 500
"""The most entries one page gives."""
_VERSION = 1


class BadCursorError(InvalidInputError):
    """A cursor that this API did not give (or that was cut or altered)."""

    def __init__(self, cursor: str, why: str) -> None:
        super().__init__("cursor", cursor[:60], why)


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in the pull: just after the entry validated at `validated_at` with this id."""

    validated_at: datetime
    entry_id: int

    def encode(self) -> str:
        """The opaque text form given to clients (URL-safe base64 of a small JSON object)."""
        payload = {"v": _VERSION, "at": self.validated_at.isoformat(), "id": self.entry_id}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor of a text given by `encode`; BadCursorError saying what is wrong otherwise."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            payload = json.loads(raw)
        except (binascii.Error, ValueError):
            raise BadCursorError(text, "not a cursor given by this API (pass next_cursor as is)") from None
        if not isinstance(payload, dict) or payload.get("v") != _VERSION:
            raise BadCursorError(text, "not a cursor given by this API (pass next_cursor as is)")
        at, entry_id = payload.get("at"), payload.get("id")
        if not isinstance(at, str) or not isinstance(entry_id, int) or isinstance(entry_id, bool):
            raise BadCursorError(text, "the cursor lacks its position (pass next_cursor as is)")
        try:
            validated_at = datetime.fromisoformat(at)
        except ValueError:
            raise BadCursorError(text, "the cursor's time is not a date and time") from None
        if validated_at.tzinfo is None:
            raise BadCursorError(text, "the cursor's time has no time zone")
        return cls(validated_at, entry_id)


@dataclass(frozen=True)
class DocumentRef:
    """A document behind a pulled entry: the one of record, or the printed twin of an e-invoice."""

    id: int
    filename: str | None
    booking: str


@dataclass(frozen=True)
class PulledEntry:
    """A validated entry as the accounting software gets it, with the documents of its purchase."""

    entry: EntryView
    documents: tuple[DocumentRef, ...]


@dataclass(frozen=True)
class Page:
    """One page of the pull; `next_cursor` continues after it, now or later (when more are validated)."""

    entries: tuple[PulledEntry, ...]
    next_cursor: Cursor | None
    has_more: bool


def pull_entries(
    session: Session,
    company_id: int,
    *,
    validated_since: datetime | None = None,
    after: Cursor | None = None,
    limit: int = 100,
) -> Page:
    """Up to limit validated entries of the company, from validated_since (included), after the cursor."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError("limit", str(limit), f"give from 1 to {MAX_LIMIT} entries a page")
    if validated_since is not None and validated_since.tzinfo is None:
        raise InvalidInputError(
            "validated_since", validated_since.isoformat(), "give a time zone (Z or +01:00)"
        )
    query = select(JournalEntry).where(
        JournalEntry.company_id == company_id, JournalEntry.validated_at.is_not(None)
    )
    if validated_since is not None:
        query = query.where(JournalEntry.validated_at >= validated_since)
    if after is not None:
        query = query.where(
            or_(
                JournalEntry.validated_at > after.validated_at,
                and_(JournalEntry.validated_at == after.validated_at, JournalEntry.id > after.entry_id),
            )
        )
    rows = list(session.scalars(query.order_by(JournalEntry.validated_at, JournalEntry.id).limit(limit + 1)))
    page = rows[:limit]
    documents = _documents(session, [entry.purchase_id for entry in page])
    last = page[-1] if page else None
    next_cursor = after
    if last is not None and last.validated_at is not None:
        next_cursor = Cursor(last.validated_at, last.id)
    return Page(
        entries=tuple(
            PulledEntry(entry_view(entry), tuple(documents.get(entry.purchase_id, ()))) for entry in page
        ),
        next_cursor=next_cursor,
        has_more=len(rows) > limit,
    )


def _documents(session: Session, purchase_ids: list[int]) -> dict[int, list[DocumentRef]]:
    """The documents of record and printed twins of each purchase, by purchase id."""
    if not purchase_ids:
        return {}
    query = (
        select(Document)
        .where(Document.purchase_id.in_(purchase_ids))
        .where(Document.booking.in_((Booking.PURCHASE, Booking.TWIN)))
        .order_by(Document.id)
    )
    found: dict[int, list[DocumentRef]] = {}
    for document in session.scalars(query):
        assert document.purchase_id is not None and document.booking is not None
        ref = DocumentRef(document.id, document.filename, document.booking.value)
        found.setdefault(document.purchase_id, []).append(ref)
    return found
