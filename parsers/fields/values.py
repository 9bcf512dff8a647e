"""Values read next to a label (right of it on its line, or under it in its column) and scored candidates."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from parsers.fields.amounts import Amount, find_amounts
from parsers.fields.dates import DateMatch, DateOrder, find_dates
from parsers.fields.labels import LabelHit, Labels
from parsers.fields.layout import Cell, Layout

T = TypeVar("T", bound=Hashable)


class Spanned(Protocol):
    """Something printed at columns [start, end) of a line."""

    @property
    def start(self) -> int:
        """The first column."""

    @property
    def end(self) -> int:
        """The column after the last."""


S = TypeVar("S", bound=Spanned)
BELOW_LINES = 3
_COLUMN_SLACK = 3


@dataclass(frozen=True)
class Candidate(Generic[T]):
    """A possible value of a field, how much the way it was found is trusted (0..1), and its line."""

    value: T
    score: float
    line: int


def merge(candidates: Iterable[Candidate[T]], *, repeat_bonus: float = 0.1) -> tuple[Candidate[T], ...]:
    """One candidate per value, best first: its best score plus a bonus each time it is found again."""
    merged: dict[T, Candidate[T]] = {}
    for candidate in candidates:
        seen = merged.get(candidate.value)
        if seen is None:
            merged[candidate.value] = candidate
            continue
        top, low = (seen, candidate) if seen.score >= candidate.score else (candidate, seen)
        score = min(1.0, top.score + repeat_bonus * min(low.score, 1.0))
        merged[candidate.value] = Candidate(top.value, score, min(seen.line, candidate.line))
    return tuple(sorted(merged.values(), key=lambda item: (-item.score, item.line)))


def best(candidates: Iterable[Candidate[T]], *, repeat_bonus: float = 0.1) -> Candidate[T] | None:
    """The best value (see `merge`); ties go to the one found first."""
    ranked = merge(candidates, repeat_bonus=repeat_bonus)
    return ranked[0] if ranked else None


def right_text(layout: Layout, labels: Labels, hit: LabelHit) -> str:
    """The text after a label up to the next label, without leading separators, cut at a wide gap."""
    text = layout.lines[hit.line].text[hit.end : labels.region_end(hit)]
    text = re.sub(r"^[\s:#.\-=]+", "", text)
    return re.split(r"\s{2,}", text, maxsplit=1)[0].strip()


def _label_span(layout: Layout, hit: LabelHit) -> tuple[int, int]:
    """The columns a label heads: its own, or its whole cell when the label ends the cell."""
    cell = layout.cell_at(hit.line, hit.start)
    if cell is not None and not layout.lines[hit.line].folded[hit.end : cell.end].strip():
        return cell.start, hit.end
    return hit.start, hit.end


def cells_below(layout: Layout, hit: LabelHit, count: int = BELOW_LINES) -> tuple[Cell, ...]:
    """The cells under a label in the next non-blank lines (nearest line first)."""
    start, end = _label_span(layout, hit)
    return tuple(
        cell
        for line in layout.next_lines(hit.line, count)
        for cell in layout.cells(line.index)
        if cell.overlaps(start, end)
    )


def amounts_right(layout: Layout, labels: Labels, hit: LabelHit) -> tuple[Amount, ...]:
    """The amounts after a label on its line, before the next label."""
    limit = labels.region_end(hit)
    return tuple(
        amount
        for amount in find_amounts(layout.lines[hit.line].text)
        if amount.start >= hit.end and amount.end <= limit
    )


def _nearest(hit: LabelHit, spans: Sequence[tuple[int, int]]) -> int | None:
    """The index of the span under a label (with some slack), nearest to its middle."""
    middle = (hit.start + hit.end) / 2
    under = [
        (abs((left + right) / 2 - middle), index)
        for index, (left, right) in enumerate(spans)
        if left < hit.end + _COLUMN_SLACK and hit.start - _COLUMN_SLACK < right
    ]
    return min(under)[1] if under else None


def _below(layout: Layout, hit: LabelHit, finder: Callable[[str], Sequence[S]]) -> tuple[int, S] | None:
    """The first thing under a label in the next few lines, with its line."""
    for line in layout.next_lines(hit.line, BELOW_LINES):
        found = finder(line.text)
        index = _nearest(hit, [(item.start, item.end) for item in found])
        if index is not None:
            return line.index, found[index]
    return None


def amount_below(layout: Layout, hit: LabelHit) -> tuple[int, Amount] | None:
    """The amount printed under a label (header row above a row of values), with its line."""
    return _below(layout, hit, find_amounts)


def dates_right(layout: Layout, labels: Labels, hit: LabelHit, order: DateOrder) -> tuple[DateMatch, ...]:
    """The dates after a label on its line, before the next label."""
    limit = labels.region_end(hit)
    found = find_dates(layout.lines[hit.line].text, order)
    return tuple(match for match in found if match.start >= hit.end and match.end <= limit)


def date_below(layout: Layout, hit: LabelHit, order: DateOrder) -> tuple[int, DateMatch] | None:
    """The date printed under a label, with its line."""
    return _below(layout, hit, lambda text: find_dates(text, order))
