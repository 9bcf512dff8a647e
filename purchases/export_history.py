"""Kept exports: built from a period's validated entries, recorded with their bytes, read back.

Each export keeps who asked for it and when, its period, format, counts, totals, the SHA-256 of its bytes
and the bytes themselves (in the database, in the same transaction as the record: no record without its
file), so that downloading it again from the history gives exactly the same file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from purchases.errors import ConflictError, NotFoundError
from purchases.exports import csv_file, fec_file, validated_entries
from purchases.fec import FecSeparator
from purchases.journals import Period, entries_in
from store.export_models import AccountingExport, ExportFormat
from store.models import Company
from store.purchase_models import JournalEntry


class NothingToExportError(ConflictError):
    """A period without any validated entry has nothing to export."""

    def __init__(self, period: Period, not_validated: int) -> None:
        hint = (
            f"; {not_validated} entries of the period are not validated yet: validate the period first"
            if not_validated
            else ""
        )
        super().__init__(f"no validated entry from {period}{hint}")
        self.period = period
        self.not_validated = not_validated


@dataclass(frozen=True)
class ExportRequest:
    """What to export: a period of entry dates, a format, and for a FEC its column separator."""

    period: Period
    format: ExportFormat
    separator: FecSeparator = FecSeparator.PIPE


@dataclass(frozen=True)
class ExportRecord:
    """A kept export, without its bytes."""

    id: int
    created_at: datetime
    created_by: str
    period_start: date
    period_end: date
    format: ExportFormat
    separator: FecSeparator | None
    filename: str
    content_type: str
    entry_count: int
    line_count: int
    total_debit: Decimal
    total_credit: Decimal
    left_out: int
    sha256: str
    size: int


def record_export(
    session: Session, company_id: int, request: ExportRequest, created_by: str, now: datetime
) -> ExportRecord:
    """Builds the file of the period's validated entries and keeps it; NothingToExportError without any."""
    company = session.get_one(Company, company_id)
    entries = validated_entries(session, company_id, request.period)
    left_out = int(
        session.scalar(
            entries_in(company_id, request.period)
            .with_only_columns(func.count(JournalEntry.id))
            .where(JournalEntry.validated_at.is_(None))
        )
        or 0
    )
    if not entries:
        raise NothingToExportError(request.period, left_out)
    siren = company.siret[:9]
    if request.format == ExportFormat.FEC:
        built = fec_file(entries, siren, request.period.end, request.separator)
    else:
        built = csv_file(entries, siren, request.period)
    row = AccountingExport(
        company_id=company_id,
        created_at=now,
        created_by=created_by[:100],
        period_start=request.period.start,
        period_end=request.period.end,
        format=request.format,
        separator=request.separator.value if request.format == ExportFormat.FEC else None,
        filename=built.filename,
        content_type=built.content_type,
        entry_count=built.entry_count,
        line_count=built.line_count,
        total_debit=built.total_debit,
        total_credit=built.total_credit,
        left_out=left_out,
        sha256=hashlib.sha256(built.data).hexdigest(),
        size=len(built.data),
        content=built.data,
    )
    session.add(row)
    session.flush()
    return _record(row)


def exports_of(session: Session, company_id: int) -> list[ExportRecord]:
    """The company's kept exports, newest first."""
    query = (
        select(AccountingExport)
        .where(AccountingExport.company_id == company_id)
        .order_by(AccountingExport.created_at.desc(), AccountingExport.id.desc())
    )
    return [_record(row) for row in session.scalars(query)]


def get_export(session: Session, company_id: int, export_id: int) -> ExportRecord:
    """One of the company's kept exports; NotFoundError if the company has none with this id."""
    return _record(_row(session, company_id, export_id))


def export_content(session: Session, company_id: int, export_id: int) -> tuple[ExportRecord, bytes]:
    """A kept export and its bytes, exactly as first given."""
    row = _row(session, company_id, export_id)
    return _record(row), row.content


def _row(session: Session, company_id: int, export_id: int) -> AccountingExport:
    row = session.get(AccountingExport, export_id)
    if row is None or row.company_id != company_id:
        raise NotFoundError(f"no export {export_id} in this company")
    return row


def _record(row: AccountingExport) -> ExportRecord:
    return ExportRecord(
        id=row.id,
        created_at=row.created_at,
        created_by=row.created_by,
        period_start=row.period_start,
        period_end=row.period_end,
        format=row.format,
        separator=FecSeparator(row.separator) if row.separator else None,
        filename=row.filename,
        content_type=row.content_type,
        entry_count=row.entry_count,
        line_count=row.line_count,
        total_debit=row.total_debit,
        total_credit=row.total_credit,
        left_out=row.left_out,
        sha256=row.sha256,
        size=row.size,
    )
