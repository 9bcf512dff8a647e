"""Image documents opened for OCR: each frame upright (EXIF), in grey, under the decompression-bomb guard.

PNG, JPEG, TIFF (every frame of a multi-page file), WebP, GIF and HEIC/HEIF (pillow-heif's opener, registered
on first use) are read. Pillow's `Image.MAX_IMAGE_PIXELS` guard stays on: an image over it is refused with
ImageTooLargeError before any pixel is decoded, whether Pillow raised its error (over twice the limit) or
only warned (between once and twice); every frame of a multi-frame file is checked, not only the first.
Pages over MAX_OCR_PIXELS are decoded at a reduced scale (JPEG draft) or scaled down: more pixels cost
tesseract time and memory without reading better.
"""

from __future__ import annotations

import functools
import io
import numbers
import re
from collections.abc import Generator

from PIL import Image, ImageOps, UnidentifiedImageError

from parsers.errors import ParseError
from parsers.pdf_text import TooManyPagesError

MAX_OCR_PIXELS = 20_000_000
"""Pixels of a page handed to tesseract: about A3 at 300 dpi (A4 at 300 dpi is 8.7 million)."""
FORMATS = ("PNG", "JPEG", "TIFF", "WEBP", "GIF", "HEIF")
"""The only decoders tried (JPEG covers MPO); Pillow would otherwise try EPS too, which runs Ghostscript."""
_PLAUSIBLE_DPI = range(100, 1201)
"""A resolution outside this range is ignored (phone photos say 72): tesseract then estimates it."""


class ImageTooLargeError(ParseError):
    """The image has more pixels than Pillow's decompression-bomb limit (Image.MAX_IMAGE_PIXELS)."""

    def __init__(self, pixels: int | None, limit: int) -> None:
        size = "an unknown number of" if pixels is None else f"{pixels}"
        super().__init__(f"image has {size} pixels, over the limit of {limit} (decompression bomb?)")
        self.pixels = pixels
        self.limit = limit


class UnreadableImageError(ParseError):
    """Pillow cannot identify or decode the image; detail is Pillow's message."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"image cannot be read: {detail}")
        self.detail = detail


@functools.cache
def _register_heif() -> None:
    """Registers pillow-heif's HEIC/HEIF opener with Pillow, once per process."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def _bomb(error: Exception) -> ImageTooLargeError:
    found = re.search(r"\((\d+) pixels\)", str(error))
    return ImageTooLargeError(int(found.group(1)) if found else None, _limit())


def _limit() -> int:
    return int(Image.MAX_IMAGE_PIXELS or 0)


def _open(data: bytes) -> Image.Image:
    _register_heif()
    try:
        return Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _bomb(error) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise UnreadableImageError(str(error) or type(error).__name__) from error


def image_pages(data: bytes, max_pages: int = 50) -> Generator[tuple[Image.Image, int | None], None, None]:
    """Each frame as a new grey (or bilevel) upright image, with its resolution in dpi when plausible.

    The caller closes each image. Raises TooManyPagesError over max_pages frames, ImageTooLargeError for a
    decompression bomb, UnreadableImageError for anything Pillow cannot decode.
    """
    with _open(data) as image:
        # A phone's MPO JPEG holds the photo then previews or depth maps: only the photo is a page.
        frames = 1 if image.format == "MPO" else int(getattr(image, "n_frames", 1))
        if frames > max_pages:
            raise TooManyPagesError(frames, max_pages)
        for index in range(frames):
            try:
                image.seek(index)
                dpi, side = _dpi(image), max(image.size)
                page = _prepared(image)
            except (OSError, ValueError, SyntaxError) as error:
                raise UnreadableImageError(f"frame {index + 1}: {error}") from error
            yield page, None if dpi is None else round(dpi * max(page.size) / side)


def _prepared(frame: Image.Image) -> Image.Image:
    """The current frame decoded, turned upright, in grey, at most MAX_OCR_PIXELS."""
    width, height = frame.size
    limit = _limit()
    if limit and width * height > limit:
        raise ImageTooLargeError(width * height, limit)
    scale = min(1.0, (MAX_OCR_PIXELS / (width * height)) ** 0.5)
    target = (max(1, int(width * scale)), max(1, int(height * scale)))
    frame.draft(
        "L", target
    )  # JPEG only: decodes in grey at 1/2, 1/4 or 1/8 scale if that still covers target
    upright = ImageOps.exif_transpose(frame)
    grey = _grey(upright)
    if grey is not upright:
        upright.close()
    if grey.width * grey.height > MAX_OCR_PIXELS:
        grey.thumbnail(target)
    return grey


def _grey(image: Image.Image) -> Image.Image:
    """Bilevel and 8-bit grey as they are, deeper grey scaled, transparent laid on white, colour in grey."""
    if image.mode in ("1", "L"):
        return image
    if image.mode.startswith("I") or image.mode == "F":  # 16 or 32-bit grey: 0..65535 to 0..255
        return image.point(lambda value: value / 256).convert("L")
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        flat = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
        rgba.close()
        grey = flat.convert("L")
        flat.close()
        return grey
    return image.convert("L")


def _dpi(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    if not isinstance(dpi, tuple) or not dpi or not isinstance(dpi[0], numbers.Real):  # TIFF: IFDRational
        return None
    value = round(float(dpi[0]))
    return value if value in _PLAUSIBLE_DPI else None
