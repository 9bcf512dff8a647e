"""Scanned copies of PDFs made in memory (rendered, maybe degraded, wrapped as image-only PDFs) and read.

Variants: `scan-200` and `scan-300` are the pages rendered in colour at 200 and 300 dpi and stored as JPEG
quality 85 (a scanner's usual output); `scan-degraded` is the 200 dpi render turned 1.5 degrees (white
corners), with Gaussian noise (sigma 16, from a seeded 509 x 509 tile, so that a run is reproducible) and
stored as JPEG quality 60. Pillow writes each image as one page whose size is the image at its resolution.
"""

from __future__ import annotations

import io
import random
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from PIL import Image, ImageChops

from parsers.extract import read_document
from parsers.filetype import sniff
from parsers.pdf_text import PDFIUM_LOCK, open_page, open_pdf


@dataclass(frozen=True)
class Variant:
    """How a scan is made: resolution, JPEG quality, and whether it is turned and noisy."""

    dpi: int
    quality: int
    degraded: bool = False


VARIANTS = {
    "scan-200": Variant(200, 85),
    "scan-300": Variant(300, 85),
    "scan-degraded": Variant(200, 60, degraded=True),
}
ROTATION = 1.5
NOISE_SIGMA = 16.0
NOISE_TILE = 509


def render_pages(data: bytes, dpi: int, grey: bool = False, max_pages: int = 50) -> list[Image.Image]:
    """Every page of a PDF rendered at dpi, in colour ("RGB") or grey ("L")."""
    images: list[Image.Image] = []
    with PDFIUM_LOCK, open_pdf(data, max_pages) as document:
        for number in range(1, len(document) + 1):
            with open_page(document, number) as page:
                bitmap = page.render(scale=dpi / 72, grayscale=grey)
                try:
                    images.append(bitmap.to_pil().copy())  # to_pil() shares the bitmap's memory
                finally:
                    bitmap.close()
    return images


def _noise(size: tuple[int, int], seed: int) -> Image.Image:
    """Zero-centred Gaussian noise (offset 128) in grey, tiled from a seeded tile."""
    generator = random.Random(seed)
    values = bytes(
        min(255, max(0, round(128 + generator.gauss(0.0, NOISE_SIGMA)))) for _ in range(NOISE_TILE**2)
    )
    tile = Image.frombytes("L", (NOISE_TILE, NOISE_TILE), values)
    noise = Image.new("L", size)
    for left in range(0, size[0], NOISE_TILE):
        for top in range(0, size[1], NOISE_TILE):
            noise.paste(tile, (left, top))
    return noise


def degrade(image: Image.Image, seed: int) -> Image.Image:
    """The page turned ROTATION degrees counter-clockwise on white, with Gaussian noise added."""
    white = (255, 255, 255) if image.mode == "RGB" else 255
    turned = image.rotate(ROTATION, Image.Resampling.BICUBIC, expand=True, fillcolor=white)
    noise = _noise(turned.size, seed).convert(turned.mode)
    return ImageChops.add(turned, noise, 1.0, -128)


def image_pdf(images: list[Image.Image], dpi: int, quality: int) -> bytes:
    """An image-only PDF: one JPEG page per image, sized by dpi."""
    for image in images:
        # Pillow's PDF writer leaves its options (append_images included) on each appended image, and a later
        # save lets them override its own arguments: drop them, or a page saved again brings the rest along.
        vars(image).pop("encoderinfo", None)
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=dpi, quality=quality)
    return buffer.getvalue()


def scanned(data: bytes, variant: Variant, seed: int = 0) -> tuple[bytes, int]:
    """The scanned copy of a PDF as an image-only PDF, and its number of pages."""
    pages = render_pages(data, variant.dpi)
    if variant.degraded:
        pages = [degrade(page, seed + number) for number, page in enumerate(pages)]
    try:
        return image_pdf(pages, variant.dpi, variant.quality), len(pages)
    finally:
        for page in pages:
            page.close()


class ScanJob(NamedTuple):
    """One file to scan as one variant (a task for a worker process)."""

    path: str
    variant: str


class ScanResult(NamedTuple):
    """The contract read from a scanned copy, the seconds of the reading (sniff + read_document), pages."""

    job: ScanJob
    contract: dict[str, Any]
    seconds: float
    pages: int


def read_scan(job: ScanJob) -> ScanResult:
    """Scans the file as the job's variant and reads it the production way: sniff, then read_document."""
    path = Path(job.path)
    scan, pages = scanned(path.read_bytes(), VARIANTS[job.variant], seed=zlib.crc32(path.name.encode()))
    start = time.perf_counter()
    fields = read_document(scan, sniff(scan).kind)
    seconds = time.perf_counter() - start
    return ScanResult(job, fields.to_contract(path.name), seconds, pages)
