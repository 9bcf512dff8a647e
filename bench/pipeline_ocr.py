"""OCR measurements for bench/pipeline.py: collecte's OCR path against bare tesseract, 1 vs 2 workers, memory.

Scans are bench/scans.py's `scan-300` (colour, 300 dpi, JPEG quality 85) made in memory from the PDFs; the
bare command reads each page's JPEG (the same encoder settings as the PDF's page image) from a file.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from cpu_meter import Meter, tree_cpu_seconds
from PIL import Image
from scans import VARIANTS, image_pdf, render_pages

from parsers.extract import read_document
from parsers.filetype import sniff
from parsers.ocr import LOW_CONFIDENCE, ocr_pdf

SINGLE_THREAD = {**os.environ, "OMP_THREAD_LIMIT": "1"}
SCAN = VARIANTS["scan-300"]
BARE = "bare tesseract (1 thread)"
WHOLE = "collecte whole OCR path"
STAGE = "collecte ocr_pdf stage only"
PYTESSERACT = {"pytesseract image_to_data PNG": "PNG", "pytesseract image_to_data BMP": "BMP"}
BARE_SAMPLE = "bare, pytesseract's pages"
QUALITIES = (85, 75, 60, 50, 40, 30, 20, 15, 12, 10, 8)
"""JPEG qualities tried, best first, for the memory benchmark's scan to stay under its size."""
MEMORY_CHILD = Path(__file__).with_name("memory_child.py")


@dataclass(frozen=True)
class Scan:
    """A PDF scanned: the image-only PDF, one single-page PDF per page (pool tasks), the pages' JPEG files."""

    name: str
    pdf: bytes
    page_pdfs: tuple[bytes, ...]
    jpegs: tuple[Path, ...]


def make_scan(path: Path, folder: Path) -> Scan:
    """The scan-300 copy of the PDF at path, its pages also written as JPEG files in folder."""
    images = render_pages(path.read_bytes(), SCAN.dpi)
    jpegs = tuple(folder / f"{path.stem}-{number}.jpg" for number in range(1, len(images) + 1))
    for image, jpeg in zip(images, jpegs, strict=True):
        image.save(jpeg, "JPEG", quality=SCAN.quality, dpi=(SCAN.dpi, SCAN.dpi))
    pdf = image_pdf(images, SCAN.dpi, SCAN.quality)
    pages = tuple(image_pdf([image], SCAN.dpi, SCAN.quality) for image in images)
    for image in images:
        image.close()
    return Scan(path.name, pdf, pages, jpegs)


def whole_path(pdf: bytes) -> None:
    """collecte's whole path on a scanned PDF: sniff, read_document (XML check, text layer, OCR, fields)."""
    read_document(pdf, sniff(pdf).kind)


def bare_tesseract(jpeg: Path) -> None:
    """`OMP_THREAD_LIMIT=1 tesseract page.jpg stdout -l fra+eng`."""
    command = ["tesseract", str(jpeg), "stdout", "-l", "fra+eng"]
    subprocess.run(command, env=SINGLE_THREAD, capture_output=True, check=True)


def _pytesseract(jpeg: Path, fmt: str) -> float:
    """pytesseract.image_to_data, which saves the image in its format to a file (os.environ's threads)."""
    with Image.open(jpeg) as image:
        image.load()
        image.format = fmt
        start = time.perf_counter()
        pytesseract.image_to_data(image, lang="fra+eng")
        return time.perf_counter() - start


def _sample(totals: dict[str, list[float]], scan: Scan, sample: int) -> None:
    """The first pages (up to sample in all) read by bare tesseract and through pytesseract."""
    for jpeg in scan.jpegs[: max(0, sample - int(totals[BARE_SAMPLE][0]))]:
        start = time.perf_counter()
        bare_tesseract(jpeg)
        totals[BARE_SAMPLE][0] += 1
        totals[BARE_SAMPLE][1] += time.perf_counter() - start
        for name, fmt in PYTESSERACT.items():
            totals[name][0] += 1
            totals[name][1] += _pytesseract(jpeg, fmt)


def bench_ocr(scans: list[Scan], sample: int) -> tuple[dict[str, list[float]], int]:
    """Name -> [pages, seconds], interleaved document by document; and the pages left under LOW_CONFIDENCE."""
    totals = {name: [0.0, 0.0] for name in (BARE, WHOLE, STAGE, BARE_SAMPLE, *PYTESSERACT)}
    doubtful = 0

    def bare(scan: Scan) -> None:
        for jpeg in scan.jpegs:
            bare_tesseract(jpeg)

    def stage(scan: Scan) -> None:
        nonlocal doubtful
        doubtful += sum((page.confidence or 0) < LOW_CONFIDENCE for page in ocr_pdf(scan.pdf).pages)

    runs: dict[str, Callable[[Scan], None]] = {
        BARE: bare,
        WHOLE: lambda scan: whole_path(scan.pdf),
        STAGE: stage,
    }
    names = list(runs)
    for number, scan in enumerate(scans):
        for name in names[number % 3 :] + names[: number % 3]:
            start = time.perf_counter()
            runs[name](scan)
            totals[name][0] += len(scan.jpegs)
            totals[name][1] += time.perf_counter() - start
        _sample(totals, scan, sample)
        print(f"  ocr {scan.name}: {len(scan.jpegs)} page(s)", flush=True)
    return {name: values for name, values in totals.items() if values[0]}, doubtful


def _warm(_task: int) -> None:
    """A pool task that only makes sure every worker has started and imported this module (and parsers)."""
    time.sleep(0.5)


def pool_run(pdfs: list[bytes], processes: int) -> tuple[float, float]:
    """Seconds for a spawn pool of processes to run whole_path on every PDF; other processes' mean cores."""
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.map(_warm, range(processes), chunksize=1)
        before, tree = Meter.read(), tree_cpu_seconds(os.getpid())
        for _ in pool.imap_unordered(whole_path, pdfs, chunksize=1):
            pass
        after, ours = Meter.read(), tree_cpu_seconds(os.getpid()) - tree
    wall = after.wall - before.wall
    return wall, max(after.machine - before.machine - ours, 0.0) / wall


def memory_scan(sources: list[Path], pages: int, megabytes: float) -> tuple[bytes, int]:
    """A grey 300 dpi scanned PDF of pages pages (the sources' in turn), JPEG quality chosen for its size."""
    images = [image for path in sources for image in render_pages(path.read_bytes(), 300, grey=True)]
    chosen = QUALITIES[-1]
    for quality in QUALITIES:
        sizes = [len(image_pdf([image], 300, quality)) for image in images]
        if sum(sizes[index % len(images)] for index in range(pages)) <= megabytes * 1e6:
            chosen = quality
            break
    data = image_pdf([images[index % len(images)] for index in range(pages)], 300, chosen)
    for image in images:
        image.close()
    return data, chosen


def bench_memory(pdf: bytes) -> dict[str, float]:
    """read_with_ocr on pdf in a fresh process (bench/memory_child.py): seconds, its peak RSS, tesseract's."""
    done = subprocess.run([sys.executable, str(MEMORY_CHILD)], input=pdf, capture_output=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result
