"""File kinds come from the bytes: documents, archives, e-invoice XML by root element, and the rest."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile

import pytest
from PIL import Image

from parsers.filetype import ARCHIVES, DOCUMENTS, FileKind, sniff, xml_root
from tests.support import small_pdf, zip_of

CII = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">
<rsm:ExchangedDocument/></rsm:CrossIndustryInvoice>"""
UBL = b"""<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</ID></Invoice>"""
UBL_CREDIT = b"""<?xml version="1.0"?><CreditNote
 xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/>"""
NOT_UBL = b"""<?xml version="1.0"?><Invoice xmlns="urn:example:other"/>"""
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol2;</Invoice>"""


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(buffer, format=fmt)
    return buffer.getvalue()


def tar_of(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("f.pdf")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (small_pdf("x"), FileKind.PDF),
        (image("PNG"), FileKind.PNG),
        (image("JPEG"), FileKind.JPEG),
        (image("TIFF"), FileKind.TIFF),
        (image("WEBP"), FileKind.WEBP),
        (image("GIF"), FileKind.GIF),
        (CII, FileKind.XML_CII),
        (UBL, FileKind.XML_UBL),
        (UBL_CREDIT, FileKind.XML_UBL),
        (NOT_UBL, FileKind.XML_OTHER),
        (b"<?xml version='1.0'?><html><body/></html>", FileKind.XML_OTHER),
        (LAUGHS, FileKind.OTHER),
        (zip_of("f.pdf", small_pdf("z")), FileKind.ZIP),
        (gzip.compress(small_pdf("g")), FileKind.GZIP),
        (bz2.compress(small_pdf("b")), FileKind.BZIP2),
        (lzma.compress(small_pdf("l")), FileKind.XZ),
        (tar_of(small_pdf("t")), FileKind.TAR),
        (b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(40), FileKind.SEVEN_ZIP),
        (b"Rar!\x1a\x07\x01\x00" + bytes(40), FileKind.RAR),
        (b"Just a note, not an invoice.\n", FileKind.OTHER),
        (b"", FileKind.EMPTY),
    ],
    ids=lambda value: value.value if isinstance(value, FileKind) else None,
)
def test_sniff(data: bytes, kind: FileKind) -> None:
    assert sniff(data).kind == kind


def test_sniff_names_the_detected_type() -> None:
    sniffed = sniff(zip_of("f.pdf", b"x"))
    assert sniffed.mime == "application/zip"
    assert "Zip archive" in sniffed.description


def test_pdf_declared_under_another_name_is_still_a_pdf() -> None:
    assert sniff(b"\n" + small_pdf("late header")).kind in {FileKind.PDF, FileKind.OTHER}
    assert sniff(small_pdf("plain")).kind == FileKind.PDF


def test_xml_root_reads_only_the_root() -> None:
    assert xml_root(CII) == (
        "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
        "CrossIndustryInvoice",
    )
    assert xml_root(b"<a><unclosed>") == ("", "a")
    assert xml_root(b"not xml") is None
    assert xml_root(LAUGHS) is None


def test_kind_sets() -> None:
    assert FileKind.ZIP in ARCHIVES
    assert FileKind.PDF in DOCUMENTS
    assert not ARCHIVES & DOCUMENTS
