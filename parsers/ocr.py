"""OCR of scans and images, a page at a time: tesseract (fra+eng) reads it, its words are put in lines.

Measured on this 2-core VM (tesseract 5.3.0, leptonica 1.82; facture-simple.pdf rendered in grey at 300 dpi):
- tesseract runs with OMP_THREAD_LIMIT=1: 0.78 s per page against 2.07 s with its OpenMP threads.
- what tesseract is handed: leptonica reads PNM one byte at a time, so a PGM file costs 0.83 s against 0.75 s
  for the same pixels as an uncompressed BMP file (Pillow writes it in 1 ms; a PNG costs 25-45 ms to encode
  and reads as fast as BMP); tesseract reads stdin one byte at a time too (BMP on stdin: 0.89 s). Pages go to
  tesseract as a BMP in a temporary file, with the render's resolution in its header.
- one tesseract run per page, TSV output: words with boxes and confidences in one go (pytesseract's
  image_to_string then image_to_data would run tesseract twice; pytesseract is not used, so that the
  child's environment and time limit are set here, not in os.environ).
- orientation (OSD, `--psm 0`) costs 0.56 s, 70% of a page: it runs only when the first reading is
  doubtful: mean word confidence under LOW_CONFIDENCE (an upright page reads at 0.94, one turned 90 degrees
  counter-clockwise or upside down at 0.57) or most words vertical (tesseract reads a page turned clockwise
  at 0.93, but as vertical lines whose boxes cannot be laid out). The page is then turned as OSD says and
  read again; the better-confidence reading is kept. A 1.5 degree skew needs nothing (tesseract deskews).
- rendering a page costs 5-10 ms; pages are rendered, read and dropped one by one (memory: one page).

The words are put on lines by position with parsers.pdf_text.lay_out, as the text layer is: one format
for the field extractor, column gaps kept, and a label stays on the line of its amount whatever blocks
tesseract makes of them. (On the 36 PDFs of the fixtures and the corpus at 200 dpi, tesseract's own
line order already had 94/105 totals on a line with a label; so does this layout.)
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Collection
from contextlib import closing
from typing import IO, NamedTuple

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image

from parsers.errors import ParseError
from parsers.images import MAX_OCR_PIXELS, image_pages
from parsers.invoice import DocumentText, Method, PageText
from parsers.pdf_text import PDFIUM_LOCK, Segment, lay_out, open_page, open_pdf

TESSERACT = "tesseract"
LANGUAGES = "fra+eng"
LOW_CONFIDENCE = 0.75
"""A first reading under this mean word confidence (0..1) is tried again after orientation detection."""
SAME_LINE = 0.5
"""OCR lines whose bottoms differ by less than this share of the smaller line height are one line."""
_UPRIGHT = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
"""OSD's "Rotate: n" (degrees clockwise) as the Pillow transpose (counter-clockwise) that does it."""


class OcrError(ParseError):
    """tesseract could not read a page: it could not be started or it exited with an error."""

    def __init__(self, page: int, detail: str) -> None:
        super().__init__(f"OCR of page {page} failed: {detail}")
        self.page = page
        self.detail = detail


class OcrTimeoutError(OcrError):
    """The OCR of a page took longer than the per-page time limit."""

    def __init__(self, page: int, seconds: float) -> None:
        super().__init__(page, f"it took more than {seconds:g} s")
        self.seconds = seconds


class _Word(NamedTuple):
    line: tuple[str, ...]
    left: int
    right: int
    bottom: int
    height: int
    confidence: float
    text: str
    vertical: bool


def ocr_pdf(
    data: bytes,
    max_pages: int = 50,
    dpi: int = 300,
    page_timeout: float = 60,
    pages: Collection[int] | None = None,
) -> DocumentText:
    """Every page (or only the page numbers in pages, from 1) rendered at dpi in grey and read by tesseract.

    Pages over MAX_OCR_PIXELS at dpi are rendered at a lower resolution. Raises the errors of open_pdf,
    OcrError and OcrTimeoutError (a page over page_timeout seconds).
    """
    results: list[PageText] = []
    with open_pdf(data, max_pages) as document:
        with PDFIUM_LOCK:
            count = len(document)
        for number in range(1, count + 1):
            if pages is None or number in pages:
                image, used_dpi = _render(document, number, dpi)
                with image:
                    results.append(ocr_page(image, number, used_dpi, page_timeout))
    return DocumentText(tuple(results))


def _render(document: pdfium.PdfDocument, number: int, dpi: int) -> tuple[Image.Image, int]:
    with PDFIUM_LOCK, open_page(document, number) as page:
        width, height = page.get_size()
        scale = min(dpi / 72, (MAX_OCR_PIXELS / max(width * height, 1.0)) ** 0.5)
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            # to_pil() shares the bitmap's memory, which close() frees: keep a copy.
            return bitmap.to_pil().copy(), round(scale * 72)
        finally:
            bitmap.close()


def ocr_image(data: bytes, max_pages: int = 50, page_timeout: float = 60) -> DocumentText:
    """Every frame of a PNG, JPEG, TIFF, WebP, GIF or HEIC image read by tesseract (see parsers.images)."""
    results: list[PageText] = []
    with closing(image_pages(data, max_pages)) as frames:
        for number, (image, dpi) in enumerate(frames, start=1):
            with image:
                results.append(ocr_page(image, number, dpi, page_timeout))
    return DocumentText(tuple(results))


def ocr_page(image: Image.Image, number: int, dpi: int | None, timeout: float) -> PageText:
    """One page image ("1", "L" or "RGB") read by tesseract, turned upright first if the reading is doubtful.

    dpi None lets tesseract estimate the resolution from the text. timeout bounds all runs for the page.
    """
    deadline = time.monotonic() + timeout
    with tempfile.NamedTemporaryFile(prefix="collecte-ocr-", suffix=".bmp") as file:
        _write_bmp(image, file, dpi)
        words = _recognise(file.name, number, deadline, timeout)
        if _doubtful(words):
            rotation = _orientation(file.name, number, deadline, timeout)
            if rotation in _UPRIGHT:
                with image.transpose(_UPRIGHT[rotation]) as upright:
                    _write_bmp(upright, file, dpi)
                again = _recognise(file.name, number, deadline, timeout)
                if _confidence(again) > _confidence(words):
                    words = again
    return PageText(number, _text(words), Method.OCR, round(_confidence(words), 3))


def _write_bmp(image: Image.Image, file: IO[bytes], dpi: int | None) -> None:
    """The image as an uncompressed BMP; resolution 0 (unknown) makes tesseract estimate it."""
    file.seek(0)
    file.truncate()
    image.save(file, format="BMP", dpi=(dpi or 0, dpi or 0))
    file.flush()


def _tesseract(arguments: list[str], page: int, deadline: float, timeout: float) -> str:
    """tesseract's standard output; one thread (OMP_THREAD_LIMIT=1), killed at the page's deadline."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise OcrTimeoutError(page, timeout)
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            [TESSERACT, *arguments], capture_output=True, timeout=remaining, env=environment, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise OcrTimeoutError(page, timeout) from error
    except OSError as error:
        raise OcrError(page, f"tesseract cannot be started: {error}") from error
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(page, f"tesseract exited with status {done.returncode}: {lines[-1] if lines else ''}")
    return done.stdout.decode("utf-8", "replace")


def _recognise(path: str, page: int, deadline: float, timeout: float) -> list[_Word]:
    tsv = _tesseract([path, "stdout", "-l", LANGUAGES, "--psm", "3", "tsv"], page, deadline, timeout)
    return _words(tsv)


def _orientation(path: str, page: int, deadline: float, timeout: float) -> int:
    """Clockwise degrees that turn the page upright according to OSD; 0 when OSD finds too little text."""
    try:
        report = _tesseract([path, "stdout", "--psm", "0", "-l", "osd"], page, deadline, timeout)
    except OcrTimeoutError:
        raise
    except OcrError:
        return 0
    found = re.search(r"^Rotate: (\d+)", report, re.MULTILINE)
    return int(found.group(1)) % 360 if found else 0


def _words(tsv: str) -> list[_Word]:
    """The words of tesseract's TSV, each with the box of its line (level 4 rows come before their words)."""
    lines: dict[tuple[str, ...], tuple[int, int]] = {}
    words: list[_Word] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) != 12:
            continue
        key = tuple(cells[1:5])
        left, top, width, height = (int(cell) for cell in cells[6:10])
        text = cells[11].strip()
        if cells[0] == "4":
            lines[key] = (top + height, height)
        elif cells[0] == "5" and text:
            bottom, line_height = lines.get(key, (top + height, height))
            vertical = len(text) >= 3 and height > 1.5 * width
            words.append(
                _Word(key, left, left + width, bottom, line_height, float(cells[10]), text, vertical)
            )
    return words


def _confidence(words: list[_Word]) -> float:
    """Mean word confidence, 0..1 (0 without words)."""
    scores = [word.confidence for word in words if word.confidence >= 0]
    return sum(scores) / len(scores) / 100 if scores else 0.0


def _doubtful(words: list[_Word]) -> bool:
    """A reading worth an orientation check: low confidence, or most words read as vertical lines."""
    if not words:
        return False
    long = [word for word in words if len(word.text) >= 3]
    return _confidence(words) < LOW_CONFIDENCE or sum(word.vertical for word in long) > len(long) / 2


def _text(words: list[_Word]) -> str:
    """The words laid out in lines: words of one tesseract line close together make one segment."""
    segments: list[Segment] = []
    run: list[_Word] = []
    for word in words:
        if run and (word.line != run[-1].line or word.left - run[-1].right > word.height):
            segments.append(_segment(run))
            run = []
        run.append(word)
    if run:
        segments.append(_segment(run))
    return lay_out(segments, SAME_LINE)


def _segment(run: list[_Word]) -> Segment:
    first = run[0]
    return Segment(
        first.left, max(w.right for w in run), first.bottom, first.height, " ".join(w.text for w in run)
    )
