"""The PDF text layer: pdfium's characters laid out in lines by position, and when OCR must take over instead.

Why pdfium characters and not pdfplumber: measured on the 9 fixtures/invoices/*.pdf and the 27 PDFs of
../shared/corpus/dev (2-core VM, one process; "on a line" = HT, TVA and TTC totals of the truth files found on
a line with a total label):

| reader                                 | docs/s | on a line | why not                                      |
|----------------------------------------|-------:|----------:|----------------------------------------------|
| pypdfium2 `get_text_range()`           |    540 |    99/105 | content-stream order splits label and amount |
| `pdftotext -layout` (a process each)   |     85 |   102/105 | a process per document, no per-page data     |
| pdfplumber `extract_text()`            |     18 |         - | no layout; 8x slower than this module        |
| pdfplumber `extract_text(layout=True)` |     17 |   102/105 | slow; splits kerned words ("F actuurnummer") |
| this module                            |    150 |   102/105 |                                              |

(The 3 misses are one table whose labels head the columns above the amounts.) Each character's box,
baseline and angle come from pdfium (a few ctypes calls per character); characters are cut into runs at
pdfium's line ends and at wide gaps, and runs go on the line of their baseline at a column proportional to
their x position, like `pdftotext -layout`. Text turned by quarter turns is laid out in its own direction,
after the main text. pdfplumber is not used.

Page limit: a PDF over max_pages pages is refused (TooManyPagesError), not read in part: an invoice's totals
are on its last page, so its first pages alone would make a wrong purchase; such a file is a catalogue, a
statement or a batch of invoices, for a person to look at.
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

from parsers.errors import ParseError
from parsers.invoice import DocumentText, Method, PageText

PDFIUM_LOCK = threading.RLock()
"""pdfium is not thread-safe, even across documents (4 threads without it segfault): every call holds it."""
MIN_PAGE_CHARS = 25
"""A page with fewer letters and digits than this has no usable text layer (a scan, maybe with a stamp)."""
MAX_GARBAGE_RATIO = 0.2
"""A page where more than this share of characters is unreadable ((cid:n), U+FFFD, private use) needs OCR."""
SAME_LINE = 0.4
"""Runs whose baselines differ by less than this share of the smaller font height are on one line."""

_GARBAGE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f]")


class PasswordProtectedError(ParseError):
    """The PDF is encrypted and the empty password does not open it."""

    def __init__(self) -> None:
        super().__init__("PDF is password-protected (the empty password does not open it)")


class CorruptPdfError(ParseError):
    """pdfium cannot read the PDF; detail says what failed (empty file, format error, a page)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"PDF cannot be read: {detail}")
        self.detail = detail


class TooManyPagesError(ParseError):
    """The document has more pages than the limit allows."""

    def __init__(self, pages: int, limit: int) -> None:
        super().__init__(f"document has {pages} pages (limit {limit})")
        self.pages = pages
        self.limit = limit


class Segment(NamedTuple):
    """A run of text on one line: left and right edges, baseline (growing downwards) and font height."""

    left: float
    right: float
    y: float
    height: float
    text: str


def _load(data: bytes) -> pdfium.PdfDocument:
    if not data:
        raise CorruptPdfError("empty file")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise PasswordProtectedError() from error
        raise CorruptPdfError(str(error)) from error


@contextmanager
def open_pdf(data: bytes, max_pages: int) -> Iterator[pdfium.PdfDocument]:
    """The opened document, closed on exit; callers hold PDFIUM_LOCK while they use it.

    Encrypted documents are opened with the empty password (pdfium tries it when none is given).
    """
    with PDFIUM_LOCK:
        document = _load(data)
    try:
        with PDFIUM_LOCK:
            pages = len(document)
        if pages > max_pages:
            raise TooManyPagesError(pages, max_pages)
        yield document
    finally:
        with PDFIUM_LOCK:
            document.close()


@contextmanager
def open_page(document: pdfium.PdfDocument, number: int) -> Iterator[pdfium.PdfPage]:
    """Page number (from 1) of an open document, closed on exit; the caller holds PDFIUM_LOCK.

    A pdfium failure on the page, while loading it or inside the block, is a CorruptPdfError.
    """
    try:
        page = document[number - 1]
    except pdfium.PdfiumError as error:
        raise CorruptPdfError(f"page {number}: {error}") from error
    try:
        yield page
    except pdfium.PdfiumError as error:
        raise CorruptPdfError(f"page {number}: {error}") from error
    finally:
        page.close()


def pdf_text(data: bytes, max_pages: int = 50) -> DocumentText:
    """The text layer of every page, laid out in lines (empty strings for pages without text)."""
    with PDFIUM_LOCK, open_pdf(data, max_pages) as document:
        pages = tuple(
            PageText(number, _page_text(document, number), Method.TEXT)
            for number in range(1, len(document) + 1)
        )
    return DocumentText(pages)


def _page_text(document: pdfium.PdfDocument, number: int) -> str:
    with open_page(document, number) as page:
        textpage = page.get_textpage()
        try:
            groups = sorted(_segments(textpage).values(), key=lambda g: -sum(len(s.text) for s in g))
        finally:
            textpage.close()
    # The main text first, then text turned another way (a vertical note in the margin, a stamp).
    return "\n".join(lay_out(group) for group in groups)


class _Char(NamedTuple):
    text: str
    left: float
    right: float
    y: float
    height: float
    quadrant: int


_BREAK = _Char("\n", 0.0, 0.0, 0.0, 0.0, -1)
_SPACE = _Char(" ", 0.0, 0.0, 0.0, 0.0, -1)
_QUARTER = math.pi / 2


def _turn(quadrant: int, box: pdfium_c.FS_RECTF, x: float, y: float) -> tuple[float, float, float, float]:
    """Left, right, baseline (downwards) and height of a character, turned so that its text runs right."""
    if quadrant == 0:
        return box.left, box.right, -y, box.top - box.bottom
    if quadrant == 1:
        return box.bottom, box.top, x, box.right - box.left
    if quadrant == 2:
        return -box.right, -box.left, y, box.top - box.bottom
    return -box.top, -box.bottom, -x, box.right - box.left


def _chars(textpage: pdfium.PdfTextPage) -> Iterator[_Char]:
    """Every character of the page with its geometry; _BREAK at line ends, _SPACE for spaces."""
    box = pdfium_c.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    handle = textpage.raw  # the bare handle: pypdfium2's wrapper costs a property call per ctypes call
    for index in range(pdfium_c.FPDFText_CountChars(handle)):
        code = pdfium_c.FPDFText_GetUnicode(handle, index)
        if code in (0, 10, 13):
            yield _BREAK
            continue
        if chr(code).isspace():
            yield _SPACE
            continue
        if pdfium_c.FPDFText_HasUnicodeMapError(handle, index):
            code = 0xFFFD
        angle = pdfium_c.FPDFText_GetCharAngle(handle, index)
        quadrant = -round(angle / _QUARTER) % 4 if angle >= 0 else 0  # pdfium's angle runs clockwise
        pdfium_c.FPDFText_GetLooseCharBox(handle, index, box)
        pdfium_c.FPDFText_GetCharOrigin(handle, index, x, y)
        left, right, baseline, height = _turn(quadrant, box, x.value, y.value)
        yield _Char(chr(code), left, right, baseline, max(height, 1.0), quadrant)


@dataclass(slots=True)
class _Run:
    """Characters being gathered into one Segment."""

    first: _Char
    right: float
    parts: list[str] = field(default_factory=list)

    def accepts(self, char: _Char) -> bool:
        height = max(self.first.height, char.height)
        return (
            char.quadrant == self.first.quadrant
            and abs(char.y - self.first.y) <= 0.3 * height
            and self.right - height <= char.left <= self.right + height
        )

    def add_to(self, groups: dict[int, list[Segment]]) -> None:
        """Appends the run as a Segment to the group of its direction."""
        # pdfium hands characters outside the BMP over as two UTF-16 surrogates: join them.
        text = "".join(self.parts).strip().encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        segment = Segment(self.first.left, self.right, self.first.y, self.first.height, text)
        groups.setdefault(self.first.quadrant, []).append(segment)


def _segments(textpage: pdfium.PdfTextPage) -> dict[int, list[Segment]]:
    """The page's characters cut into runs at line ends, wide gaps, backward jumps and baseline changes.

    Runs are grouped by direction (quarter turns): each group is laid out on its own.
    """
    groups: dict[int, list[Segment]] = {}
    run: _Run | None = None
    for char in _chars(textpage):
        if char is _SPACE:
            if run is not None:
                run.parts.append(" ")
            continue
        if run is not None and (char is _BREAK or not run.accepts(char)):
            run.add_to(groups)
            run = None
        if char is not _BREAK:
            run = run or _Run(char, char.left)
            run.parts.append(char.text)
            run.right = max(run.right, char.right)
    if run is not None:
        run.add_to(groups)
    return groups


def lay_out(segments: Sequence[Segment], tolerance: float = SAME_LINE) -> str:
    """Segments put on lines (same baseline within tolerance x height), each at the column of its left edge.

    Columns are the left edge divided by the median character width, counted from the leftmost segment,
    so that a label and its amount share a line with spaces between them, as in `pdftotext -layout`.
    """
    if not segments:
        return ""
    widths = [(s.right - s.left) / len(s.text) for s in segments if len(s.text) >= 2]
    cell = max(statistics.median(widths) if widths else segments[0].height / 2, 0.1)
    origin = min(segment.left for segment in segments)
    lines: list[list[Segment]] = []
    for segment in sorted(segments, key=lambda s: s.y):
        anchor = lines[-1][0] if lines else None
        if anchor is not None and abs(segment.y - anchor.y) <= tolerance * min(segment.height, anchor.height):
            lines[-1].append(segment)
        else:
            lines.append([segment])
    return "\n".join(_line(items, origin, cell) for items in lines)


def _line(items: list[Segment], origin: float, cell: float) -> str:
    text = ""
    for segment in sorted(items, key=lambda s: s.left):
        column = round((segment.left - origin) / cell)
        text += " " * max(column - len(text), 1 if text else 0) + segment.text
    return text.rstrip()


def page_is_poor(page: PageText) -> bool:
    """True when the page's text is too thin or too garbled to read (MIN_PAGE_CHARS, MAX_GARBAGE_RATIO)."""
    garbage = len(_GARBAGE.findall(page.text))
    readable = sum(char.isalnum() for char in _GARBAGE.sub("", page.text))
    return readable < MIN_PAGE_CHARS or garbage > MAX_GARBAGE_RATIO * (readable + garbage)


def poor_pages(text: DocumentText) -> tuple[int, ...]:
    """The numbers of the pages whose text layer is missing or too poor (the pages to OCR)."""
    return tuple(page.number for page in text.pages if page_is_poor(page))


def needs_ocr(text: DocumentText) -> bool:
    """True when the document has no pages or any page has no usable text layer.

    The rule, page by page: fewer than MIN_PAGE_CHARS letters and digits, or more than MAX_GARBAGE_RATIO of
    unreadable characters ((cid:n) left by fonts without a Unicode map, U+FFFD, private-use code points,
    control characters). A blank page counts as poor: OCR of only the poor_pages() keeps the cost small.
    """
    return not text.pages or bool(poor_pages(text))
