"""The FEC layout of art. A47 A-1 LPF (domain.md §7) that writer and checker share: names, spellings."""

from __future__ import annotations

import enum
import re
from datetime import date
from decimal import Decimal

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
"""The 18 columns, in order; the header line holds exactly these names."""

MANDATORY = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "ValidDate",
)
"""Columns never empty on a row."""

PAIRS = (("CompAuxNum", "CompAuxLib"), ("EcritureLet", "DateLet"), ("Montantdevise", "Idevise"))
"""Columns filled together or left empty together."""

DATE_COLUMNS = ("EcritureDate", "PieceDate", "DateLet", "ValidDate")
AMOUNT_COLUMNS = ("Debit", "Credit", "Montantdevise")
ENTRY_SHARED = ("JournalCode", "EcritureDate", "PieceRef", "PieceDate")
"""Columns every line of one entry (one EcritureNum) has in common."""

ACCOUNT_START = re.compile(r"[0-9]{3}")
"""CompteNum starts with 3 digits (the PCG class, chapter and account)."""

FILENAME = re.compile(r"(?P<siren>[0-9]{9})FEC(?P<closing>[0-9]{8})\.txt")
"""`<SIREN>FEC<YYYYMMDD>.txt`, the date being the fiscal-year closing date."""


class FecSeparator(enum.StrEnum):
    """The two field separators a FEC text file may use."""

    PIPE = "pipe"
    TAB = "tab"

    @property
    def char(self) -> str:
        """The character written between fields."""
        return "|" if self is FecSeparator.PIPE else "\t"


def format_date(value: date) -> str:
    """A date as FEC writes it: YYYYMMDD."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def format_amount(value: Decimal) -> str:
    """An amount as FEC writes it: decimal comma, 2 decimals, no thousands separator ("1200,00")."""
    return f"{abs(value) if value.is_zero() else value:.2f}".replace(".", ",")
