"""The pages' figures for people: French amounts (`1 234,56 €`) and bar charts as inline SVG geometry.

Charts are drawn on the server: a `Chart` holds the position of every bar and label, and the template writes
them as SVG elements (no JavaScript, nothing fetched). Each bar carries its exact value (`data-value`) and a
tooltip (`<title>`). Negative values (a month of credit notes) hang below the zero line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from purchases.cash_out import CashOut
from purchases.dashboard import Month, MonthTotals

NARROW_NBSP = "\u202f"
"""Thousands separator of French amounts."""
NBSP = "\u00a0"
"""Between an amount and its currency sign."""
DASH = "\u2013"
"""What is shown for no value."""
MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def euros(amount: Decimal | None) -> str:
    """An amount in French: `1 234,56 €`, `-120,00 €`; a dash for no amount."""
    if amount is None:
        return DASH
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    return f"{sign}{count(int(whole))},{cents}{NBSP}€"


def count(value: int) -> str:
    """A count in French (`1 234`)."""
    return f"{value:,}".replace(",", NARROW_NBSP)


def percent(value: float | Decimal | None) -> str:
    """A share or change in French: `12,5 %`; a dash for none."""
    if value is None:
        return DASH
    return f"{value:.1f}".replace(".", ",") + f"{NBSP}%"


def month_name(month: Month) -> str:
    """`novembre 2026`."""
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def short_day(day: date) -> str:
    """`23/11`."""
    return f"{day:%d/%m}"


@dataclass(frozen=True)
class Bar:
    """One bar: its box, its kind (CSS class), its exact value and its tooltip."""

    x: float
    y: float
    width: float
    height: float
    kind: str
    value: Decimal
    title: str

    @property
    def data_value(self) -> str:
        """The exact value, as the API writes amounts (`1234.56`)."""
        return f"{self.value:.2f}"


@dataclass(frozen=True)
class Label:
    """A text at a point, anchored at its middle."""

    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    """A bar chart: its size, the y of the zero line, the bars, the labels under them and the scale."""

    width: float
    height: float
    zero: float
    bars: tuple[Bar, ...]
    labels: tuple[Label, ...]
    scale: tuple[Label, ...]


@dataclass(frozen=True)
class _Frame:
    """Where bars go: a plot area [top, bottom] in pixels for values [low, high]."""

    low: Decimal
    high: Decimal
    top: float = 16
    bottom: float = 176

    def y(self, value: Decimal) -> float:
        span = self.high - self.low
        return round(self.top + float((self.high - value) / span) * (self.bottom - self.top), 2)

    def bar(self, x: float, width: float, value: Decimal, *, kind: str, title: str) -> Bar:
        """A bar from zero to value."""
        upper, lower = self.y(max(value, Decimal(0))), self.y(min(value, Decimal(0)))
        return Bar(x, upper, width, round(lower - upper, 2), kind, value, title)


def _frame(values: Sequence[Decimal]) -> _Frame:
    high, low = max([Decimal(0), *values]), min([Decimal(0), *values])
    if high == low:
        high = Decimal(1)
    return _Frame(low, high)


LEFT = 8.0
"""Space left of the first group of bars."""
HEIGHT = 200.0
"""Height of every chart, labels included."""
SCALE = 72.0
"""Width of the scale column right of the bars."""


def months_chart(series: Sequence[MonthTotals]) -> Chart:
    """The totals excluding tax of each month (dark) beside the same month a year earlier (light)."""
    frame = _frame([v for p in series for v in (p.figures.current.excl_tax, p.figures.previous.excl_tax)])
    group, bar = 56.0, 22.0
    bars: list[Bar] = []
    labels: list[Label] = []
    for index, point in enumerate(series):
        x = LEFT + 4 + index * group
        for offset, kind, totals, month in (
            (0.0, "previous", point.figures.previous, point.month.shifted(-12)),
            (bar, "current", point.figures.current, point.month),
        ):
            title = f"{month_name(month)} : {euros(totals.excl_tax)} HT"
            bars.append(frame.bar(x + offset, bar, totals.excl_tax, kind=kind, title=title))
        text = f"{MONTHS[point.month.month - 1]} {point.month.year % 100:02d}"
        labels.append(Label(x + bar, HEIGHT - 6, text))
    return _chart(LEFT * 2 + group * len(series), frame, bars, labels)


def weeks_chart(cash: CashOut) -> Chart:
    """Cash-out by week: what is overdue first (red), then each week's pending payments."""
    frame = _frame([cash.overdue.amount, *(week.due.amount for week in cash.weeks)])
    step, bar = 64.0, 40.0
    overdue = cash.overdue
    title = f"en retard : {euros(overdue.amount)} ({overdue.payments} paiement(s))"
    bars = [frame.bar(LEFT + 12, bar, overdue.amount, kind="overdue", title=title)]
    labels = [Label(LEFT + 12 + bar / 2, HEIGHT - 6, "en retard")]
    for index, week in enumerate(cash.weeks, start=1):
        x = LEFT + 12 + index * step
        due = week.due
        title = f"semaine du {short_day(week.start)} : {euros(due.amount)} ({due.payments} paiement(s))"
        bars.append(frame.bar(x, bar, due.amount, kind="week", title=title))
        labels.append(
            Label(x + bar / 2, HEIGHT - 6, f"S{week.start.isocalendar()[1]:02d} {short_day(week.start)}")
        )
    return _chart(LEFT * 2 + 24 + step * (len(cash.weeks) + 1), frame, bars, labels)


def _chart(width: float, frame: _Frame, bars: list[Bar], labels: list[Label]) -> Chart:
    """The chart with a column on its right for the scale: the highest value, and the lowest when negative."""
    width += SCALE
    scale: tuple[Label, ...] = (Label(width - 4, frame.top + 4, euros(frame.high)),)
    if frame.low < 0:
        scale += (Label(width - 4, frame.bottom, euros(frame.low)),)
    return Chart(width, HEIGHT, frame.y(Decimal(0)), tuple(bars), tuple(labels), scale)
