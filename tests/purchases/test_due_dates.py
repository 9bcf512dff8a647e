"""Due dates: pushed > printed > supplier terms > legal default, end of month both ways, L441-10 ceiling."""

from __future__ import annotations

from datetime import date

import pytest

from purchases.due_dates import (
    NO_ISSUE_DATE,
    DueDate,
    DueDateSource,
    PaymentTerms,
    TermsConvention,
    apply_terms,
    due_date,
    end_of_month,
    legal_ceiling,
)
from purchases.errors import InvalidInputError

ISSUE = date(2026, 1, 15)
DAYS_THEN_EOM = TermsConvention.DAYS_THEN_END_OF_MONTH
EOM_THEN_DAYS = TermsConvention.END_OF_MONTH_THEN_DAYS


def test_pushed_wins_over_printed_and_terms() -> None:
    got = due_date(
        issue_date=ISSUE, printed=date(2026, 2, 1), pushed=date(2026, 2, 10), terms=PaymentTerms(30)
    )
    assert got == DueDate(date(2026, 2, 10), DueDateSource.PUSHED)
    assert not got.derived


def test_printed_wins_over_terms() -> None:
    got = due_date(issue_date=ISSUE, printed=date(2026, 2, 1), terms=PaymentTerms(45, end_of_month=True))
    assert got == DueDate(date(2026, 2, 1), DueDateSource.PRINTED)
    assert not got.derived


def test_supplier_terms_from_issue_date() -> None:
    got = due_date(issue_date=ISSUE, terms=PaymentTerms(45))
    assert got == DueDate(date(2026, 3, 1), DueDateSource.SUPPLIER_TERMS)
    assert got.derived


def test_legal_default_is_issue_plus_30_days() -> None:
    got = due_date(issue_date=ISSUE)
    assert got == DueDate(date(2026, 2, 14), DueDateSource.LEGAL_DEFAULT)
    assert got.derived


def test_no_issue_date_and_nothing_given() -> None:
    got = due_date(issue_date=None, terms=PaymentTerms(30))
    assert got == DueDate(None, DueDateSource.LEGAL_DEFAULT, (NO_ISSUE_DATE,))
    assert got.warnings == ("no issue date: the due date cannot be derived",)


def test_no_issue_date_but_printed() -> None:
    assert due_date(issue_date=None, printed=date(2026, 9, 30)) == DueDate(
        date(2026, 9, 30), DueDateSource.PRINTED
    )


def test_derived_sources() -> None:
    assert {source for source in DueDateSource if source.derived} == {
        DueDateSource.SUPPLIER_TERMS,
        DueDateSource.LEGAL_DEFAULT,
    }


@pytest.mark.parametrize(
    ("issue", "convention", "expected"),
    [
        (date(2026, 1, 15), DAYS_THEN_EOM, date(2026, 2, 28)),  # 14 Feb, then end of February
        (date(2026, 1, 15), EOM_THEN_DAYS, date(2026, 3, 2)),  # 31 Jan + 30 days
        (date(2028, 1, 15), DAYS_THEN_EOM, date(2028, 2, 29)),  # leap year
        (date(2028, 1, 15), EOM_THEN_DAYS, date(2028, 3, 1)),  # 31 Jan + 30 days, February of 29 days
        (date(2026, 11, 20), DAYS_THEN_EOM, date(2026, 12, 31)),
        (date(2026, 11, 20), EOM_THEN_DAYS, date(2026, 12, 30)),
    ],
)
def test_30_days_end_of_month(issue: date, convention: TermsConvention, expected: date) -> None:
    got = due_date(issue_date=issue, terms=PaymentTerms(30, end_of_month=True), convention=convention)
    assert got == DueDate(expected, DueDateSource.SUPPLIER_TERMS)


def test_default_convention_is_days_then_end_of_month() -> None:
    assert apply_terms(ISSUE, PaymentTerms(30, end_of_month=True)) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2028, 2, 10), date(2028, 2, 29)),
        (date(2026, 2, 10), date(2026, 2, 28)),
        (date(2100, 2, 1), date(2100, 2, 28)),  # century, not a leap year
        (date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400: leap year
        (date(2026, 12, 31), date(2026, 12, 31)),
        (date(2026, 4, 1), date(2026, 4, 30)),
    ],
)
def test_end_of_month(day: date, expected: date) -> None:
    assert end_of_month(day) == expected


def test_zero_days_end_of_month_in_leap_february() -> None:
    got = due_date(issue_date=date(2028, 2, 3), terms=PaymentTerms(0, end_of_month=True))
    assert got.date == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("issue", "convention", "ceiling"),
    [
        (date(2026, 1, 15), DAYS_THEN_EOM, date(2026, 3, 31)),  # 45 days EOM beats 16 March
        (date(2026, 1, 15), EOM_THEN_DAYS, date(2026, 3, 17)),  # 31 Jan + 45 beats 16 March
        (date(2026, 1, 31), DAYS_THEN_EOM, date(2026, 4, 1)),  # 60 days beats 31 March
        (date(2026, 3, 31), EOM_THEN_DAYS, date(2026, 5, 30)),  # 60 days: 30 May; EOM + 45: 15 May
    ],
)
def test_legal_ceiling(issue: date, convention: TermsConvention, ceiling: date) -> None:
    assert legal_ceiling(issue, convention) == ceiling


def test_90_days_end_of_month_is_past_the_ceiling() -> None:
    got = due_date(issue_date=ISSUE, terms=PaymentTerms(90, end_of_month=True))
    assert got.date == date(2026, 4, 30)
    assert got.source is DueDateSource.SUPPLIER_TERMS
    assert got.warnings == (
        "due date 2026-04-30 is past the legal ceiling 2026-03-31 "
        "(60 days from issue, or 45 days end of month)",
    )


def test_90_days_end_of_month_then_days_is_past_the_ceiling() -> None:
    got = due_date(issue_date=ISSUE, terms=PaymentTerms(90, end_of_month=True), convention=EOM_THEN_DAYS)
    assert got.date == date(2026, 5, 1)
    assert got.warnings == (
        "due date 2026-05-01 is past the legal ceiling 2026-03-17 "
        "(60 days from issue, or 45 days end of month)",
    )


def test_ceiling_itself_is_lawful() -> None:
    assert due_date(issue_date=ISSUE, printed=date(2026, 3, 31)).warnings == ()
    assert due_date(issue_date=ISSUE, terms=PaymentTerms(60)).warnings == ()
    assert due_date(issue_date=ISSUE, terms=PaymentTerms(45, end_of_month=True)).warnings == ()


def test_printed_and_pushed_dates_are_checked_too() -> None:
    printed = due_date(issue_date=ISSUE, printed=date(2026, 4, 1))
    assert printed.date == date(2026, 4, 1)
    assert printed.warnings == (
        "due date 2026-04-01 is past the legal ceiling 2026-03-31 "
        "(60 days from issue, or 45 days end of month)",
    )
    pushed = due_date(issue_date=ISSUE, pushed=date(2026, 6, 1))
    assert pushed.source is DueDateSource.PUSHED
    assert len(pushed.warnings) == 1
    assert "past the legal ceiling 2026-03-31" in pushed.warnings[0]


def test_due_before_issue_is_warned() -> None:
    got = due_date(issue_date=ISSUE, printed=date(2026, 1, 10))
    assert got == DueDate(
        date(2026, 1, 10),
        DueDateSource.PRINTED,
        ("due date 2026-01-10 is before the issue date 2026-01-15",),
    )


def test_due_on_issue_day_is_fine() -> None:
    assert due_date(issue_date=ISSUE, terms=PaymentTerms(0)) == DueDate(ISSUE, DueDateSource.SUPPLIER_TERMS)


@pytest.mark.parametrize("days", [-1, 366])
def test_payment_terms_out_of_range(days: int) -> None:
    with pytest.raises(InvalidInputError) as raised:
        PaymentTerms(days)
    assert raised.value.field == "payment terms"
    assert raised.value.value == str(days)


@pytest.mark.parametrize("days", [0, 365])
def test_payment_terms_bounds(days: int) -> None:
    assert PaymentTerms(days).days == days
