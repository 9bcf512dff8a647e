"""The logo and signature image rule, case by case."""

from __future__ import annotations

import pytest

from parsers.decorative import NAMED_IMAGE_BYTES, TINY_IMAGE_BYTES, decorative_reason
from parsers.filetype import FileKind

KB = 1024


@pytest.mark.parametrize(
    ("kind", "size", "name", "inline", "decorative"),
    [
        (FileKind.PNG, 3 * KB, "anything.png", False, True),
        (FileKind.JPEG, TINY_IMAGE_BYTES - 1, None, False, True),
        (FileKind.PNG, 40 * KB, "image001.png", True, True),
        (FileKind.JPEG, 40 * KB, "Logo_Societe.jpg", True, True),
        (FileKind.PNG, 40 * KB, "societe-logo.png", True, True),
        (FileKind.GIF, 30 * KB, "signature.gif", True, True),
        (FileKind.PNG, 40 * KB, "linkedin.png", True, True),
        (FileKind.PNG, 40 * KB, "image001.png", False, False),
        (FileKind.PNG, NAMED_IMAGE_BYTES, "image001.png", True, False),
        (FileKind.JPEG, 40 * KB, "IMG_2041.jpg", True, False),
        (FileKind.JPEG, 900 * KB, "facture.jpg", False, False),
        (FileKind.PDF, 2 * KB, "logo.pdf", True, False),
    ],
)
def test_decorative_rule(kind: FileKind, size: int, name: str | None, inline: bool, decorative: bool) -> None:
    assert (decorative_reason(kind, size, name, inline) is not None) is decorative
