"""The rule that tells logos and signature images from documents, shared by the gate and the unpacker."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from parsers.filetype import IMAGES, FileKind

TINY_IMAGE_BYTES = 16 * 1024
"""Any image smaller than this is decorative: a page scan or phone photo readable by OCR is larger."""
NAMED_IMAGE_BYTES = 100 * 1024
"""An inline image named like a logo or an Outlook signature image is decorative below this size."""
_DECORATIVE_NAME = re.compile(
    r"^(image\d{3}|logo.*|.*[-_ ]logo|signature.*|banner.*|icon.*|"
    r"facebook|linkedin|twitter|instagram|youtube|x)$",
    re.IGNORECASE,
)


def decorative_reason(kind: FileKind, size: int, filename: str | None, inline: bool) -> str | None:
    """Why an image is decorative (skipped, not a document), or None if it may be an invoice.

    1. an image under TINY_IMAGE_BYTES;
    2. an inline image (Content-ID or inline disposition) under NAMED_IMAGE_BYTES whose file name is that
       of a logo, signature, banner, icon, social network badge or Outlook's image001.png.
    """
    if kind not in IMAGES:
        return None
    if size < TINY_IMAGE_BYTES:
        return f"image under {TINY_IMAGE_BYTES // 1024} KB (logo or signature)"
    stem = PurePosixPath(filename or "").stem
    if inline and size < NAMED_IMAGE_BYTES and _DECORATIVE_NAME.match(stem):
        return f"inline image named {filename} (logo or signature)"
    return None
