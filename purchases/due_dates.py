"""The due date of a purchase: pushed or printed when known, else derived from terms or the 30-day default.

Order: the date pushed by a platform, the printed date, the supplier's payment terms counted from the issue
date, the legal default (issue date + 30 days). Any date past the legal ceiling of Code de commerce L441-10
(60 days from issue, or 45 days end of month) or before the issue date is kept but carries a warning.
"""

from __future__ import annotations

import calendar
import datetime
import enum
from dataclasses import dataclass

from purchases.errors import InvalidInputError

LEGAL_DEFAULT_DAYS = 30
"""Days after issue when nothing is printed and no terms are known (domain.md §4)."""
CEILING_DAYS = 60
"""L441-10: at most 60 days from the issue date..."""
CEILING_DAYS_END_OF_MONTH = 45
"""...or 45 days end of month, whichever is later."""
MAX_TERMS_DAYS = 365
NO_ISSUE_DATE = "no issue date: the due date cannot be derived"


class DueDateSource(enum.StrEnum):
    """Where a due date comes from."""

    PUSHED = "pushed"
    """Given by the platform that pushed the document over HTTP."""
    PRINTED = "printed"
    """Printed on the invoice (or carried by its e-invoice XML)."""
    SUPPLIER_TERMS = "supplier_terms"
    """Derived from the supplier's payment terms and the issue date."""
    LEGAL_DEFAULT = "legal_default"
    """Derived: issue date + 30 days."""

    @property
    def derived(self) -> bool:
        """True when the date was computed rather than given."""
        return self in (DueDateSource.SUPPLIER_TERMS, DueDateSource.LEGAL_DEFAULT)


class TermsConvention(enum.StrEnum):
    """How "N jours fin de mois" is counted: both readings exist in practice, so it is a setting."""

    DAYS_THEN_END_OF_MONTH = "days_then_end_of_month"
    """Issue date + N days, then the end of that month (the default)."""
    END_OF_MONTH_THEN_DAYS = "end_of_month_then_days"
    """End of the issue month, then + N days."""


@dataclass(frozen=True)
class PaymentTerms:
    """A supplier's payment terms: N days, optionally "fin de mois"."""

    days: int
    end_of_month: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.days <= MAX_TERMS_DAYS:
            raise InvalidInputError("payment terms", str(self.days), f"days must be 0 to {MAX_TERMS_DAYS}")


@dataclass(frozen=True)
class DueDate:
    """The due date chosen for a purchase (None when it cannot be known), its source, and warnings."""

    date: datetime.date | None
    source: DueDateSource
    warnings: tuple[str, ...] = ()

    @property
    def derived(self) -> bool:
        """True when the date was computed rather than given."""
        return self.source.derived


def end_of_month(day: datetime.date) -> datetime.date:
    """The last day of the month of `day` (February of leap years included)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def apply_terms(
    issue_date: datetime.date,
    terms: PaymentTerms,
    convention: TermsConvention = TermsConvention.DAYS_THEN_END_OF_MONTH,
) -> datetime.date:
    """The due date that `terms` give for an invoice issued on `issue_date`."""
    days = datetime.timedelta(days=terms.days)
    if not terms.end_of_month:
        return issue_date + days
    if convention is TermsConvention.END_OF_MONTH_THEN_DAYS:
        return end_of_month(issue_date) + days
    return end_of_month(issue_date + days)


def legal_ceiling(
    issue_date: datetime.date,
    convention: TermsConvention = TermsConvention.DAYS_THEN_END_OF_MONTH,
) -> datetime.date:
    """The latest lawful due date: the later of issue + 60 days and 45 days end of month (L441-10)."""
    sixty_days = issue_date + datetime.timedelta(days=CEILING_DAYS)
    end_of_month_45 = apply_terms(
        issue_date, PaymentTerms(CEILING_DAYS_END_OF_MONTH, end_of_month=True), convention
    )
    return max(sixty_days, end_of_month_45)


def due_date(
    *,
    issue_date: datetime.date | None,
    printed: datetime.date | None = None,
    pushed: datetime.date | None = None,
    terms: PaymentTerms | None = None,
    convention: TermsConvention = TermsConvention.DAYS_THEN_END_OF_MONTH,
) -> DueDate:
    """The due date: pushed > printed > supplier terms > legal default, with legal-ceiling warnings."""
    if pushed is not None:
        when, source = pushed, DueDateSource.PUSHED
    elif printed is not None:
        when, source = printed, DueDateSource.PRINTED
    elif issue_date is None:
        return DueDate(None, DueDateSource.LEGAL_DEFAULT, (NO_ISSUE_DATE,))
    elif terms is not None:
        when, source = apply_terms(issue_date, terms, convention), DueDateSource.SUPPLIER_TERMS
    else:
        when = issue_date + datetime.timedelta(days=LEGAL_DEFAULT_DAYS)
        source = DueDateSource.LEGAL_DEFAULT
    return DueDate(when, source, _warnings(when, issue_date, convention))


def _warnings(
    when: datetime.date, issue_date: datetime.date | None, convention: TermsConvention
) -> tuple[str, ...]:
    if issue_date is None:
        return ()
    if when < issue_date:
        return (f"due date {when.isoformat()} is before the issue date {issue_date.isoformat()}",)
    ceiling = legal_ceiling(issue_date, convention)
    if when > ceiling:
        return (
            f"due date {when.isoformat()} is past the legal ceiling {ceiling.isoformat()} "
            f"({CEILING_DAYS} days from issue, or {CEILING_DAYS_END_OF_MONTH} days end of month)",
        )
    return ()
