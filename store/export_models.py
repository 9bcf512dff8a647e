"""SQLAlchemy model of kept accounting exports: who made which file of which period, and its exact bytes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, Money, enum_column, utcnow


class ExportFormat(enum.StrEnum):
    """The kind of file an export is: a FEC (art. A47 A-1 LPF) or a CSV for spreadsheets."""

    FEC = "fec"
    CSV = "csv"


class AccountingExport(Base):
    """One export of a company's validated entries, kept so that the same bytes can be downloaded again."""

    __tablename__ = "accounting_exports"
    __table_args__ = (PrimaryKeyConstraint("id", name="pk_accounting_exports"),)

    id: Mapped[int] = mapped_column(Integer)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", name="fk_accounting_exports_company_id_companies"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    """The name of the API token (or CLI user) that asked for the export."""
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    """The range of entry dates exported (both included); for a FEC, the closing date of its file name."""
    format: Mapped[ExportFormat] = mapped_column(enum_column(ExportFormat))
    separator: Mapped[str | None] = mapped_column(String(8))
    """The FEC column separator ("pipe" or "tab"); None for a CSV (always ";")."""
    filename: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(100))
    entry_count: Mapped[int] = mapped_column(Integer)
    line_count: Mapped[int] = mapped_column(Integer)
    total_debit: Mapped[Decimal] = mapped_column(Money())
    total_credit: Mapped[Decimal] = mapped_column(Money())
    left_out: Mapped[int] = mapped_column(Integer)
    """Entries of the range not exported because they were not validated yet."""
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    """The file's bytes, loaded only when downloaded."""
