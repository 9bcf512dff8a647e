"""Export files of validated entries: the FEC (through purchases.fec) and a CSV for French spreadsheets.

The CSV is what Excel and LibreOffice open as is in a French locale: UTF-8 with a BOM (else Excel reads it as
Windows-1252), `;` between fields, decimal comma without thousands separator, dates DD/MM/YYYY, CRLF, a header
of French column names, one row per entry line (the FEC's columns, in the same order).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from purchases.errors import ConflictError
from purchases.fec import FecLine, FecSeparator, FecViolation, check_fec, fec_filename, write_fec
from purchases.journals import ZERO, EntryView, Period, entries_in, entry_view
from store.export_models import ExportFormat
from store.purchase_models import JournalEntry

BOOKS_ZONE = ZoneInfo("Europe/Paris")
"""The time zone of the books: a validation time becomes a ValidDate in it."""
CSV_COLUMNS = (
    "Journal",
    "Libellé journal",
    "N° écriture",
    "Date écriture",
    "Compte",
    "Libellé compte",
    "Compte auxiliaire",
    "Libellé auxiliaire",
    "Pièce",
    "Date pièce",
    "Libellé",
    "Débit",
    "Crédit",
    "Date validation",
)
CONTENT_TYPES = {ExportFormat.FEC: "text/plain; charset=utf-8", ExportFormat.CSV: "text/csv; charset=utf-8"}


class FecRefusedError(ConflictError):
    """The FEC written from the entries fails the FEC checks: it is not kept (the violations say why)."""

    def __init__(self, filename: str, violations: list[FecViolation]) -> None:
        first = violations[0]
        super().__init__(
            f"the FEC {filename} would fail {len(violations)} check(s), first line {first.line}: "
            f"{first.message}"
        )
        self.filename = filename
        self.violations = violations


@dataclass(frozen=True)
class ExportFile:
    """An export file and what it holds."""

    filename: str
    content_type: str
    data: bytes
    entry_count: int
    line_count: int
    total_debit: Decimal
    total_credit: Decimal


def validated_entries(session: Session, company_id: int, period: Period) -> list[EntryView]:
    """The validated entries of the period, in validation order (then journal and number)."""
    query = (
        entries_in(company_id, period)
        .where(JournalEntry.validated_at.is_not(None))
        .order_by(
            JournalEntry.validated_at, JournalEntry.journal_code, JournalEntry.entry_date, JournalEntry.id
        )
    )
    return [entry_view(entry) for entry in session.scalars(query)]


def valid_date(validated_at: datetime | None) -> date:
    """The day, in the books' time zone, an entry was validated (FEC ValidDate)."""
    assert validated_at is not None, "only validated entries are exported"
    return validated_at.astimezone(BOOKS_ZONE).date()


def fec_lines(entries: Iterable[EntryView]) -> list[FecLine]:
    """The FEC lines of validated entries, in their order."""
    return [
        FecLine(
            journal_code=entry.journal_code,
            journal_label=entry.journal_label,
            entry_number=entry.number or "",
            entry_date=entry.entry_date,
            account=line.account,
            account_label=line.account_label,
            aux_account=line.aux_account,
            aux_label=line.aux_label,
            piece_ref=entry.piece_ref,
            piece_date=entry.piece_date,
            label=line.label,
            debit=line.debit,
            credit=line.credit,
            valid_date=valid_date(entry.validated_at),
        )
        for entry in entries
        for line in entry.lines
    ]


def fec_file(
    entries: Sequence[EntryView], siren: str, closing: date, separator: FecSeparator = FecSeparator.PIPE
) -> ExportFile:
    """The FEC of the entries, named for the SIREN and the closing date; FecRefusedError if it fails the
    FEC checks, InvalidFecLineError if a line could not be written."""
    filename = fec_filename(siren, closing)
    data = write_fec(fec_lines(entries), separator)
    violations = check_fec(data, filename)
    if violations:
        raise FecRefusedError(filename, violations)
    return _file(filename, ExportFormat.FEC, data, entries)


def csv_file(entries: Sequence[EntryView], siren: str, period: Period) -> ExportFile:
    """The CSV of the entries, named `<SIREN>_ecritures_<start>_<end>.csv`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        for line in entry.lines:
            writer.writerow(
                (
                    entry.journal_code,
                    entry.journal_label,
                    entry.number or "",
                    f"{entry.entry_date:%d/%m/%Y}",
                    line.account,
                    line.account_label,
                    line.aux_account or "",
                    line.aux_label or "",
                    entry.piece_ref,
                    f"{entry.piece_date:%d/%m/%Y}",
                    line.label,
                    decimal_comma(line.debit),
                    decimal_comma(line.credit),
                    f"{valid_date(entry.validated_at):%d/%m/%Y}",
                )
            )
    name = f"{siren}_ecritures_{period.start:%Y%m%d}_{period.end:%Y%m%d}.csv"
    return _file(name, ExportFormat.CSV, buffer.getvalue().encode("utf-8-sig"), entries)


def decimal_comma(amount: Decimal) -> str:
    """An amount as French spreadsheets read it: `1200,00`."""
    return f"{amount:.2f}".replace(".", ",")


def _file(filename: str, kind: ExportFormat, data: bytes, entries: Sequence[EntryView]) -> ExportFile:
    return ExportFile(
        filename=filename,
        content_type=CONTENT_TYPES[kind],
        data=data,
        entry_count=len(entries),
        line_count=sum(len(entry.lines) for entry in entries),
        total_debit=sum((entry.total_debit for entry in entries), ZERO),
        total_credit=sum((entry.total_credit for entry in entries), ZERO),
    )
