"""SQL aggregates shared by the dashboards: conditional counts, money sums, and the euro test."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, type_coerce

from store.models import Money


def count_where(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """How many rows of the group meet the condition (0 for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def money_sum(amount: ColumnElement[Any]) -> ColumnElement[Any]:
    """The sum of an amount column of the group (zero when all are NULL), read back as a Decimal."""
    return type_coerce(func.coalesce(func.sum(amount), 0), Money())


def in_euros(currency: Any) -> ColumnElement[bool]:
    """Whether a currency column says euros (or nothing, which is read as euros)."""
    return or_(currency.is_(None), func.upper(currency) == "EUR")
