"""French and English amounts, rates and currencies as printed on invoices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parsers.fields.amounts import (
    find_amounts,
    find_rates,
    main_currency,
    parse_amount,
    parse_rate,
    to_decimal,
)

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234,56", "1234.56"),
        (f"1{NNBSP}234,56{NBSP}€", "1234.56"),
        (f"12{NBSP}345,67 €", "12345.67"),
        ("1.234,56 €", "1234.56"),
        ("€1,234.56", "1234.56"),
        ("€ 4.053,67", "4053.67"),
        ("1234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("0,00 €", "0.00"),
        ("-1 234,56", "-1234.56"),
        ("- 5,00 €", "-5.00"),
        ("\u22125,00", "-5.00"),
        ("(1 234,56)", "-1234.56"),
        ("(1.234,56 €)", "-1234.56"),
        ("200 €", "200.00"),
        ("Rs 1939", "1939.00"),
        ("90,00 EUR", "90.00"),
        ("EUR 1 500,00", "1500.00"),
        ("£1,500.00", "1500.00"),
        ("1'234.50 CHF", "1234.50"),
        ("1 2O0,00 €", "1200.00"),
    ],
)
def test_parse_amount_reads_french_and_english_formats(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize(
    "text", ["", "abc", "20 %", "5,5 %", "12/01/2026", "1234", "1,0000", "FR7630004010", "3.14159"]
)
def test_parse_amount_refuses_what_is_not_an_amount(text: str) -> None:
    assert parse_amount(text) is None


def test_to_decimal_takes_the_last_separator_before_two_digits_as_decimal() -> None:
    assert to_decimal("1.234.567,89") == Decimal("1234567.89")
    assert to_decimal("1,234,567.89") == Decimal("1234567.89")
    assert to_decimal("1 234") == Decimal("1234")


def test_find_amounts_gives_each_amount_of_a_line_with_its_columns() -> None:
    line = "          3 520,00 € 20 %     704,00 €          Total TVA              704,00 €"
    amounts = find_amounts(line)
    assert [amount.value for amount in amounts] == [Decimal("3520.00"), Decimal("704.00"), Decimal("704.00")]
    assert line[amounts[0].start : amounts[0].end] == "3 520,00 €"
    assert all(amount.currency == "EUR" for amount in amounts)


def test_find_amounts_skips_dates_rates_identifiers_and_bare_integers() -> None:
    line = "Le 28/09/2023, TVA 20 %, SIREN 842 319 576, 12 articles, IBAN FR76 3000 4010"
    assert find_amounts(line) == ()


def test_two_spaces_separate_columns_but_one_space_groups_thousands() -> None:
    values = [amount.value for amount in find_amounts("Total  1  278.61   40.39  319.00")]
    assert values == [Decimal("278.61"), Decimal("40.39"), Decimal("319.00")]


def test_find_rates_reads_percent_signs_and_short_bare_rates() -> None:
    rates = find_rates("TVA 5,5 %  20%  10,00 %  taux 19,0  ligne 7  montant 16,38")
    assert [(rate.value, rate.percent) for rate in rates] == [
        (Decimal("5.5"), True),
        (Decimal("20"), True),
        (Decimal("10.00"), True),
        (Decimal("19.0"), False),
        (Decimal("7"), False),
    ]
    assert parse_rate("5,5 %") == Decimal("5.5")
    assert parse_rate("20") is None


@pytest.mark.parametrize(
    ("lines", "currency"),
    [
        (["Total TTC 1 200,00 €"], "EUR"),
        (["Total £1,500.00", "VAT £0.00"], "GBP"),
        (["Grand Total Rs 1939"], "INR"),
        (["Devise : USD", "Total 120.00"], "USD"),
        (["Total 100,00"], None),
        (["100,00 €", "100.00 USD"], "EUR"),
    ],
)
def test_main_currency_is_the_one_printed_most(lines: list[str], currency: str | None) -> None:
    assert main_currency(lines) == currency
