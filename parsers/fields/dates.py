"""Dates read day first (12/01/2026 = 12 January) or in words; month first only if the document proves it."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from parsers.fields.amounts import ocr_digits
from parsers.fields.layout import fold

_MONTH_NAMES = {
    1: "janvier janv jan january januar jänner januari",
    2: "fevrier fevr fev fevier february feb februar februari",
    3: "mars march mar marz maerz maart mrt",
    4: "avril avr april apr",
    5: "mai may mei",
    6: "juin june jun juni",
    7: "juillet juil jul july juli",
    8: "aout aou august aug augustus",
    9: "septembre sept sep september",
    10: "octobre oct october oktober okt",
    11: "novembre nov november",
    12: "decembre dec december dezember dez",
}
MONTHS = {fold(name): number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(?<![\d/.-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/-]|\.\d)")
_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/-]|\.\d)")
_DAY_MONTH = re.compile(
    rf"(?<![a-z0-9])(\d{{1,2}}|[li](?=er))(?:er|eme|st|nd|rd|th|\.)?\s*(?:de\s+)?({_MONTH})\.?,?\s*(\d{{4}})(?!\d)"
)
"""Day and month in words; OCR often reads "1er" as "ler"."""
_MONTH_DAY = re.compile(rf"(?<![a-z0-9])({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)")
_FIRST_YEAR, _LAST_YEAR = 1980, 2100


class DateOrder(enum.Enum):
    """How the document writes numeric dates: day first (the rule), or month first when it proves it."""

    DAY_FIRST = "day_first"
    MONTH_FIRST = "month_first"


@dataclass(frozen=True)
class DateMatch:
    """A date printed at columns [start, end) of a line."""

    value: dt.date
    start: int
    end: int


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def make_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None when it does not exist or is out of range (31/02, month 13, year 1850)."""
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _numeric(match: re.Match[str], order: DateOrder) -> dt.date | None:
    first, second, year = int(match.group(1)), int(match.group(3)), _year(match.group(4))
    if order is DateOrder.MONTH_FIRST:
        return make_date(year, first, second)
    return make_date(year, second, first)


def _all_matches(text: str, order: DateOrder) -> Iterable[tuple[re.Match[str], dt.date | None]]:
    for match in _ISO.finditer(text):
        yield match, make_date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    for match in _NUMERIC.finditer(text):
        yield match, _numeric(match, order)
    for match in _DAY_MONTH.finditer(text):
        day = int(match.group(1)) if match.group(1).isdigit() else 1
        yield match, make_date(int(match.group(3)), MONTHS[match.group(2)], day)
    for match in _MONTH_DAY.finditer(text):
        yield match, make_date(int(match.group(3)), MONTHS[match.group(1)], int(match.group(2)))


def find_dates(text: str, order: DateOrder = DateOrder.DAY_FIRST) -> tuple[DateMatch, ...]:
    """Every valid date in a line, left to right; impossible ones ("13/25/2026") are left out."""
    folded = ocr_digits(fold(text))
    found = [DateMatch(value, *match.span()) for match, value in _all_matches(folded, order) if value]
    found.sort(key=lambda match: match.start)
    kept: list[DateMatch] = []
    for match in found:
        if not kept or match.start >= kept[-1].end:
            kept.append(match)
    return tuple(kept)


def parse_date(text: str, order: DateOrder = DateOrder.DAY_FIRST) -> dt.date | None:
    """The date of a text that holds one date and nothing else of substance, else None."""
    dates = find_dates(text, order)
    return dates[0].value if len(dates) == 1 else None


def date_order(lines: Iterable[str]) -> DateOrder:
    """Month first only if some numeric date can only be month-first (11/17/2017) and none only day-first."""
    day_first = month_first = 0
    for text in lines:
        for match in _NUMERIC.finditer(fold(text)):
            first, second = int(match.group(1)), int(match.group(3))
            day_first += first > 12 >= second
            month_first += second > 12 >= first
    return DateOrder.MONTH_FIRST if month_first and not day_first else DateOrder.DAY_FIRST
