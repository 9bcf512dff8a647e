"""OCR with the real tesseract on rendered invoice pages (200 dpi, few runs), and image opening rules."""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import Image

from parsers.images import ImageTooLargeError, UnreadableImageError, image_pages
from parsers.invoice import Method
from parsers.ocr import OcrError, OcrTimeoutError, ocr_image, ocr_pdf
from parsers.pdf_text import CorruptPdfError, PasswordProtectedError, TooManyPagesError, needs_ocr, pdf_text
from tests.parsers.test_pdf_text import rewritten
from tests.support import render_page

SIMPLE_PATH = Path(__file__).parents[2] / "fixtures" / "invoices" / "facture-simple.pdf"
SIMPLE = SIMPLE_PATH.read_bytes()
DPI = 200
ENCRYPTED = rewritten(SIMPLE, user="secret")


def rendered(dpi: int = DPI) -> Image.Image:
    """Page 1 of facture-simple.pdf as a grey image, as a scanner would give it."""
    return render_page(SIMPLE_PATH, dpi)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def compact(text: str) -> str:
    """Text without spaces: OCR may drop the thin space of 4 224,00."""
    return re.sub(r"\s+", "", text)


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels (1 bit) and holds one empty row: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def test_scanned_pdf_is_read_by_ocr_page_by_page() -> None:
    with rendered() as page, Image.new("L", page.size, 255) as blank:
        scan = encoded(blank, "PDF", resolution=DPI, save_all=True, append_images=[page])
    assert needs_ocr(pdf_text(scan))
    text = ocr_pdf(scan, dpi=DPI, pages={2})
    assert text.method == Method.OCR
    [page_text] = text.pages
    assert page_text.number == 2
    assert page_text.confidence is not None and page_text.confidence > 0.85
    assert "FA-2026-0017" in page_text.text
    total = next(line for line in page_text.text.splitlines() if "Total TTC" in line)
    assert compact(total).endswith("4224,00€")


def test_turned_and_skewed_photo_is_read_upright() -> None:
    with (
        rendered() as page,
        page.rotate(90, expand=True, fillcolor=255) as turned,
        turned.rotate(1.5, expand=True, fillcolor=255) as skewed,
    ):
        photo = encoded(skewed, "PNG")
    [page_text] = ocr_image(photo).pages
    assert page_text.confidence is not None and page_text.confidence > 0.85
    assert "FA-2026-0017" in page_text.text
    assert "TotalTTC4224,00€" in compact(page_text.text)


def test_multi_page_tiff_reads_every_frame() -> None:
    with rendered() as page:
        width, height = page.size
        header = page.crop((width // 2, 0, width, height // 4))
        totals = page.crop((width // 2, height // 3, width, height // 2))
        tiff = encoded(header, "TIFF", save_all=True, append_images=[totals], dpi=(DPI, DPI))
        header.close()
        totals.close()
    text = ocr_image(tiff)
    assert [p.number for p in text.pages] == [1, 2]
    assert "FA-2026-0017" in text.pages[0].text
    assert "4224,00" in compact(text.pages[1].text)
    with pytest.raises(TooManyPagesError) as caught:
        ocr_image(tiff, max_pages=1)
    assert (caught.value.pages, caught.value.limit) == (2, 1)


@pytest.mark.parametrize(
    ("data", "error"),
    [(b"", CorruptPdfError), (SIMPLE[:2000], CorruptPdfError), (ENCRYPTED, PasswordProtectedError)],
    ids=["empty", "truncated", "encrypted"],
)
def test_unreadable_pdf_is_refused_before_any_ocr(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        ocr_pdf(data)


def test_page_over_its_time_limit_is_an_ocr_timeout() -> None:
    with rendered() as page:
        scan = encoded(page, "PDF", resolution=DPI)
    with pytest.raises(OcrTimeoutError) as caught:
        ocr_pdf(scan, dpi=DPI, page_timeout=0.05)
    assert (caught.value.page, caught.value.seconds) == (1, 0.05)


def test_blank_page_reads_as_empty_text() -> None:
    with Image.new("L", (850, 1100), 255) as blank:
        [page_text] = ocr_image(encoded(blank, "PNG")).pages
    assert (page_text.text, page_text.confidence) == ("", 0.0)


def test_decompression_bomb_is_refused() -> None:
    bomb = png_header(30_000, 30_000)
    with pytest.raises(ImageTooLargeError) as caught:
        ocr_image(bomb)
    assert caught.value.pixels == 900_000_000
    assert caught.value.limit == Image.MAX_IMAGE_PIXELS


def test_image_between_once_and_twice_the_limit_is_refused_when_warnings_are_ignored() -> None:
    bomb = png_header(10_000, 10_000)  # Pillow only warns between MAX_IMAGE_PIXELS and twice that
    with pytest.raises(ImageTooLargeError) as caught:
        ocr_image(bomb)
    assert caught.value.pixels == 100_000_000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(ImageTooLargeError) as caught:
            list(image_pages(bomb))
    assert caught.value.pixels == 100_000_000


@pytest.mark.parametrize("data", [b"not an image", png_header(10, 10)[:30]], ids=["garbage", "truncated"])
def test_unreadable_image(data: bytes) -> None:
    with pytest.raises(UnreadableImageError):
        ocr_image(data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "HEIF", "GIF", "TIFF"])
def test_image_formats_open_as_grey_pages(fmt: str) -> None:
    with Image.new("RGB", (120, 80), (200, 30, 30)) as source:
        data = (
            encoded(source, fmt, dpi=(300, 300)) if fmt in ("PNG", "JPEG", "TIFF") else encoded(source, fmt)
        )
    [(page, dpi)] = list(image_pages(data))
    with page:
        assert (page.mode, page.size) == ("L", (120, 80))
    assert dpi == (300 if fmt in ("PNG", "JPEG", "TIFF") else None)


def test_exif_orientation_is_applied() -> None:
    with Image.new("L", (120, 80), 255) as source:
        exif = source.getexif()
        exif[0x0112] = 6  # turned: display rotated 90 degrees clockwise
        data = encoded(source, "JPEG", exif=exif)
    [(page, _dpi)] = list(image_pages(data))
    with page:
        assert page.size == (80, 120)


def test_transparent_image_is_flattened_on_white() -> None:
    with Image.new("RGBA", (40, 40), (0, 0, 0, 0)) as source:
        source.paste((0, 0, 0, 255), (0, 0, 20, 40))
        data = encoded(source, "PNG")
    [(page, _dpi)] = list(image_pages(data))
    with page:
        assert (page.getpixel((5, 5)), page.getpixel((35, 35))) == (0, 255)


def test_huge_photo_is_scaled_down_for_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("parsers.images.MAX_OCR_PIXELS", 10_000)
    with Image.new("RGB", (400, 300), "white") as source:
        data = encoded(source, "JPEG", dpi=(400, 400))
    [(page, dpi)] = list(image_pages(data))
    with page:
        assert page.width * page.height <= 10_000
        assert dpi == page.width  # 400 pixels wide at 400 dpi: the resolution scales with the width


def test_tesseract_runs_single_threaded_and_its_failure_is_an_ocr_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "tesseract"
    fake.write_text(f'#!/bin/sh\necho "$OMP_THREAD_LIMIT" > {tmp_path}/threads\necho "no luck" >&2\nexit 3\n')
    fake.chmod(0o755)
    monkeypatch.setattr("parsers.ocr.TESSERACT", str(fake))
    with Image.new("L", (100, 100), 255) as blank, pytest.raises(OcrError) as caught:
        ocr_image(encoded(blank, "PNG"))
    assert (caught.value.page, caught.value.detail) == (1, "tesseract exited with status 3: no luck")
    assert (tmp_path / "threads").read_text() == "1\n"
    monkeypatch.setattr("parsers.ocr.TESSERACT", str(tmp_path / "missing"))
    with Image.new("L", (100, 100), 255) as blank, pytest.raises(OcrError, match="cannot be started"):
        ocr_image(encoded(blank, "PNG"))


def test_sixteen_bit_grey_is_scaled_to_eight_bits() -> None:
    with Image.new("I;16", (3, 1)) as source:
        source.putpixel((1, 0), 30_000)
        source.putpixel((2, 0), 65_535)
        data = encoded(source, "PNG")
    [(page, _dpi)] = list(image_pages(data))
    with page:
        assert [page.getpixel((x, 0)) for x in range(3)] == [0, 117, 255]


def test_phone_mpo_photo_is_one_page_and_eps_is_not_opened() -> None:
    with Image.new("RGB", (64, 48), "white") as photo, Image.new("RGB", (16, 12), "black") as preview:
        mpo = encoded(photo, "MPO", save_all=True, append_images=[preview])
    [(page, _dpi)] = list(image_pages(mpo))
    with page:
        assert page.size == (64, 48)
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"
    with pytest.raises(UnreadableImageError):
        list(image_pages(eps))
