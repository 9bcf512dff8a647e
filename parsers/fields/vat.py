"""VAT breakdown rows recognised by the check VAT = base * rate / 100, and which rates are usual in France."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from parsers.fields.amounts import Amount, Rate, find_amounts, find_rates
from parsers.fields.layout import Layout
from parsers.invoice import CENT, VatLine

FRENCH_RATES = frozenset(
    Decimal(rate) for rate in ("20", "10", "5.5", "2.1", "8.5", "1.05", "13", "0.9", "0")
)
"""Mainland, overseas (Guadeloupe, Martinique, Réunion) and Corsican rates."""
_BARE_RATES = FRENCH_RATES | frozenset(Decimal(rate) for rate in ("19", "7", "21", "9", "6", "12", "22", "4"))
"""Rates accepted without a percent sign in a row that passes the check (French and common EU ones)."""
_TOLERANCE = Decimal("0.01")


def vat_matches(base: Decimal, rate: Decimal, amount: Decimal) -> bool:
    """Whether a VAT amount is base * rate / 100 rounded to the cent, within one cent."""
    expected = (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return abs(expected - amount) <= _TOLERANCE


def _rates(text: str, amounts: tuple[Amount, ...]) -> list[Rate]:
    """The rates of a line that are not part of an amount; bare numbers only if they are usual rates."""
    return [
        rate
        for rate in find_rates(text)
        if (rate.percent or rate.value in _BARE_RATES)
        and all(rate.end <= amount.start or rate.start >= amount.end for amount in amounts)
    ]


def _pair(rate: Rate, amounts: tuple[Amount, ...]) -> VatLine | None:
    """The first (base, VAT) pair of amounts, base first, that the rate explains."""
    for index, base in enumerate(amounts):
        if base.value <= 0:
            continue
        for amount in amounts[index + 1 :]:
            zero_ok = rate.value == 0 and rate.percent and amount.value == 0
            if (zero_ok or (rate.value and amount.value > 0)) and vat_matches(
                base.value, rate.value, amount.value
            ):
                return VatLine(rate.value, base.value, amount.value)
    return None


def row_of(text: str) -> VatLine | None:
    """The VAT line a text row holds ("3 520,00 € 20 % 704,00 €", "TVA 5,5% 543,00 29,87"), if any."""
    amounts = find_amounts(text)
    if len(amounts) < 2:
        return None
    for rate in _rates(text, amounts):
        line = _pair(rate, amounts)
        if line is not None:
            return line
    return None


def read_breakdown(layout: Layout) -> tuple[VatLine, ...]:
    """The VAT breakdown in printed order, one line per rate (the first row found for a rate)."""
    rows: dict[Decimal, VatLine] = {}
    for line in layout.lines:
        row = None if line.blank else row_of(line.text)
        if row is not None and row.rate not in rows:
            rows[row.rate] = row
    return tuple(rows.values())


def format_rate(rate: Decimal) -> str:
    """A rate as people write it: "5.5", "20"."""
    return f"{rate.normalize():f}"


def unusual_rates(rates: Iterable[Decimal]) -> tuple[str, ...]:
    """A warning for each rate that is not a French rate."""
    return tuple(f"VAT rate {format_rate(rate)} % is unusual" for rate in rates if rate not in FRENCH_RATES)
