"""Dashboards: a company's month in numbers, year on year, its cash-out ahead and its import activity.

Every figure comes from a few grouped SQL queries (one per table and grouping, never one per row). Rules:
- A purchase belongs to the month of its issue date (one without an issue date is in no month).
- Credit notes count negatively in every amount (their stored amounts are positive, their payments negative);
  counts count documents: `purchases` counts invoices and credit notes alike, `credit_notes` the latter.
- Amounts are in euros: a purchase in another currency is counted (`foreign_currency`) but left out of sums.
Gathered with the cash-out ahead (cash_out.py) and the month's import activity (import_activity.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    SQLColumnExpression,
    and_,
    case,
    cast,
    extract,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from parsers.invoice import DocumentType
from purchases.accounts import account_label
from purchases.cash_out import CashOut, cash_out
from purchases.dashboard_sql import count_where, in_euros, money_sum
from purchases.errors import InvalidInputError
from purchases.import_activity import Activity, import_activity
from store.purchase_models import Purchase, PurchaseStatus, Supplier

ZERO = Decimal("0.00")
SERIES = 12
"""Months in the series of totals (the month asked and the eleven before it)."""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 2 <= self.year <= 9998):
            raise InvalidInputError("month", f"{self.year}-{self.month}", "give a month as YYYY-MM")

    @classmethod
    def parse(cls, text: str) -> Month:
        """The month written YYYY-MM; InvalidInputError otherwise."""
        year, dash, month = text.strip().partition("-")
        if not (dash and len(year) == 4 and len(month) == 2 and year.isdigit() and month.isdigit()):
            raise InvalidInputError("month", text, "give a month as YYYY-MM")
        return cls(int(year), int(month))

    @classmethod
    def of(cls, day: date) -> Month:
        """The month a day is in."""
        return cls(day.year, day.month)

    def shifted(self, months: int) -> Month:
        """The month so many months later (earlier when negative)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        """Its first day."""
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """The first day of the next month (months are half-open ranges of days)."""
        return self.shifted(1).first_day

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Totals:
    """Purchases of a period: counts, and amounts in euros with credit notes negative."""

    purchases: int = 0
    credit_notes: int = 0
    to_review: int = 0
    foreign_currency: int = 0
    """Purchases in another currency: counted in `purchases`, left out of the amounts."""
    excl_tax: Decimal = ZERO
    vat: Decimal = ZERO
    incl_tax: Decimal = ZERO

    def __add__(self, other: Totals) -> Totals:
        return Totals(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Totals)})

    def __sub__(self, other: Totals) -> Totals:
        return Totals(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(Totals)})


@dataclass(frozen=True)
class Compared:
    """A period's totals against those of the same period a year earlier."""

    current: Totals
    previous: Totals

    @property
    def change(self) -> Totals:
        """Current minus previous, field by field."""
        return self.current - self.previous

    @property
    def growth(self) -> Decimal | None:
        """The change of the total excluding tax in percent (one decimal); None when last year's is zero."""
        if self.previous.excl_tax == 0:
            return None
        return (self.change.excl_tax * 100 / abs(self.previous.excl_tax)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Share:
    """One line of a breakdown: a charge account (key and PCG label) or a supplier (id and name)."""

    key: str | None
    """The charge account, or the supplier's id; None for purchases that have no supplier."""
    label: str | None
    figures: Compared


@dataclass(frozen=True)
class Breakdown:
    """The largest lines by total excluding tax this month, then all the others added up."""

    lines: tuple[Share, ...]
    others: Compared
    others_count: int
    """How many lines `others` adds up (0: nothing left out)."""


@dataclass(frozen=True)
class MonthTotals:
    """One month of the series."""

    month: Month
    figures: Compared


@dataclass(frozen=True)
class Dashboard:
    """A company's dashboard for one month."""

    company_id: int
    month: Month
    totals: Compared
    series: tuple[MonthTotals, ...]
    by_account: Breakdown
    by_supplier: Breakdown
    cash_out: CashOut
    imports: tuple[Activity, ...]

    @property
    def imports_total(self) -> Activity:
        """Import activity of every platform added up."""
        total = Activity("")
        for activity in self.imports:
            total = total + activity
        return total


def dashboard(session: Session, company_id: int, month: Month, today: date, top: int = 10) -> Dashboard:
    """The company's dashboard for the month; cash-out is counted from today."""
    series = month_series(session, company_id, month)
    return Dashboard(
        company_id=company_id,
        month=month,
        totals=series[-1].figures,
        series=series,
        by_account=by_account(session, company_id, month, top),
        by_supplier=by_supplier(session, company_id, month, top),
        cash_out=cash_out(session, company_id, today),
        imports=import_activity(session, company_id, month.first_day, month.end),
    )


def _totals_columns(c: Any) -> list[ColumnElement[Any]]:
    """The columns of `Totals` over the purchases columns c (credit notes negative, euros only)."""
    credit = c.document_type == DocumentType.CREDIT_NOTE.value
    euro = in_euros(c.currency)
    columns: list[ColumnElement[Any]] = [
        func.count(c.id).label("purchases"),
        count_where(credit).label("credit_notes"),
        count_where(c.status == PurchaseStatus.TO_REVIEW).label("to_review"),
        count_where(~euro).label("foreign_currency"),
    ]
    for name, column in (
        ("excl_tax", c.total_excl_tax),
        ("vat", c.total_tax),
        ("incl_tax", c.total_incl_tax),
    ):
        columns.append(money_sum(case((euro, case((credit, -column), else_=column)))).label(name))
    return columns


_COLUMNS = (
    Purchase.id,
    Purchase.document_type,
    Purchase.status,
    Purchase.currency,
    Purchase.total_excl_tax,
    Purchase.total_tax,
    Purchase.total_incl_tax,
)
"""The columns of a purchase that its totals are made of."""


def _totals(row: Row[Any]) -> Totals:
    values = row._mapping
    return Totals(**{f.name: values[f.name] for f in fields(Totals)})


def _grouped(
    session: Session, company_id: int, months: Iterable[Month], keys: Mapping[str, SQLColumnExpression[Any]]
) -> list[Row[Any]]:
    """The totals of the company's purchases dated in the months, grouped by keys, in one query.

    The keys are computed in a subquery and grouped on by name, so that PostgreSQL sees the same expression
    in SELECT and GROUP BY (a key with bound dates would otherwise appear twice with different parameters)."""
    dated = [and_(Purchase.issue_date >= m.first_day, Purchase.issue_date < m.end) for m in months]
    inner = (
        select(*_COLUMNS, *(key.label(name) for name, key in keys.items()))
        .outerjoin(Supplier, Supplier.id == Purchase.supplier_id)
        .where(Purchase.company_id == company_id, or_(*dated))
        .subquery()
    )
    grouping = [inner.c[name] for name in keys]
    return list(session.execute(select(*grouping, *_totals_columns(inner.c)).group_by(*grouping)))


def month_series(session: Session, company_id: int, month: Month) -> tuple[MonthTotals, ...]:
    """The totals of the month and the eleven before it, each against the year before (one query)."""
    months = [month.shifted(-back) for back in range(SERIES - 1, -1, -1)]
    keys = {
        "year": cast(extract("year", Purchase.issue_date), Integer),
        "month": cast(extract("month", Purchase.issue_date), Integer),
    }
    rows = _grouped(session, company_id, [*(m.shifted(-12) for m in months), *months], keys)
    found = {Month(row.year, row.month): _totals(row) for row in rows}
    return tuple(
        MonthTotals(m, Compared(found.get(m, Totals()), found.get(m.shifted(-12), Totals()))) for m in months
    )


def by_account(session: Session, company_id: int, month: Month, top: int = 10) -> Breakdown:
    """The month against a year earlier by charge account: the top accounts, then the others."""
    keys = {"key": Purchase.charge_account, "current": Purchase.issue_date >= month.first_day}
    rows = _grouped(session, company_id, (month, month.shifted(-12)), keys)
    return _breakdown(((row.key, account_label(row.key), row.current, _totals(row)) for row in rows), top)


def by_supplier(session: Session, company_id: int, month: Month, top: int = 10) -> Breakdown:
    """The month against a year earlier by supplier: the top suppliers, then the others."""
    keys = {
        "key": Purchase.supplier_id,
        "label": Supplier.name,
        "current": Purchase.issue_date >= month.first_day,
    }
    rows = _grouped(session, company_id, (month, month.shifted(-12)), keys)
    lines = (
        (None if row.key is None else str(row.key), row.label, row.current, _totals(row)) for row in rows
    )
    return _breakdown(lines, top)


def _breakdown(lines: Iterable[tuple[str | None, str | None, bool, Totals]], top: int) -> Breakdown:
    """Lines by key, largest total excluding tax this month first (then last year's), the rest as others."""
    found: dict[str | None, tuple[str | None, dict[bool, Totals]]] = {}
    for key, label, current, totals in lines:
        found.setdefault(key, (label, {}))[1][bool(current)] = totals
    shares = [
        Share(key, label, Compared(periods.get(True, Totals()), periods.get(False, Totals())))
        for key, (label, periods) in found.items()
    ]
    shares.sort(
        key=lambda s: (-s.figures.current.excl_tax, -s.figures.previous.excl_tax, s.label or "", s.key or "")
    )
    rest = shares[top:]
    others = Compared(
        sum((s.figures.current for s in rest), Totals()), sum((s.figures.previous for s in rest), Totals())
    )
    return Breakdown(tuple(shares[:top]), others, len(rest))
