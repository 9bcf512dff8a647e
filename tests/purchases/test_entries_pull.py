"""The entries pull: keyset pages in validation order, cursors, ties, and validations between pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from purchases.entries_pull import BadCursorError, Cursor, pull_entries
from purchases.errors import InvalidInputError
from purchases.journals import Period
from purchases.periods import validate_period
from store.models import Booking, Document
from store.purchase_models import JournalEntry
from tests.purchases.books_db import TODAY, book_fields, invoice

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def book_day(session: Session, company_id: int, day: date, count: int) -> None:
    """Books count ready purchases issued on day."""
    for n in range(count):
        fields = invoice(invoice_number=f"FA-{day:%m%d}-{n}", issue_date=day)
        book_fields(session, company_id, fields, today=TODAY)


def validate_day(session: Session, company_id: int, day: date, at: datetime) -> None:
    validate_period(session, company_id, Period(day, day), at)


def pull_all(
    session: Session, company_id: int, cursor: Cursor | None, limit: int
) -> tuple[list[int], Cursor | None]:
    seen: list[int] = []
    while True:
        page = pull_entries(session, company_id, after=cursor, limit=limit)
        seen += [pulled.entry.id for pulled in page.entries]
        cursor = page.next_cursor
        if not page.has_more:
            return seen, cursor


def test_pages_neither_miss_nor_repeat_an_entry_while_periods_are_validated(
    session: Session, acme: int
) -> None:
    days = [date(2026, 10, d) for d in range(1, 9)]
    for day in days:
        book_day(session, acme, day, 2)
    validate_day(session, acme, days[0], NOW)
    validate_day(session, acme, days[1], NOW)  # same time: told apart by id only
    seen: list[int] = []
    cursor: Cursor | None = None
    later = iter(days[2:])
    clock = NOW
    while True:
        page = pull_entries(session, acme, after=cursor, limit=3)
        seen += [pulled.entry.id for pulled in page.entries]
        cursor = page.next_cursor
        following = next(later, None)
        if following is not None:  # a validation between two pages
            clock += timedelta(minutes=1)
            validate_day(session, acme, following, clock)
        elif not page.has_more:
            break
    order = session.scalars(
        select(JournalEntry.id)
        .where(JournalEntry.validated_at.is_not(None))
        .order_by(JournalEntry.validated_at, JournalEntry.id)
    ).all()
    assert len(order) == 16
    assert seen == list(order)
    assert len(set(seen)) == len(seen)
    book_day(session, acme, date(2026, 10, 20), 1)
    validate_day(session, acme, date(2026, 10, 20), clock)  # stamped after, even at the same clock
    again = pull_entries(session, acme, after=cursor, limit=3)
    assert [pulled.entry.id for pulled in again.entries] == [max(order) + 1]
    assert again.next_cursor is not None and again.next_cursor > (cursor or again.next_cursor)


def test_a_cursor_splits_entries_validated_together(session: Session, acme: int) -> None:
    book_day(session, acme, date(2026, 10, 1), 5)
    validate_day(session, acme, date(2026, 10, 1), NOW)
    first = pull_entries(session, acme, limit=2)
    assert first.has_more and first.next_cursor is not None
    assert {pulled.entry.validated_at for pulled in first.entries} == {NOW}
    text = first.next_cursor.encode()
    rest, _ = pull_all(session, acme, Cursor.decode(text), 2)
    ids = [pulled.entry.id for pulled in first.entries] + rest
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_a_pulled_entry_has_its_lines_number_and_documents(session: Session, acme: int) -> None:
    book_day(session, acme, date(2026, 10, 1), 1)
    validate_day(session, acme, date(2026, 10, 1), NOW)
    book_day(session, acme, date(2026, 10, 2), 1)  # not validated: not pulled
    page = pull_entries(session, acme)
    [pulled] = page.entries
    assert not page.has_more
    entry = pulled.entry
    assert (entry.number, entry.piece_ref, entry.validated_at) == ("HA000001", "FA-1001-0", NOW)
    assert entry.total_debit == entry.total_credit > 0 and len(entry.lines) == 3
    document = session.scalars(select(Document).where(Document.purchase_id == entry.purchase_id)).one()
    assert document.booking == Booking.PURCHASE
    assert [(d.id, d.filename, d.booking) for d in pulled.documents] == [
        (document.id, document.filename, "purchase")
    ]


def test_validated_since_keeps_later_validations_only(session: Session, acme: int) -> None:
    for n, day in enumerate((date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3))):
        book_day(session, acme, day, 1)
        validate_day(session, acme, day, NOW + timedelta(hours=n))
    since = pull_entries(session, acme, validated_since=NOW + timedelta(hours=1))
    assert [p.entry.piece_ref for p in since.entries] == ["FA-1002-0", "FA-1003-0"]
    paris = datetime.fromisoformat("2026-11-22T13:00:00+02:00")  # 11:00 UTC
    assert [p.entry.piece_ref for p in pull_entries(session, acme, validated_since=paris).entries] == [
        "FA-1002-0",
        "FA-1003-0",
    ]
    with pytest.raises(InvalidInputError, match="give a time zone"):
        pull_entries(session, acme, validated_since=datetime(2026, 11, 22, 10, 0))


def test_an_empty_pull_keeps_the_cursor_it_was_given(session: Session, acme: int) -> None:
    empty = pull_entries(session, acme)
    assert (empty.entries, empty.next_cursor, empty.has_more) == ((), None, False)
    cursor = Cursor(NOW, 42)
    assert pull_entries(session, acme, after=cursor).next_cursor == cursor


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not a cursor!", "not a cursor given by this API"),
        ("eyJ2IjoyfQ", "not a cursor given by this API"),  # {"v":2}
        ("eyJ2IjoxfQ", "lacks its position"),  # {"v":1}
        ("eyJ2IjoxLCJhdCI6InllcyIsImlkIjoxfQ", "not a date and time"),  # at "yes"
        ("eyJ2IjoxLCJhdCI6IjIwMjYtMTEtMjJUMTA6MDA6MDAiLCJpZCI6MX0", "no time zone"),
    ],
)
def test_a_bad_cursor_is_refused_with_its_reason(text: str, why: str) -> None:
    with pytest.raises(BadCursorError, match=why):
        Cursor.decode(text)


def test_a_cursor_reads_back_as_given() -> None:
    cursor = Cursor(datetime(2026, 11, 22, 10, 0, 0, 123456, tzinfo=UTC), 7)
    assert Cursor.decode(cursor.encode()) == cursor
    assert "=" not in cursor.encode()


def test_the_page_size_is_bounded(session: Session, acme: int) -> None:
    with pytest.raises(InvalidInputError, match="from 1 to 500"):
        pull_entries(session, acme, limit=0)
