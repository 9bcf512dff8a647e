"""The entries of a period as read by accountants: journals with their counts, and the preview by journal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from purchases.accounts import ChartOfAccounts
from purchases.entries import EntryLineDraft
from purchases.errors import InvalidInputError
from store.purchase_models import CompanyBooks, JournalEntry, Purchase, PurchaseStatus

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Period:
    """A range of entry dates, both ends included."""

    start: date
    end: date

    @classmethod
    def of(cls, start: date, end: date) -> Period:
        """The period from start to end; InvalidInputError when it ends before it starts."""
        if end < start:
            raise InvalidInputError("period", f"{start}..{end}", "it ends before it starts")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


@dataclass(frozen=True)
class ToReview:
    """A purchase of the period still to review: it has no entry until an accountant fixes it."""

    id: int
    supplier_name: str | None
    invoice_number: str | None
    issue_date: date
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class JournalCount:
    """One journal and how many of its entries of the period are validated and not yet validated."""

    code: str
    label: str
    validated: int
    not_validated: int


@dataclass(frozen=True)
class JournalsInProgress:
    """The journals of a company over a period, and its purchases that have no entry yet (to review)."""

    period: Period
    journals: tuple[JournalCount, ...]
    to_review: int


@dataclass(frozen=True)
class EntryView:
    """One journal entry as shown: its header, its number and validation time once validated, its lines."""

    id: int
    purchase_id: int
    journal_code: str
    journal_label: str
    number: str | None
    entry_date: date
    piece_ref: str
    piece_date: date
    label: str
    validated_at: datetime | None
    lines: tuple[EntryLineDraft, ...]

    @property
    def total_debit(self) -> Decimal:
        """The sum of the debits."""
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        """The sum of the credits."""
        return sum((line.credit for line in self.lines), ZERO)


def entry_view(entry: JournalEntry) -> EntryView:
    """The typed view of a stored entry."""
    return EntryView(
        id=entry.id,
        purchase_id=entry.purchase_id,
        journal_code=entry.journal_code,
        journal_label=entry.journal_label,
        number=entry.number,
        entry_date=entry.entry_date,
        piece_ref=entry.piece_ref,
        piece_date=entry.piece_date,
        label=entry.label,
        validated_at=entry.validated_at,
        lines=tuple(
            EntryLineDraft(
                line.account,
                line.account_label,
                line.aux_account,
                line.aux_label,
                line.label,
                line.debit,
                line.credit,
            )
            for line in entry.lines
        ),
    )


@dataclass(frozen=True)
class JournalPreview:
    """One journal's entries of the period, with the totals of their lines."""

    code: str
    label: str
    entries: tuple[EntryView, ...]
    total_debit: Decimal
    total_credit: Decimal


@dataclass(frozen=True)
class Preview:
    """The entries of a period by journal, with debit and credit totals per journal and overall."""

    period: Period
    journals: tuple[JournalPreview, ...]
    to_review: int

    @property
    def entry_count(self) -> int:
        """How many entries the period has."""
        return sum(len(journal.entries) for journal in self.journals)

    @property
    def total_debit(self) -> Decimal:
        """The debits of every journal."""
        return sum((journal.total_debit for journal in self.journals), ZERO)

    @property
    def total_credit(self) -> Decimal:
        """The credits of every journal."""
        return sum((journal.total_credit for journal in self.journals), ZERO)


def entries_in(company_id: int, period: Period) -> Select[JournalEntry]:
    """The query of the company's entries dated within the period."""
    return select(JournalEntry).where(
        JournalEntry.company_id == company_id,
        JournalEntry.entry_date >= period.start,
        JournalEntry.entry_date <= period.end,
    )


def purchases_to_review(session: Session, company_id: int, period: Period) -> list[ToReview]:
    """The company's purchases issued within the period that are still to review, oldest first."""
    query = (
        select(Purchase)
        .where(Purchase.company_id == company_id, Purchase.status == PurchaseStatus.TO_REVIEW)
        .where(Purchase.issue_date >= period.start, Purchase.issue_date <= period.end)
        .order_by(Purchase.issue_date, Purchase.id)
    )
    return [
        ToReview(
            id=purchase.id,
            supplier_name=purchase.supplier_name,
            invoice_number=purchase.invoice_number,
            issue_date=purchase.issue_date,
            reasons=tuple(reason["message"] for reason in purchase.review_reasons),
        )
        for purchase in session.scalars(query)
        if purchase.issue_date is not None
    ]


def count_to_review(session: Session, company_id: int, period: Period) -> int:
    """How many of the company's purchases issued within the period are still to review."""
    query = (
        select(func.count(Purchase.id))
        .where(Purchase.company_id == company_id, Purchase.status == PurchaseStatus.TO_REVIEW)
        .where(Purchase.issue_date >= period.start, Purchase.issue_date <= period.end)
    )
    return int(session.scalar(query) or 0)


def journal_of(session: Session, company_id: int) -> tuple[str, str]:
    """The code and label of the company's purchase journal (the defaults until its books are set)."""
    books = session.get(CompanyBooks, company_id)
    if books is None:
        chart = ChartOfAccounts()
        return chart.journal_code, chart.journal_label
    return books.journal_code, books.journal_label


def journals_in_progress(session: Session, company_id: int, period: Period) -> JournalsInProgress:
    """Each journal with entries in the period (and the company's purchase journal, even without any)."""
    validated = JournalEntry.validated_at.is_not(None)
    query = (
        entries_in(company_id, period)
        .with_only_columns(
            JournalEntry.journal_code,
            func.max(JournalEntry.journal_label),
            func.count(JournalEntry.id).filter(validated),
            func.count(JournalEntry.id).filter(JournalEntry.validated_at.is_(None)),
        )
        .group_by(JournalEntry.journal_code)
    )
    counts = {
        code: JournalCount(code, label, int(done), int(pending))
        for code, label, done, pending in session.execute(query)
    }
    code, label = journal_of(session, company_id)
    counts.setdefault(code, JournalCount(code, label, 0, 0))
    return JournalsInProgress(
        period=period,
        journals=tuple(counts[key] for key in sorted(counts)),
        to_review=count_to_review(session, company_id, period),
    )


def preview(session: Session, company_id: int, period: Period) -> Preview:
    """The entries of the period (validated or not) by journal, in date order, with their totals."""
    query = entries_in(company_id, period).order_by(
        JournalEntry.journal_code, JournalEntry.entry_date, JournalEntry.id
    )
    by_journal: dict[str, list[EntryView]] = {}
    for entry in session.scalars(query):
        by_journal.setdefault(entry.journal_code, []).append(entry_view(entry))
    return Preview(
        period=period,
        journals=tuple(
            JournalPreview(
                code=code,
                label=entries[-1].journal_label,
                entries=tuple(entries),
                total_debit=sum((entry.total_debit for entry in entries), ZERO),
                total_credit=sum((entry.total_credit for entry in entries), ZERO),
            )
            for code, entries in by_journal.items()
        ),
        to_review=count_to_review(session, company_id, period),
    )
