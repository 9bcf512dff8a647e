"""Admin API, accounting exports: the request and answer bodies, and how typed values become them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from admin.api_entry_models import EntryOut, entry_fields, entry_out
from admin.api_purchase_models import document_url
from purchases.entries_pull import Page, PulledEntry
from purchases.export_history import ExportRecord
from purchases.fec import FecSeparator
from purchases.journals import JournalsInProgress, Preview
from purchases.periods import Validation
from store.export_models import ExportFormat

API = "/api/v1"
_FROZEN = ConfigDict(frozen=True)


_FROM = "First day of the period (entry dates), included."
_TO = "Last day of the period (entry dates), included."


class PeriodIn(BaseModel):
    """A period of entry dates, both days included: `{"from": "2026-01-01", "to": "2026-01-31"}`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date = Field(validation_alias="from", description=_FROM)
    end: date = Field(validation_alias="to", description=_TO)


class ExportIn(BaseModel):
    """What to export: the validated entries of a period, as a FEC (`|` or tab separated) or as a CSV."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date = Field(validation_alias="from", description=_FROM)
    end: date = Field(validation_alias="to", description=_TO)
    format: ExportFormat = Field(description="`fec` (art. A47 A-1 LPF) or `csv` (French spreadsheets).")
    separator: FecSeparator = Field(
        default=FecSeparator.PIPE, description="The FEC's column separator: `pipe` or `tab` (not for a CSV)."
    )


class PeriodOut(BaseModel):
    """The period an answer is about."""

    model_config = _FROZEN

    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")


class JournalCountOut(BaseModel):
    """A journal and how many of its entries of the period are validated and not yet."""

    model_config = _FROZEN

    code: str
    label: str
    validated: int
    not_validated: int


class JournalsOut(BaseModel):
    """The journals of a period in progress, and the purchases of the period still to review (no entry)."""

    model_config = _FROZEN

    period: PeriodOut
    journals: list[JournalCountOut]
    purchases_to_review: int


class JournalPreviewOut(BaseModel):
    """One journal's entries of the period with the totals of their lines."""

    model_config = _FROZEN

    code: str
    label: str
    entry_count: int
    total_debit: Decimal
    total_credit: Decimal
    entries: list[EntryOut]


class PreviewOut(BaseModel):
    """The entries of a period (validated or not) by journal, with totals by journal and overall."""

    model_config = _FROZEN

    period: PeriodOut
    entry_count: int
    total_debit: Decimal
    total_credit: Decimal
    purchases_to_review: int
    journals: list[JournalPreviewOut]


class NumberedOut(BaseModel):
    """The numbers a validation gave in one journal, first to last, without gaps."""

    model_config = _FROZEN

    journal_code: str
    first: str
    last: str
    count: int


class ValidationOut(BaseModel):
    """What validating a period did (zero counts and no time when there was nothing left to validate)."""

    model_config = _FROZEN

    period: PeriodOut
    validated_at: datetime | None
    entries_validated: int
    purchases_locked: int
    already_validated: int
    journals: list[NumberedOut]


class ExportOut(BaseModel):
    """A kept export: who made it and when, what it holds, and where to download the same bytes again."""

    model_config = _FROZEN

    id: int
    created_at: datetime
    created_by: str
    period: PeriodOut
    format: ExportFormat
    separator: FecSeparator | None
    filename: str
    content_type: str
    entry_count: int
    line_count: int
    total_debit: Decimal
    total_credit: Decimal
    left_out: int = Field(description="Entries of the period left out because they were not validated.")
    sha256: str
    size: int
    file: str = Field(description="The path to download the file from.")


class DocumentLinkOut(BaseModel):
    """A document behind an entry (of record, or the printed twin of an e-invoice), and its file's path."""

    model_config = _FROZEN

    id: int
    filename: str | None
    booking: str
    file: str


class PulledEntryOut(EntryOut):
    """A validated entry as accounting software pulls it, with links to its purchase and documents."""

    purchase: str
    documents: list[DocumentLinkOut]


class EntriesPageOut(BaseModel):
    """A page of validated entries; pull again with `cursor=next_cursor` (also later, for new ones)."""

    model_config = _FROZEN

    entries: list[PulledEntryOut]
    next_cursor: str | None = Field(description="Where the next pull starts; null before any entry.")
    has_more: bool = Field(description="True when more entries are there now.")


def period_out(start: date, end: date) -> PeriodOut:
    """The period as answered."""
    return PeriodOut(start=start, end=end)


def journals_out(journals: JournalsInProgress) -> JournalsOut:
    """The journals in progress as answered."""
    return JournalsOut(
        period=period_out(journals.period.start, journals.period.end),
        journals=[JournalCountOut.model_validate(count, from_attributes=True) for count in journals.journals],
        purchases_to_review=journals.to_review,
    )


def preview_out(preview: Preview) -> PreviewOut:
    """The preview as answered."""
    return PreviewOut(
        period=period_out(preview.period.start, preview.period.end),
        entry_count=preview.entry_count,
        total_debit=preview.total_debit,
        total_credit=preview.total_credit,
        purchases_to_review=preview.to_review,
        journals=[
            JournalPreviewOut(
                code=journal.code,
                label=journal.label,
                entry_count=len(journal.entries),
                total_debit=journal.total_debit,
                total_credit=journal.total_credit,
                entries=[entry_out(entry) for entry in journal.entries],
            )
            for journal in preview.journals
        ],
    )


def validation_out(validation: Validation) -> ValidationOut:
    """A validation as answered."""
    return ValidationOut(
        period=period_out(validation.period.start, validation.period.end),
        validated_at=validation.validated_at,
        entries_validated=validation.entries,
        purchases_locked=validation.purchases_locked,
        already_validated=validation.already_validated,
        journals=[NumberedOut.model_validate(n, from_attributes=True) for n in validation.journals],
    )


def export_out(record: ExportRecord, company_slug: str) -> ExportOut:
    """A kept export as answered, with the path of its file."""
    return ExportOut(
        id=record.id,
        created_at=record.created_at,
        created_by=record.created_by,
        period=period_out(record.period_start, record.period_end),
        format=record.format,
        separator=record.separator,
        filename=record.filename,
        content_type=record.content_type,
        entry_count=record.entry_count,
        line_count=record.line_count,
        total_debit=record.total_debit,
        total_credit=record.total_credit,
        left_out=record.left_out,
        sha256=record.sha256,
        size=record.size,
        file=f"{API}/companies/{company_slug}/exports/{record.id}/file",
    )


def pulled_out(pulled: PulledEntry, company_slug: str) -> PulledEntryOut:
    """A pulled entry as answered, with the paths of its purchase and of its documents' files."""
    base = f"{API}/companies/{company_slug}"
    return PulledEntryOut.model_validate(
        {
            **entry_fields(pulled.entry),
            "purchase": f"{base}/purchases/{pulled.entry.purchase_id}",
            "documents": [
                DocumentLinkOut(
                    id=document.id,
                    filename=document.filename,
                    booking=document.booking,
                    file=document_url(company_slug, document.id),
                )
                for document in pulled.documents
            ],
        }
    )


def page_out(page: Page, company_slug: str) -> EntriesPageOut:
    """A page of the pull as answered."""
    return EntriesPageOut(
        entries=[pulled_out(pulled, company_slug) for pulled in page.entries],
        next_cursor=page.next_cursor.encode() if page.next_cursor else None,
        has_more=page.has_more,
    )
