"""Validating a period: its entries get their number (EcritureNum) and validation time, its purchases lock.

Numbers run per company and journal, the journal code then a sequence of six digits or more (`HA000001`),
without gaps, in entry-date then id order within one validation, continuing after the last number given.
One validation stamps all its entries with the same time; that time is later than any earlier validation of
the company, even if the clock stepped back, so that the entries pull (ordered by validation time, then id)
never shows an entry before one validated earlier. A period with purchases still to review is refused: they
have no entry yet, and closing the period would leave them out of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from purchases.editing import lock
from purchases.errors import ConflictError
from purchases.journals import Period, ToReview, entries_in, purchases_to_review
from store.models import Company
from store.purchase_models import JournalEntry, Purchase

SEQUENCE_DIGITS = 6
"""Digits of the sequence after the journal code (more once a journal passes 999 999 entries)."""
TICK = timedelta(microseconds=1)


class PurchasesToReviewError(ConflictError):
    """A period cannot be validated while some of its purchases are still to review (they have no entry)."""

    def __init__(self, period: Period, purchases: list[ToReview]) -> None:
        listed = ", ".join(f"{p.id} ({p.invoice_number or 'no number'})" for p in purchases[:10])
        more = f" and {len(purchases) - 10} more" if len(purchases) > 10 else ""
        super().__init__(
            f"{len(purchases)} purchase(s) issued from {period} are still to review: {listed}{more}; "
            "review them (or change their date) before validating the period"
        )
        self.period = period
        self.purchases = purchases


@dataclass(frozen=True)
class Numbered:
    """The numbers one validation gave in one journal."""

    journal_code: str
    first: str
    last: str
    count: int


@dataclass(frozen=True)
class Validation:
    """What validating a period did: when, how many entries (by journal) and purchases it locked."""

    period: Period
    validated_at: datetime | None
    """None when the period had no entry left to validate."""
    entries: int
    purchases_locked: int
    journals: tuple[Numbered, ...]
    already_validated: int
    """Entries of the period validated earlier, left as they were."""


def entry_number(journal_code: str, sequence: int) -> str:
    """The EcritureNum of the sequence-th entry of a journal, e.g. `HA000042`."""
    return f"{journal_code}{sequence:0{SEQUENCE_DIGITS}d}"


def last_sequence(session: Session, company_id: int, journal_code: str) -> int:
    """The sequence of the last number given in the company's journal (0 before the first)."""
    query = (
        select(JournalEntry.number)
        .where(JournalEntry.company_id == company_id, JournalEntry.journal_code == journal_code)
        .where(JournalEntry.number.is_not(None))
        .order_by(func.length(JournalEntry.number).desc(), JournalEntry.number.desc())
        .limit(1)
    )
    number = session.scalar(query)
    return 0 if number is None else int(number[len(journal_code) :])


def validation_time(session: Session, company_id: int, now: datetime) -> datetime:
    """now, or just after the company's last validation if the clock says otherwise."""
    last = session.scalar(
        select(func.max(JournalEntry.validated_at)).where(JournalEntry.company_id == company_id)
    )
    return now if last is None or now > last else last + TICK


def validate_period(session: Session, company_id: int, period: Period, now: datetime) -> Validation:
    """Numbers, stamps and locks every entry of the period not validated yet, with its purchase.

    Raises PurchasesToReviewError when purchases issued in the period are still to review. Holds the
    company's row (on databases that lock rows) so that two validations of one company run one at a time.
    """
    session.execute(select(Company.id).where(Company.id == company_id).with_for_update())
    waiting = purchases_to_review(session, company_id, period)
    if waiting:
        raise PurchasesToReviewError(period, waiting)
    query = entries_in(company_id, period)
    pending = list(
        session.scalars(
            query.where(JournalEntry.validated_at.is_(None)).order_by(
                JournalEntry.entry_date, JournalEntry.id
            )
        )
    )
    done = session.scalar(
        query.with_only_columns(func.count(JournalEntry.id)).where(JournalEntry.validated_at.is_not(None))
    )
    if not pending:
        return Validation(period, None, 0, 0, (), int(done or 0))
    at = validation_time(session, company_id, now)
    journals: dict[str, list[JournalEntry]] = {}
    for entry in pending:
        journals.setdefault(entry.journal_code, []).append(entry)
    numbered = tuple(_number(session, company_id, code, journals[code], at) for code in sorted(journals))
    session.flush()
    stamped = select(JournalEntry.purchase_id).where(
        JournalEntry.company_id == company_id, JournalEntry.validated_at == at
    )
    locked = 0
    for purchase in session.scalars(select(Purchase).where(Purchase.id.in_(stamped))):
        locked += purchase.locked_at is None
        lock(purchase, at)
    session.flush()
    return Validation(period, at, len(pending), locked, numbered, int(done or 0))


def _number(
    session: Session, company_id: int, code: str, entries: list[JournalEntry], at: datetime
) -> Numbered:
    start = last_sequence(session, company_id, code) + 1
    for offset, entry in enumerate(entries):
        entry.number = entry_number(code, start + offset)
        entry.validated_at = at
    return Numbered(
        code, entry_number(code, start), entry_number(code, start + len(entries) - 1), len(entries)
    )
