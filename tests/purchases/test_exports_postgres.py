"""Validation, export and pull on a real PostgreSQL: two validations of one company at once, a checked FEC."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from purchases.entries_pull import Cursor, pull_entries
from purchases.export_history import ExportRequest, export_content, record_export
from purchases.fec import check_fec
from purchases.journals import Period, journals_in_progress, preview
from purchases.periods import Validation, validate_period
from store.db import make_engine, make_sessionmaker, migrate
from store.export_models import ExportFormat
from store.purchase_models import JournalEntry
from tests.postgres_server import wait_for_a_lock_waiter
from tests.purchases.books_db import TODAY, add_acme, book_fields, invoice

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    """A migrated engine on a fresh PostgreSQL database."""
    made = make_engine(pg_url)
    migrate(made)
    yield made
    made.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def acme(sessions: sessionmaker[Session]) -> int:
    """ACME with three purchases in October and three in November, committed."""
    with sessions.begin() as session:
        company_id = add_acme(session)
        for month in (10, 11):
            for day in (3, 4, 5):
                fields = invoice(invoice_number=f"FA-{month}-{day}", issue_date=date(2026, month, day))
                book_fields(session, company_id, fields, today=TODAY)
    return company_id


def test_two_validations_of_one_company_run_one_after_the_other(
    engine: Engine, sessions: sessionmaker[Session], acme: int
) -> None:
    started = threading.Event()

    def first() -> Validation:
        """Validates October with a clock ahead, and commits once the second validation waits for it."""
        with sessions.begin() as session:
            validation = validate_period(session, acme, OCTOBER, NOW + timedelta(hours=1))
            started.set()
            wait_for_a_lock_waiter(engine, "the second validation")
        return validation

    def second() -> Validation:
        assert started.wait(10)
        with sessions.begin() as session:
            return validate_period(session, acme, NOVEMBER, NOW)

    with ThreadPoolExecutor(2) as pool:
        first_run, second_run = pool.submit(first), pool.submit(second)
        october, november = first_run.result(30), second_run.result(30)
    assert (october.purchases_locked, november.purchases_locked) == (3, 3)
    assert [(n.first, n.last) for n in october.journals] == [("HA000001", "HA000003")]
    assert [(n.first, n.last) for n in november.journals] == [("HA000004", "HA000006")]
    assert october.validated_at is not None and november.validated_at is not None
    assert november.validated_at > october.validated_at  # despite its clock an hour behind
    with sessions() as session:
        page = pull_entries(session, acme, limit=4)
        rest = pull_entries(session, acme, after=page.next_cursor, limit=4)
        pulled = [p.entry.number for p in page.entries + rest.entries]
        assert pulled == [f"HA00000{n}" for n in range(1, 7)]
        assert not rest.has_more


def test_a_fec_exported_from_postgresql_passes_the_checks(sessions: sessionmaker[Session], acme: int) -> None:
    with sessions.begin() as session:
        validate_period(session, acme, OCTOBER, NOW)
        [journal] = journals_in_progress(session, acme, Period(OCTOBER.start, NOVEMBER.end)).journals
        assert (journal.code, journal.validated, journal.not_validated) == ("HA", 3, 3)
        assert preview(session, acme, NOVEMBER).total_debit == 3600
        validate_period(session, acme, NOVEMBER, NOW + timedelta(seconds=1))
        record = record_export(
            session, acme, ExportRequest(Period(OCTOBER.start, NOVEMBER.end), ExportFormat.FEC), "Paul", NOW
        )
    with sessions() as session:
        again, data = export_content(session, acme, record.id)
        stamps = session.scalars(select(JournalEntry.validated_at).order_by(JournalEntry.id)).all()
    assert again == record
    assert check_fec(data, record.filename) == []
    assert (record.entry_count, record.line_count) == (6, 18)
    cursor = Cursor(stamps[0] or NOW, 1)
    with sessions() as session:
        after = pull_entries(session, acme, after=Cursor.decode(cursor.encode()))
    assert [p.entry.number for p in after.entries] == [
        "HA000002",
        "HA000003",
        "HA000004",
        "HA000005",
        "HA000006",
    ]
