"""Writes the FEC file (domain.md §7) of typed entry lines; refuses a line the FEC checker would refuse.

The file: the header of the 18 columns, then one row per line, fields separated by `|` (or TAB), rows
separated by CRLF, UTF-8 without BOM. The last row has no CRLF after it, so no reader (nor Test Compta Demat,
which counts an empty line as an error) can see an empty line at the end; `check_fec` accepts both endings.

Each line is checked on its own (mandatory fields, CompteNum, amounts, pairs). What spans lines is the
caller's: an entry's lines are contiguous, balanced and share JournalCode, EcritureDate, PieceRef and
PieceDate, and rows come in chronological validation order; run `check_fec` on the result to be sure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from stdnum.fr import siren as stdnum_siren

from purchases.errors import InvalidInputError
from purchases.fec_check import MAX_FEC_BYTES, FecViolation, check_fec, check_fec_file
from purchases.fec_format import (
    ACCOUNT_START,
    COLUMNS,
    MANDATORY,
    PAIRS,
    FecSeparator,
    format_amount,
    format_date,
)

__all__ = [
    "MAX_FEC_BYTES",
    "FecLine",
    "FecSeparator",
    "FecViolation",
    "InvalidFecLineError",
    "check_fec",
    "check_fec_file",
    "clean_text",
    "fec_filename",
    "write_fec",
]

CRLF = "\r\n"
_BREAKS = re.compile(r"[\s|\x00-\x1f\x7f-\x9f]+")
"""Runs of `|`, tabs, CR/LF, other whitespace and control characters: each becomes one space."""
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class FecLine:
    """One line of a FEC file, as typed values (text cleaned and amounts formatted by write_fec)."""

    journal_code: str
    journal_label: str
    entry_number: str  # EcritureNum
    entry_date: date  # EcritureDate
    account: str  # CompteNum
    account_label: str  # CompteLib
    aux_account: str | None  # CompAuxNum
    aux_label: str | None  # CompAuxLib
    piece_ref: str
    piece_date: date
    label: str  # EcritureLib
    debit: Decimal
    credit: Decimal
    valid_date: date  # ValidDate
    lettering: str | None = None  # EcritureLet
    lettering_date: date | None = None  # DateLet
    amount_currency: Decimal | None = None  # Montantdevise
    currency: str | None = None  # Idevise


class InvalidFecLineError(InvalidInputError):
    """A line given to write_fec would make a FEC the checker refuses; says which row, column and why."""

    def __init__(self, line: int, entry_number: str, column: str, value: str, why: str) -> None:
        super().__init__(column, value, f"{why} (FEC line {line}, entry {entry_number!r})")
        self.line = line
        self.entry_number = entry_number
        self.column = column


def clean_text(text: str | None) -> str:
    """Text fit for a FEC field: `|`, tabs, line breaks and control characters become single spaces."""
    return _BREAKS.sub(" ", text or "").strip()


def write_fec(lines: Iterable[FecLine], separator: FecSeparator = FecSeparator.PIPE) -> bytes:
    """The FEC file: header + one row per line, CRLF, UTF-8 without BOM, no trailing empty line."""
    rows = [separator.char.join(COLUMNS)]
    rows.extend(separator.char.join(_cells(line, number)) for number, line in enumerate(lines, start=2))
    return CRLF.join(rows).encode("utf-8")


def fec_filename(siren: str, closing: date) -> str:
    """`<SIREN>FEC<YYYYMMDD>.txt`, closing being the fiscal-year closing date; the SIREN is checked."""
    compact = stdnum_siren.compact(siren)
    if not stdnum_siren.is_valid(compact):
        raise InvalidInputError("SIREN", siren, "not 9 digits with a valid Luhn check digit")
    return f"{compact}FEC{format_date(closing)}.txt"


def _cells(line: FecLine, number: int) -> list[str]:
    """The 18 fields of one row, after checking the line on its own."""
    cells = {
        "JournalCode": clean_text(line.journal_code),
        "JournalLib": clean_text(line.journal_label),
        "EcritureNum": clean_text(line.entry_number),
        "EcritureDate": format_date(line.entry_date),
        "CompteNum": clean_text(line.account),
        "CompteLib": clean_text(line.account_label),
        "CompAuxNum": clean_text(line.aux_account),
        "CompAuxLib": clean_text(line.aux_label),
        "PieceRef": clean_text(line.piece_ref),
        "PieceDate": format_date(line.piece_date),
        "EcritureLib": clean_text(line.label),
        "Debit": _amount(line, number, "Debit", line.debit),
        "Credit": _amount(line, number, "Credit", line.credit),
        "EcritureLet": clean_text(line.lettering),
        "DateLet": "" if line.lettering_date is None else format_date(line.lettering_date),
        "ValidDate": format_date(line.valid_date),
        "Montantdevise": _amount(line, number, "Montantdevise", line.amount_currency),
        "Idevise": clean_text(line.currency),
    }
    _check(line, number, cells)
    return [cells[column] for column in COLUMNS]


def _amount(line: FecLine, number: int, column: str, value: Decimal | None) -> str:
    if value is None:
        return ""
    if not value.is_finite():
        raise InvalidFecLineError(number, line.entry_number, column, str(value), "not a number")
    if value < 0:
        why = "negative: put the amount on the other side (a credit note is the invoice's mirror)"
        raise InvalidFecLineError(number, line.entry_number, column, str(value), why)
    if value != value.quantize(_CENT):
        raise InvalidFecLineError(number, line.entry_number, column, str(value), "finer than the cent")
    return format_amount(value)


def _check(line: FecLine, number: int, cells: dict[str, str]) -> None:
    def refuse(column: str, why: str) -> None:
        raise InvalidFecLineError(number, line.entry_number, column, cells[column], why)

    for column in MANDATORY:
        if not cells[column]:
            refuse(column, "empty, and the column is mandatory")
    if not ACCOUNT_START.match(cells["CompteNum"]):
        refuse("CompteNum", "does not start with 3 digits")
    if line.debit.is_zero() == line.credit.is_zero():
        both = "both zero" if line.debit.is_zero() else f"both non-zero (Credit {cells['Credit']})"
        refuse("Debit", f"Debit and Credit are {both}: exactly one must be non-zero")
    for first, second in PAIRS:
        if bool(cells[first]) != bool(cells[second]):
            empty, filled = (second, first) if cells[first] else (first, second)
            refuse(empty, f"empty while {filled} is filled: fill both or neither")
