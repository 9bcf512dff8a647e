"""Column blocks: the cells stacked in one column under a label (a party's box) or above an identifier."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from parsers.fields.labels import Label, LabelHit, Labels
from parsers.fields.layout import Cell, Layout, Line

SLACK = 3
"""How many columns a cell may start left or right of the block's column."""
_MAX_GAP = 2
_MAX_LINES = 10
NAME_GAP = 3
"""Names are cut on wider gaps: titles in big fonts come out with double spaces ("Les Saveurs  du Port")."""


@dataclass(frozen=True)
class Zone:
    """A rectangle of the layout: lines [first, last], columns [start, end)."""

    first: int
    last: int
    start: int
    end: int

    def contains(self, line: int, column: int) -> bool:
        """Whether a position lies inside the zone."""
        return self.first <= line <= self.last and self.start <= column < self.end


def starts_at(layout: Layout, index: int, column: int) -> Cell | None:
    """The cell of a line that starts at a column (give or take `SLACK`)."""
    for cell in layout.cells(index, NAME_GAP):
        if abs(cell.start - column) <= SLACK:
            return cell
    return None


def _walk(layout: Layout, lines: Iterable[Line], page: int, column: int) -> tuple[Cell, ...]:
    """Cells starting at a column in successive lines, as long as the block goes on.

    Blank lines between the start and the first cell set the block's line spacing; a longer blank run ends
    it, and so do three text lines in a row with nothing at the column.
    """
    cells: list[Cell] = []
    spacing, blanks, gaps = _MAX_GAP, 0, 0
    for count, line in enumerate(lines):
        if line.page != page or count == _MAX_LINES:
            break
        if line.blank:
            blanks += 1
            if blanks > spacing:
                break
            continue
        cell = starts_at(layout, line.index, column)
        gaps = 0 if cell else gaps + 1
        if gaps > _MAX_GAP:
            break
        if cell:
            spacing = blanks if not cells else spacing
            cells.append(cell)
        blanks = 0
    return tuple(cells)


def block_below(layout: Layout, index: int, column: int) -> tuple[Cell, ...]:
    """The cells under a line in a column, top down."""
    page = layout.lines[index].page
    return _walk(layout, layout.lines[index + 1 :], page, column)


def block_above(layout: Layout, index: int, column: int) -> tuple[Cell, ...]:
    """The cells above a line in a column, nearest first."""
    page = layout.lines[index].page
    return _walk(layout, reversed(layout.lines[:index]), page, column)


def label_column(layout: Layout, hit: LabelHit) -> int:
    """The column a label heads: its own, or its cell's when it ends the cell ("... made in favor of")."""
    cell = layout.cell_at(hit.line, hit.start, NAME_GAP)
    if cell is not None and not layout.lines[hit.line].folded[hit.end : cell.end].strip():
        return cell.start
    return hit.start


def zones_under(layout: Layout, labels: Labels, kind: Label) -> tuple[Zone, ...]:
    """The boxes headed by labels of a kind ("Client", "Bill to"): label line down to the block's end."""
    zones = []
    for hit in labels.of(kind):
        column = label_column(layout, hit)
        cells = block_below(layout, hit.line, column)
        last = cells[-1].line if cells else hit.line
        end = max((cell.end for cell in cells), default=hit.end)
        zones.append(Zone(hit.line, last, column - SLACK, end))
    return tuple(zones)


def inside(zones: Iterable[Zone], line: int, column: int) -> bool:
    """Whether a position lies in any of the zones."""
    return any(zone.contains(line, column) for zone in zones)
