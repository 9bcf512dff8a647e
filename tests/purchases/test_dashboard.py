"""Dashboards on a database: every figure equals the sum a test computes from the purchases it booked."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from purchases.dashboard import Breakdown, Month, Totals, dashboard
from purchases.errors import InvalidInputError
from purchases.import_activity import Activity
from store.db import make_engine, make_sessionmaker, migrate
from store.models import Company
from tests.purchases.books_db import TODAY, add_acme
from tests.purchases.dashboard_books import (
    ACTIVITY,
    Expected,
    arrivals,
    arrive,
    book_all,
    expected_activity,
    expected_by,
    expected_cash,
    expected_totals,
    in_month,
    month_of,
    scenario,
)

MONTH = date(2026, 11, 1)


def same(totals: Totals, expected: Expected) -> None:
    assert (
        totals.purchases,
        totals.credit_notes,
        totals.foreign_currency,
        totals.excl_tax,
        totals.vat,
        totals.incl_tax,
    ) == (
        expected.purchases,
        expected.credit_notes,
        expected.foreign_currency,
        expected.excl_tax,
        expected.vat,
        expected.incl_tax,
    )


def test_the_month_against_the_same_month_last_year(session: Session, acme: int) -> None:
    made = scenario(MONTH, TODAY)
    book_all(session, acme, made)
    board = dashboard(session, acme, Month(2026, 11), TODAY)
    now, then = expected_totals(made, MONTH), expected_totals(made, month_of(MONTH, -12))
    same(board.totals.current, now)
    same(board.totals.previous, then)
    assert board.totals.change.excl_tax == now.excl_tax - then.excl_tax
    assert board.totals.change.purchases == now.purchases - then.purchases
    # hand-checked: 1000 + 250.40 + 300 + 45.50 + 500 + 80 - 100 (credit note); the USD invoice is left out
    assert board.totals.current.excl_tax == Decimal("2075.90")
    assert board.totals.current.vat == Decimal("415.18")
    assert (board.totals.current.purchases, board.totals.current.credit_notes) == (8, 1)
    assert board.totals.current.foreign_currency == 1
    assert board.totals.previous.excl_tax == Decimal("1290.00")
    assert board.totals.growth == ((Decimal("2075.90") - 1290) * 100 / 1290).quantize(Decimal("0.1"))


def test_twelve_months_each_against_the_year_before(session: Session, acme: int) -> None:
    made = scenario(MONTH, TODAY)
    book_all(session, acme, made)
    series = dashboard(session, acme, Month(2026, 11), TODAY).series
    assert [str(point.month) for point in series] == [
        f"{m:%Y-%m}" for m in (month_of(MONTH, -k) for k in range(11, -1, -1))
    ]
    for point in series:
        first = point.month.first_day
        same(point.figures.current, expected_totals(made, first))
        same(point.figures.previous, expected_totals(made, month_of(first, -12)))
    assert sum(p.figures.current.purchases for p in series) == 9  # 8 this month, 1 six months ago


def _lines(breakdown: Breakdown) -> dict[str | None, tuple[Decimal, Decimal, int]]:
    return {
        line.label: (
            line.figures.current.excl_tax,
            line.figures.previous.excl_tax,
            line.figures.current.purchases,
        )
        for line in breakdown.lines
    }


def test_by_supplier_and_by_account_against_last_year(session: Session, acme: int) -> None:
    made = scenario(MONTH, TODAY)
    book_all(session, acme, made)
    board = dashboard(session, acme, Month(2026, 11), TODAY)
    last_year = month_of(MONTH, -12)
    for breakdown, key in ((board.by_supplier, "supplier"), (board.by_account, "account")):
        now, then = expected_by(made, MONTH, key), expected_by(made, last_year, key)
        assert breakdown.others_count == 0
        assert breakdown.others.current == breakdown.others.previous == Totals()
        labels = {str(line.key if key == "account" else line.label): line for line in breakdown.lines}
        assert set(labels) == set(now) | set(then)
        for name, line in labels.items():
            same(line.figures.current, now.get(name, Expected()))
            same(line.figures.previous, then.get(name, Expected()))
    excl = [line.figures.current.excl_tax for line in board.by_supplier.lines]
    assert excl == sorted(excl, reverse=True)
    assert board.by_account.lines[0].key == "604000"
    assert board.by_account.lines[0].label == "Achats d'études et prestations de services"
    bati = next(line for line in board.by_supplier.lines if line.label == "Bâti-Sud SAS")
    assert bati.figures.current.excl_tax == Decimal("1150.40")  # 1000 + 250.40 - 100 (credit note)
    assert bati.figures.current.credit_notes == 1
    assert bati.key is not None and bati.key.isdigit()


def test_the_top_suppliers_then_the_others_added_up(session: Session, acme: int) -> None:
    made = scenario(MONTH, TODAY)
    book_all(session, acme, made)
    board = dashboard(session, acme, Month(2026, 11), TODAY, top=2)
    last = month_of(MONTH, -12)
    now, then = expected_by(made, MONTH, "supplier"), expected_by(made, last, "supplier")
    shown = [line.label for line in board.by_supplier.lines]
    assert shown == ["Bâti-Sud SAS", "Transports Roux"]  # 1150.40 and 580.00 excl. tax this month
    rest = (set(now) | set(then)) - set(shown)
    assert board.by_supplier.others_count == len(rest) == 3  # Papeterie Martin, Global Parts, Imprimerie Nord
    for others, month in (
        (board.by_supplier.others.current, MONTH),
        (board.by_supplier.others.previous, last),
    ):
        expected = Expected()
        for item in in_month(made, month):
            if item.supplier in rest:
                expected.add(item)
        same(others, expected)
    total = board.by_supplier.others.current + sum(
        (line.figures.current for line in board.by_supplier.lines), Totals()
    )
    assert total == board.totals.current


def test_cash_out_by_week_overdue_later_and_undated(session: Session, acme: int) -> None:
    made = scenario(MONTH, TODAY)
    book_all(session, acme, made)
    cash = dashboard(session, acme, Month(2026, 11), TODAY).cash_out
    expected = expected_cash(made, TODAY)
    # TODAY is Sunday 22 November 2026: its ISO week 47 is the first, and 2026 has a week 53
    assert [week.label for week in cash.weeks] == [
        "2026-W47",
        "2026-W48",
        "2026-W49",
        "2026-W50",
        "2026-W51",
        "2026-W52",
        "2026-W53",
        "2027-W01",
    ]
    assert (cash.weeks[0].start, cash.weeks[0].end) == (date(2026, 11, 16), TODAY)
    buckets = {"overdue": cash.overdue, "later": cash.later, "undated": cash.undated}
    buckets |= {f"week{number}": week.due for number, week in enumerate(cash.weeks)}
    for name, bucket in buckets.items():
        want = expected.get(name)
        assert (bucket.payments, bucket.amount) == ((want.payments, want.amount) if want else (0, 0)), name
    assert (cash.overdue.payments, cash.overdue.amount) == (1, Decimal("54.60"))
    # hand-checked: due today, in 3, 10, 17 days, the credit note in 24, the USD invoice in 31 (counted, not
    # summed), next month's invoice in 45 days; 70 days is later, the invoice without a date has no due date
    amounts = ["360.00", "1200.00", "300.48", "600.00", "-120.00", "0.00", "0.00", "1198.80"]
    assert [week.due.amount for week in cash.weeks] == [Decimal(a) for a in amounts]
    assert [week.due.payments for week in cash.weeks] == [1, 1, 1, 1, 1, 1, 0, 1]
    assert (cash.later.payments, cash.later.amount) == (1, Decimal("144.00"))
    assert (cash.undated.payments, cash.undated.amount) == (1, Decimal("72.00"))
    assert cash.foreign_currency == 1
    assert cash.as_of == TODAY


def test_import_activity_by_platform_and_error_rate(session: Session, acme: int) -> None:
    made = scenario(MONTH, TODAY)
    booked = book_all(session, acme, made)
    arrived = arrivals(MONTH)
    arrive(session, acme, arrived, copy_of=booked[0].sha256)
    board = dashboard(session, acme, Month(2026, 11), TODAY)
    expected = expected_activity(made, arrived, MONTH)
    assert {a.platform for a in board.imports} == set(expected) == {"email", "Welyb"}
    for activity in board.imports:
        want = expected[activity.platform]
        assert {name: getattr(activity, name) for name in ACTIVITY} == {
            name: want.counts[name] for name in ACTIVITY
        }
        assert activity.error_rate == want.error_rate
    welyb = next(a for a in board.imports if a.platform == "Welyb")
    # hand-checked: the purchase without a date, 3 failed (one at 00:30 Paris time on the 1st), 1 read, 1 copy
    counts = (welyb.documents, welyb.purchases, welyb.failed, welyb.in_progress, welyb.duplicates)
    assert counts == (6, 1, 3, 1, 1)
    assert (welyb.repeated_messages, welyb.messages, welyb.error_rate) == (1, 6, 0.5)
    total = board.imports_total
    assert total.documents == sum(a.documents for a in board.imports)
    assert total.error_rate == round(
        (total.failed + total.failed_messages) / (total.documents + total.failed_messages), 4
    )


def test_another_company_and_other_months_count_for_nothing(session: Session, acme: int) -> None:
    other = add_acme(session, "Other SARL", "35600000000048", "other")
    book_all(session, other, scenario(MONTH, TODAY))
    board = dashboard(session, acme, Month(2026, 11), TODAY)
    assert board.totals.current == board.totals.previous == Totals()
    assert board.by_supplier.lines == board.by_account.lines == ()
    assert board.imports == ()
    assert board.cash_out.overdue.payments == sum(w.due.payments for w in board.cash_out.weeks) == 0
    assert board.imports_total == Activity("")
    assert session.get(Company, other) is not None


def test_the_figures_take_a_fixed_number_of_queries(session: Session, acme: int) -> None:
    book_all(session, acme, scenario(MONTH, TODAY))
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        dashboard(session, acme, Month(2026, 11), TODAY)
        small = len(statements)
        book_all(session, acme, scenario(month_of(MONTH, 1), TODAY + timedelta(days=30)))
        statements.clear()
        dashboard(session, acme, Month(2026, 11), TODAY)
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert len(statements) == small == 7  # series, by account, by supplier, cash-out, three for imports


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-11", "2026/11", "november", "2026-1", ""])
def test_a_month_is_written_yyyy_mm(text: str) -> None:
    with pytest.raises(InvalidInputError, match="give a month as YYYY-MM"):
        Month.parse(text)


def test_months_move_across_years() -> None:
    assert Month.parse("2026-11").shifted(2) == Month(2027, 1)
    assert Month(2026, 1).shifted(-1) == Month(2025, 12)
    assert Month(2026, 3).shifted(-14) == Month(2025, 1)
    assert (Month(2026, 12).first_day, Month(2026, 12).end) == (date(2026, 12, 1), date(2027, 1, 1))
    assert str(Month.of(TODAY)) == "2026-11"


def test_postgresql_gives_the_same_dashboard(session: Session, acme: int, pg_url: str) -> None:
    engine = make_engine(pg_url)
    migrate(engine)
    try:
        with make_sessionmaker(engine)() as pg_session:
            pg_acme = add_acme(pg_session)
            for opened, company in ((session, acme), (pg_session, pg_acme)):
                booked = book_all(opened, company, scenario(MONTH, TODAY))
                arrive(opened, company, arrivals(MONTH), copy_of=booked[0].sha256)
            on_postgres = dashboard(pg_session, pg_acme, Month(2026, 11), TODAY, top=2)
            assert pg_session.get_bind().dialect.name == "postgresql"
    finally:
        engine.dispose()
    on_sqlite = dashboard(session, acme, Month(2026, 11), TODAY, top=2)
    assert on_postgres.totals.current.excl_tax == Decimal("2075.90")
    assert on_postgres == replace(on_sqlite, company_id=pg_acme)
    assert [line.label for line in on_postgres.by_supplier.lines] == ["Bâti-Sud SAS", "Transports Roux"]
