"""Admin API, dashboards: a company's month in numbers (JSON); its page with charts is admin/pages.py.

Access: the dashboard needs VIEW. Its VAT figures are the company's "VAT and accounting pages": they are given
only to a caller with ACCOUNTING there (firm administrators, and the profiles whose accounting switch is on);
for the others every `vat` is null and `vat_shown` false, while counts and totals excluding and including tax
stay (the same totals every viewer sees on each purchase).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema
from sqlalchemy.orm import Session

from admin.api_access import CurrentCaller, ReadSession, company_for
from ingest.http_auth import CompanyRef
from ingest.http_push import ErrorBody
from ingest.tokens import Caller
from purchases.access import Permission, allowed, switches_for
from purchases.cash_out import Bucket, CashOut, Week
from purchases.dashboard import Breakdown, Compared, Dashboard, Month, Share, Totals, dashboard
from purchases.import_activity import Activity

_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (401, 403, 404, 422)}
router = APIRouter(prefix="/api/v1", tags=["dashboards"], responses=_ERRORS)
Viewed = Annotated[CompanyRef, Depends(company_for(Permission.VIEW))]
MONTH_PATTERN = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$"


def _two_places(value: Decimal) -> str:
    return f"{value:.2f}"


Amount = Annotated[
    Decimal,
    PlainSerializer(_two_places, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "examples": ["1234.56"]}, mode="serialization"
    ),
]
"""Euros as a string with two decimals ("1234.56", "-120.00"): exact, unlike a JSON number."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class TotalsOut(_Frozen):
    """Purchases of a period: counts, and euro amounts with credit notes negative."""

    purchases: int
    credit_notes: int
    to_review: int
    foreign_currency: int
    excl_tax: Amount
    vat: Amount | None
    """Null unless the caller has the accounting permission."""
    incl_tax: Amount

    @classmethod
    def of(cls, totals: Totals, vat: bool) -> TotalsOut:
        """The totals as the API shows them, VAT withheld unless `vat`."""
        return cls(
            purchases=totals.purchases,
            credit_notes=totals.credit_notes,
            to_review=totals.to_review,
            foreign_currency=totals.foreign_currency,
            excl_tax=totals.excl_tax,
            vat=totals.vat if vat else None,
            incl_tax=totals.incl_tax,
        )


class ComparedOut(_Frozen):
    """A period against the same period a year earlier, the change, and the growth excluding tax in %."""

    current: TotalsOut
    previous: TotalsOut
    change: TotalsOut
    growth_percent: float | None

    @classmethod
    def of(cls, compared: Compared, vat: bool) -> ComparedOut:
        """As the API shows it."""
        growth = compared.growth
        return cls(
            current=TotalsOut.of(compared.current, vat),
            previous=TotalsOut.of(compared.previous, vat),
            change=TotalsOut.of(compared.change, vat),
            growth_percent=None if growth is None else float(growth),
        )


class MonthOut(ComparedOut):
    """One month of the series (YYYY-MM)."""

    month: str


class ShareOut(ComparedOut):
    """A line of a breakdown: the charge account (key) and its PCG label, or the supplier's id and name."""

    key: str | None
    label: str | None

    @classmethod
    def of_share(cls, share: Share, vat: bool) -> ShareOut:
        """As the API shows it."""
        return cls(key=share.key, label=share.label, **dict(ComparedOut.of(share.figures, vat)))


class BreakdownOut(_Frozen):
    """The largest lines this month (by total excluding tax), then the others added up."""

    lines: list[ShareOut]
    others: ComparedOut
    others_count: int

    @classmethod
    def of(cls, breakdown: Breakdown, vat: bool) -> BreakdownOut:
        """As the API shows it."""
        return cls(
            lines=[ShareOut.of_share(line, vat) for line in breakdown.lines],
            others=ComparedOut.of(breakdown.others, vat),
            others_count=breakdown.others_count,
        )


class BucketOut(_Frozen):
    """Pending payments: how many, and how much in euros (credit notes negative)."""

    payments: int
    amount: Amount

    @classmethod
    def of(cls, bucket: Bucket) -> BucketOut:
        """As the API shows it."""
        return cls(payments=bucket.payments, amount=bucket.amount)


class WeekOut(BucketOut):
    """Pending payments due in one ISO week (Monday to Sunday)."""

    week: str
    start: date
    end: date

    @classmethod
    def of_week(cls, week: Week) -> WeekOut:
        """As the API shows it."""
        return cls(
            week=week.label,
            start=week.start,
            end=week.end,
            payments=week.due.payments,
            amount=week.due.amount,
        )


class CashOutOut(_Frozen):
    """Pending payments from `as_of`: overdue, by ISO week (the current one first), later, undated."""

    as_of: date
    overdue: BucketOut
    weeks: list[WeekOut]
    later: BucketOut
    undated: BucketOut
    foreign_currency: int

    @classmethod
    def of(cls, cash: CashOut) -> CashOutOut:
        """As the API shows it."""
        return cls(
            as_of=cash.as_of,
            overdue=BucketOut.of(cash.overdue),
            weeks=[WeekOut.of_week(week) for week in cash.weeks],
            later=BucketOut.of(cash.later),
            undated=BucketOut.of(cash.undated),
            foreign_currency=cash.foreign_currency,
        )


class ActivityOut(_Frozen):
    """What arrived in the month from a source platform, what became of it, and the share that failed."""

    platform: str
    messages: int
    repeated_messages: int
    refused_messages: int
    failed_messages: int
    documents: int
    purchases: int
    duplicates: int
    twins: int
    failed: int
    in_progress: int
    error_rate: float | None
    """(failed documents + failed messages) / (documents + failed messages), 0 to 1; null when nothing."""

    @classmethod
    def of(cls, activity: Activity) -> ActivityOut:
        """As the API shows it."""
        counts = {name: getattr(activity, name) for name in cls.model_fields if name != "error_rate"}
        return cls(**counts, error_rate=activity.error_rate)


class DashboardOut(_Frozen):
    """A company's month: totals against the same month a year earlier, the twelve months up to it, by
    account and by supplier, the cash-out ahead, and import activity by source platform."""

    company: str
    month: str
    vat_shown: bool
    totals: ComparedOut
    series: list[MonthOut]
    by_account: BreakdownOut
    by_supplier: BreakdownOut
    cash_out: CashOutOut
    imports: list[ActivityOut]
    imports_total: ActivityOut

    @classmethod
    def of(cls, slug: str, board: Dashboard, vat: bool) -> DashboardOut:
        """As the API shows it."""
        return cls(
            company=slug,
            month=str(board.month),
            vat_shown=vat,
            totals=ComparedOut.of(board.totals, vat),
            series=[
                MonthOut(month=str(point.month), **dict(ComparedOut.of(point.figures, vat)))
                for point in board.series
            ],
            by_account=BreakdownOut.of(board.by_account, vat),
            by_supplier=BreakdownOut.of(board.by_supplier, vat),
            cash_out=CashOutOut.of(board.cash_out),
            imports=[ActivityOut.of(activity) for activity in board.imports],
            imports_total=ActivityOut.of(board.imports_total),
        )


def vat_shown(session: Session, caller: Caller, company_id: int) -> bool:
    """Whether the caller sees the company's VAT figures (the accounting permission there)."""
    return allowed(caller.role, Permission.ACCOUNTING, switches_for(session, company_id))


@router.get("/companies/{company}/dashboard")
def show_dashboard(
    company: Viewed,
    caller: CurrentCaller,
    session: ReadSession,
    month: Annotated[
        str | None,
        Query(pattern=MONTH_PATTERN, description="The month, YYYY-MM (default: the current month)."),
    ] = None,
    top: Annotated[int, Query(ge=1, le=50, description="Lines of each breakdown before 'others'.")] = 10,
) -> DashboardOut:
    """The company's month in numbers.

    - `totals`: purchases dated in the month (issue date) against the same month a year earlier; credit notes
      count negatively in every amount; purchases in another currency are counted, not summed.
    - `series`: the twelve months up to this one, each against the year before.
    - `by_account`, `by_supplier`: the `top` largest lines by total excluding tax, then `others`.
    - `cash_out`: pending payments from today: overdue, the next eight ISO weeks, later, without due date.
    - `imports`: what arrived in the month (French time) by source platform, what became of it, error rate.

    VAT figures are null unless the caller has the accounting permission on the company (`vat_shown`)."""
    chosen = Month.parse(month) if month else Month.of(date.today())
    board = dashboard(session, company.id, chosen, date.today(), top)
    return DashboardOut.of(company.slug, board, vat_shown(session, caller, company.id))
