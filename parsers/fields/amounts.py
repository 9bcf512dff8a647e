"""French/English amounts: U+202F/U+00A0/space/dot thousands, decimal comma or dot, negatives, currency."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from parsers.invoice import CENT

_SPACE = "[ \u00a0\u202f\u2009]"
_CURRENCY = r"(?:€|EUR(?:OS?)?|USD|US\$|\$|£|GBP|CHF|INR|Rs\.?|₹|DEM|EURO)"
_NUMBER = rf"""
    \d{{1,3}}(?:{_SPACE}\d{{3}})+(?:,\d{{2}})?     # 1 234,56  1 234
  | \d{{1,3}}(?:\.\d{{3}})+,\d{{2}}                 # 1.234,56
  | \d{{1,3}}(?:,\d{{3}})+(?:\.\d{{2}})?           # 1,234.56  1,234
  | \d{{1,3}}(?:'\d{{3}})+(?:\.\d{{2}})?           # 1'234.56
  | \d+[.,]\d{{2}}                                  # 1234,56  1234.56
  | \d+                                             # 1234 (only with a currency)
"""
_AMOUNT = re.compile(
    rf"""
    (?<![\w.,/'])
    (?P<open>\(\s?)?
    (?:(?P<before>{_CURRENCY})\s?)?
    (?P<sign>[-\u2212]\s?)?
    (?:(?P<before2>{_CURRENCY})\s?)?
    (?P<number>{_NUMBER})
    (?![\w/]|[.,]\d|{_SPACE}?%)
    (?:{_SPACE}?(?P<after>{_CURRENCY})(?![A-Za-z]))?
    (?P<close>\s?\))?
    """,
    re.VERBOSE,
)
_RATE = re.compile(rf"(?<![\w.,/])(\d{{1,2}}(?:[.,]\d{{1,3}})?)(?:{_SPACE}?(%))?(?![\w/]|[.,]\d)")
_CODES = {
    "€": "EUR",
    "EUR": "EUR",
    "EURO": "EUR",
    "EUROS": "EUR",
    "USD": "USD",
    "US$": "USD",
    "$": "USD",
    "£": "GBP",
    "GBP": "GBP",
    "CHF": "CHF",
    "INR": "INR",
    "RS": "INR",
    "RS.": "INR",
    "₹": "INR",
    "DEM": "DEM",
}
_OCR_ZERO = re.compile(r"(?<=\d)[Oo](?![A-Za-z])|(?<=\d)[Oo](?=[Oo])|(?<=\d[.,/-])[Oo](?=\d)")
_CODE_WORDS = re.compile(r"(?<![A-Za-z])(EUR|USD|GBP|CHF|INR|DEM)(?![A-Za-z])")


@dataclass(frozen=True)
class Amount:
    """A money amount printed at columns [start, end) of a line, with its currency when printed."""

    value: Decimal
    start: int
    end: int
    currency: str | None


@dataclass(frozen=True)
class Rate:
    """A number that may be a VAT rate: with a percent sign, or bare with at most one decimal."""

    value: Decimal
    start: int
    end: int
    percent: bool


def to_decimal(number: str) -> Decimal:
    """The value of a printed number without sign: the last of ',' or '.' followed by 2 digits is decimal."""
    digits = re.sub(r"[ \u00a0\u202f\u2009']", "", number)
    decimal_mark = re.search(r"[.,](\d{2})$", digits)
    if decimal_mark:
        whole = re.sub(r"[.,]", "", digits[: decimal_mark.start()])
        return Decimal(f"{whole}.{decimal_mark.group(1)}")
    return Decimal(re.sub(r"[.,]", "", digits))


def _currency(match: re.Match[str]) -> str | None:
    symbol = match.group("before") or match.group("before2") or match.group("after")
    return None if symbol is None else _CODES.get(symbol.upper())


def _amount(match: re.Match[str]) -> Amount | None:
    number = match.group("number")
    currency = _currency(match)
    has_cents = re.search(r"[.,]\d{2}$", number) is not None
    if not has_cents and currency is None:
        return None
    value = to_decimal(number).quantize(CENT)
    start, end = match.span()
    if match.group("open") and not match.group("close"):
        start += len(match.group("open"))
    elif match.group("open") or match.group("sign"):
        value = -value
    if match.group("close") and not match.group("open"):
        end -= len(match.group("close"))
    return Amount(value, start, end, currency)


def ocr_digits(text: str) -> str:
    """The text with an O read as 0 inside a number ("1 2O0,00", "12/O2/2024"), one char for one char."""
    for _ in range(3):
        fixed = _OCR_ZERO.sub("0", text)
        if fixed == text:
            break
        text = fixed
    return text


def find_amounts(text: str) -> tuple[Amount, ...]:
    """Every amount in a line: two decimals, or a whole number next to a currency ("0 €", "Rs 1939")."""
    found = (_amount(match) for match in _AMOUNT.finditer(ocr_digits(text)))
    return tuple(amount for amount in found if amount is not None)


def parse_amount(text: str) -> Decimal | None:
    """The value of one printed amount ("1 234,56 €", "(1.234,56)", "€1,234.56", "-5,00"), else None."""
    match = _AMOUNT.fullmatch(ocr_digits(text.strip()))
    amount = None if match is None else _amount(match)
    return None if amount is None else amount.value


def find_rates(text: str) -> tuple[Rate, ...]:
    """Every possible VAT rate in a line: "20 %", "5,5 %", "19%", or bare "20.0", "7" (at most 30)."""
    rates = []
    for match in _RATE.finditer(ocr_digits(text)):
        number, percent = match.group(1), match.group(2) is not None
        decimals = len(number.split(",")[-1].split(".")[-1]) if re.search(r"[.,]", number) else 0
        value = Decimal(number.replace(",", "."))
        if value <= 30 and (percent or decimals <= 1):
            rates.append(Rate(value, *match.span(), percent))
    return tuple(rates)


def parse_rate(text: str) -> Decimal | None:
    """The value of one printed rate ("5,5 %", "20%"), else None."""
    rates = find_rates(text.strip())
    return rates[0].value if len(rates) == 1 and rates[0].percent else None


def main_currency(lines: Iterable[str]) -> str | None:
    """The currency printed most often next to amounts or as an ISO code; ties go to the euro."""
    counts: Counter[str] = Counter()
    for text in lines:
        amounts = find_amounts(text)
        counts.update(amount.currency for amount in amounts if amount.currency)
        counts.update(
            _CODES[match.group()]
            for match in _CODE_WORDS.finditer(text)
            if not any(amount.start <= match.start() < amount.end for amount in amounts)
        )
    if not counts:
        return None
    best = max(counts.values())
    return "EUR" if counts["EUR"] == best else counts.most_common(1)[0][0]
