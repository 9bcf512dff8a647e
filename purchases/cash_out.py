"""Cash-out ahead: a company's pending payments by due date, overdue ones apart, then ISO week by week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from purchases.dashboard_sql import in_euros, money_sum
from store.purchase_models import Payment, PaymentStatus, Purchase

ZERO = Decimal("0.00")
WEEKS = 8
"""Weeks of cash-out shown ahead, the current ISO week first."""


@dataclass(frozen=True)
class Bucket:
    """Pending payments in a span of due dates: how many and how much (euros; credit notes negative)."""

    payments: int = 0
    amount: Decimal = ZERO


@dataclass(frozen=True)
class Week:
    """One ISO week of cash-out (`start` is its Monday)."""

    start: date
    due: Bucket

    @property
    def label(self) -> str:
        """The ISO week, e.g. 2026-W48."""
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def end(self) -> date:
        """Its Sunday."""
        return self.start + timedelta(days=6)


@dataclass(frozen=True)
class CashOut:
    """What is left to pay: overdue, then week by week, then later, and payments without a due date."""

    as_of: date
    overdue: Bucket
    weeks: tuple[Week, ...]
    later: Bucket
    undated: Bucket
    foreign_currency: int
    """Pending payments of purchases in another currency: counted in the buckets, not in the amounts."""


def cash_out(session: Session, company_id: int, today: date) -> CashOut:
    """Pending payments by due date: overdue, each of the next `WEEKS` ISO weeks, later, and undated."""
    monday = today - timedelta(days=today.weekday())
    due = Payment.due_date
    weeks = ((due < monday + timedelta(weeks=number + 1), number) for number in range(WEEKS))
    bucket = case((due.is_(None), -2), (due < today, -1), *weeks, else_=WEEKS)
    euro = in_euros(Purchase.currency)
    inner = (
        select(
            bucket.label("bucket"),
            Payment.id,
            case((euro, Payment.amount)).label("amount"),
            case((euro, 0), else_=1).label("foreign"),
        )
        .join(Purchase, Purchase.id == Payment.purchase_id)
        .where(Payment.company_id == company_id, Payment.status == PaymentStatus.PENDING)
        .subquery()
    )
    query = select(
        inner.c.bucket, func.count(inner.c.id), money_sum(inner.c.amount), func.sum(inner.c.foreign)
    ).group_by(inner.c.bucket)
    buckets: dict[int, Bucket] = {}
    foreign = 0
    for number, payments, amount, others in session.execute(query):
        buckets[number] = Bucket(payments, amount)
        foreign += others
    return CashOut(
        as_of=today,
        overdue=buckets.get(-1, Bucket()),
        weeks=tuple(
            Week(monday + timedelta(weeks=number), buckets.get(number, Bucket())) for number in range(WEEKS)
        ),
        later=buckets.get(WEEKS, Bucket()),
        undated=buckets.get(-2, Bucket()),
        foreign_currency=foreign,
    )
