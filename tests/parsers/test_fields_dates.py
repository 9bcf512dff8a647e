"""Dates: day first always, in words in French and English, month first only when the document proves it."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.fields.dates import DateOrder, date_order, find_dates, make_date, parse_date


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12/01/2026", "2026-01-12"),
        ("Date de facture : 12/01/2026", "2026-01-12"),
        ("05.03.2018", "2018-03-05"),
        ("20-10-2015", "2015-10-20"),
        ("3/2/2026", "2026-02-03"),
        ("12/01/26", "2026-01-12"),
        ("2026-01-31", "2026-01-31"),
        ("12 janvier 2026", "2026-01-12"),
        ("1er février 2026", "2026-02-01"),
        ("1er fevrier 2026", "2026-02-01"),
        ("15 août 2025", "2025-08-15"),
        ("15 aout 2025", "2025-08-15"),
        ("3 déc. 2025", "2025-12-03"),
        ("3 decembre 2025", "2025-12-03"),
        ("7 janv. 2026", "2026-01-07"),
        ("7 févr. 2026", "2026-02-07"),
        ("9 avr. 2026", "2026-04-09"),
        ("14 juil. 2026", "2026-07-14"),
        ("30 sept. 2026", "2026-09-30"),
        ("2 nov. 2026", "2026-11-02"),
        ("Paris, le 30 JANVIER 2026", "2026-01-30"),
        ("12 de marzo 2026", None),
        ("12 January 2026", "2026-01-12"),
        ("January 12, 2026", "2026-01-12"),
        ("Jan. 12th, 2026", "2026-01-12"),
        ("12th Jan 2026", "2026-01-12"),
        ("29 maart 2014", "2014-03-29"),
        ("5. März 2018", "2018-03-05"),
        ("12/O2/2024", "2024-02-12"),
        ("ler mars 2026", "2026-03-01"),
    ],
)
def test_parse_date_reads_day_first_and_long_forms(text: str, value: str | None) -> None:
    expected = None if value is None else dt.date.fromisoformat(value)
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["13/25/2026", "31/02/2026", "00/01/2026", "12/13/2026", "32 janvier 2026"])
def test_impossible_dates_are_refused_not_turned_month_first(text: str) -> None:
    assert parse_date(text) is None


def test_twelfth_of_january_is_never_read_as_first_of_december() -> None:
    assert parse_date("12/01/2026") == dt.date(2026, 1, 12)
    assert parse_date("01/12/2026") == dt.date(2026, 12, 1)


def test_years_out_of_range_are_refused() -> None:
    assert make_date(1850, 1, 1) is None
    assert parse_date("12/01/1850") is None


def test_find_dates_lists_every_date_with_its_columns() -> None:
    line = "Chambre du 27/09/2023 au 28/09/2023, facture du 1er octobre 2023"
    found = find_dates(line)
    assert [match.value for match in found] == [
        dt.date(2023, 9, 27),
        dt.date(2023, 9, 28),
        dt.date(2023, 10, 1),
    ]
    assert line[found[2].start : found[2].end] == "1er octobre 2023"


def test_find_dates_ignores_law_references_and_amounts() -> None:
    assert find_dates("loi n°92/1442, montant 12,01 €, réf. 2026/0007") == ()


def test_document_order_is_month_first_only_with_proof_and_no_counter_proof() -> None:
    assert date_order(["11/03/2017", "paid 11/17/2017"]) is DateOrder.MONTH_FIRST
    assert date_order(["11/03/2017", "13/11/2017", "11/17/2017"]) is DateOrder.DAY_FIRST
    assert date_order(["11/03/2017", "12/03/2017"]) is DateOrder.DAY_FIRST
    assert date_order([]) is DateOrder.DAY_FIRST


def test_month_first_order_reads_numeric_dates_that_way() -> None:
    assert parse_date("11/03/2017", DateOrder.MONTH_FIRST) == dt.date(2017, 11, 3)
    assert parse_date("11/17/2017", DateOrder.MONTH_FIRST) == dt.date(2017, 11, 17)
    assert parse_date("2017-11-03", DateOrder.MONTH_FIRST) == dt.date(2017, 11, 3)
    assert parse_date("17/11/2017", DateOrder.MONTH_FIRST) is None
