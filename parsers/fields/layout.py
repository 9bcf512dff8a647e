"""Layout text as numbered lines and cells (text between wide gaps), folded for matching, columns kept."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from parsers.invoice import DocumentText

_SPECIAL = {
    "\u00ba": "\u00b0",  # masculine ordinal (nº) read as the degree sign of n°
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "`": "'",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\t": " ",
}
_CELL_PATTERNS = {gap: re.compile(rf"\S+(?: {{1,{gap - 1}}}\S+)*") for gap in (2, 3, 4)}


@functools.cache
def _fold_char(char: str) -> str:
    special = _SPECIAL.get(char)
    if special is not None:
        return special
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base if len(base) == 1 else char


def fold(text: str) -> str:
    """Lower case without accents, one character for one character, so positions stay valid."""
    return "".join(_fold_char(char) for char in text)


def squeeze(text: str) -> str:
    """Letters and digits only, folded: what two spellings of one name have in common."""
    return "".join(char for char in fold(text) if char.isalnum())


@dataclass(frozen=True)
class Cell:
    """A run of text on one line between gaps of several spaces, with its columns [start, end)."""

    line: int
    start: int
    end: int
    text: str

    def overlaps(self, start: int, end: int) -> bool:
        """Whether the cell shares a column with [start, end)."""
        return self.start < end and start < self.end


@dataclass(frozen=True)
class Line:
    """One line of text: its index in the document, its page, the raw text and its folded twin."""

    index: int
    page: int
    text: str
    folded: str

    @property
    def blank(self) -> bool:
        """Whether the line holds nothing but spaces."""
        return not self.folded.strip()


@dataclass(frozen=True)
class Layout:
    """Every line of a document, pages one after the other."""

    lines: tuple[Line, ...]

    def cells(self, index: int, gap: int = 2) -> tuple[Cell, ...]:
        """The cells of a line, split on runs of at least `gap` spaces (2, 3 or 4)."""
        line = self.lines[index]
        return tuple(
            Cell(index, match.start(), match.end(), line.text[match.start() : match.end()])
            for match in _CELL_PATTERNS[gap].finditer(line.folded)
        )

    def cell_at(self, index: int, column: int, gap: int = 2) -> Cell | None:
        """The cell of a line that covers a column, if any."""
        for cell in self.cells(index, gap):
            if cell.start <= column < cell.end:
                return cell
        return None

    def next_lines(self, index: int, count: int) -> tuple[Line, ...]:
        """Up to `count` non-blank lines after a line, on the same page."""
        page = self.lines[index].page
        found: list[Line] = []
        for line in self.lines[index + 1 :]:
            if line.page != page or len(found) == count:
                break
            if not line.blank:
                found.append(line)
        return tuple(found)

    def page_lines(self, page: int) -> tuple[Line, ...]:
        """The lines of one page."""
        return tuple(line for line in self.lines if line.page == page)


def read_layout(document: DocumentText) -> Layout:
    """Split a document into lines (form feeds inside a page's text also start a new page)."""
    lines: list[Line] = []
    page_number = 0
    for page in document.pages:
        for chunk in page.text.split("\f"):
            page_number += 1
            for raw in chunk.splitlines():
                text = raw.replace("\t", " ").rstrip()
                lines.append(Line(len(lines), page_number, text, fold(text)))
    return Layout(tuple(lines))


def cell_text(text: str) -> str:
    """A value cleaned for output: inner runs of spaces collapsed, edges and trailing separators trimmed."""
    return re.sub(r"\s+", " ", text).strip(" ,;:-\u2013\u2014|")
