"""VAT breakdown rows recognised by the check VAT = base * rate / 100, and which rates are usual in France."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

from parsers.fields.amounts import Amount, Rate, find_amounts, find_rates
from parsers.fields.layout import Layout
from parsers.invoice import CENT, VatLine

FRENCH_RATES = frozenset(
    Decimal(rate) for rate in ("20", "10", "5.5", "2.1", "8.5", "1.05", "13", "0.9", "0")
)
"""Mainland, overseas (Guadeloupe, Martinique, Réunion) and Corsican rates."""
_BARE_RATES = FRENCH_RATES | frozenset(Decimal(rate) for rate in ("19", "7", "21", "9", "6", "12", "22", "4"))
"""Rates read without a percent sign: French ones and common EU ones."""
_TOLERANCE = Decimal("0.01")
_RECAP_WORDS = re.compile(r"\b(?:tva|vat|tax|taxe)\b")
_HEADER_WORDS = re.compile(r"\b(?:taux|rate|base|assiette|recapitulatif|recap|ventilation|detail)\b")
_ITEM_WORDS = re.compile(
    r"\b(?:designation|description|qte|quantite|qty|quantity|article|ref|pu|prix|unit)\b"
)
_RECAP_REACH = 6
"""How many non-blank lines under a VAT recap header still belong to its table."""
_MAX_CANDIDATES = 12


def vat_matches(base: Decimal, rate: Decimal, amount: Decimal) -> bool:
    """Whether a VAT amount is base * rate / 100 rounded to the cent, within one cent."""
    expected = (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return abs(expected - amount) <= _TOLERANCE


def _rates(text: str, amounts: tuple[Amount, ...]) -> list[Rate]:
    """The rates of a line that are not part of an amount. Any rate printed with a percent sign (an unusual
    one is warned about later); a bare number only if it is a usual rate, and, when a percent sign is on the
    line, only if written with decimals ("MwSt.-% 19,0"): a bare "4" next to "20 %" is a quantity, and a
    quantity times a unit price read without its decimal comma passes the check by coincidence."""
    percent_on_line = "%" in text

    def bare_ok(rate: Rate) -> bool:
        written = text[rate.start : rate.end]
        return rate.value in _BARE_RATES and (not percent_on_line or "," in written or "." in written)

    return [
        rate
        for rate in find_rates(text)
        if (rate.percent or bare_ok(rate))
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


@dataclass(frozen=True)
class _Row:
    """A VAT line found on a layout line, and whether it is in a VAT recap (labelled, or under its header)."""

    index: int
    line: VatLine
    recap: bool


def _recap_header(folded: str) -> bool:
    """A header of a VAT recap table ("Base HT  Taux  Montant TVA"), not of the item table."""
    return bool(
        _HEADER_WORDS.search(folded) and _RECAP_WORDS.search(folded) and not _ITEM_WORDS.search(folded)
    )


def _rows(layout: Layout) -> list[_Row]:
    """Every line that passes the check, in printed order, marked when it belongs to a VAT recap."""
    rows: list[_Row] = []
    reach = 0
    page = 0
    for line in layout.lines:
        if line.blank:
            continue
        if line.page != page:
            page, reach = line.page, 0
        vat_line = row_of(line.text)
        if vat_line is not None:
            recap = reach > 0 or bool(_RECAP_WORDS.search(line.folded))
            rows.append(_Row(line.index, vat_line, recap))
        reach = _RECAP_REACH if _recap_header(line.folded) else max(reach - 1, 0)
    return rows


def _one_per_rate(rows: Iterable[_Row]) -> tuple[_Row, ...]:
    """The first row of each rate, recap rows before the others, back in printed order."""
    chosen: dict[Decimal, _Row] = {}
    for row in sorted(rows, key=lambda row: not row.recap):
        chosen.setdefault(row.line.rate, row)
    return tuple(sorted(chosen.values(), key=lambda row: row.index))


def _fitting(rows: list[_Row], total: Decimal) -> tuple[_Row, ...] | None:
    """The set of rows, one per rate, whose VAT adds up to the total (one cent per line): most recap rows
    first, then fewest other rows, then the earliest; None when no set does."""
    best: tuple[tuple[int, int], tuple[_Row, ...]] | None = None
    candidates = sorted(
        sorted(rows, key=lambda row: not row.recap)[:_MAX_CANDIDATES], key=lambda row: row.index
    )
    for size in range(1, len(candidates) + 1):
        for subset in combinations(candidates, size):
            if len({row.line.rate for row in subset}) != size:
                continue
            vat = sum((row.line.amount for row in subset), Decimal(0))
            if abs(vat - abs(total)) > _TOLERANCE * size:
                continue
            recap = sum(row.recap for row in subset)
            key = (recap, recap - size)
            if best is None or key > best[0]:
                best = (key, subset)
    return None if best is None else best[1]


def read_breakdown(layout: Layout, total_tax: Decimal | None = None) -> tuple[VatLine, ...]:
    """The VAT breakdown in printed order, one line per rate.

    Without a total VAT (a first look, used to choose the totals): the first line found for each rate. With
    the chosen total VAT: the set of lines that adds up to it, lines in a VAT recap (a "TVA" label on a line,
    or a header naming rate, base and VAT above) preferred; when no set adds up, the recap lines if any.
    """
    rows = _rows(layout)
    if total_tax is None:
        first: dict[Decimal, VatLine] = {}
        for row in rows:
            first.setdefault(row.line.rate, row.line)
        return tuple(first.values())
    fitting = _fitting(rows, total_tax) if rows else None
    if fitting is not None:
        return tuple(row.line for row in fitting)
    if any(row.recap for row in rows):
        rows = [row for row in rows if row.recap]
    return tuple(row.line for row in _one_per_rate(rows))


def format_rate(rate: Decimal) -> str:
    """A rate as people write it: "5.5", "20"."""
    return f"{rate.normalize():f}"


def unusual_rates(rates: Iterable[Decimal]) -> tuple[str, ...]:
    """A warning for each rate that is not a French rate."""
    return tuple(f"VAT rate {format_rate(rate)} % is unusual" for rate in rates if rate not in FRENCH_RATES)
