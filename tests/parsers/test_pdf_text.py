"""The PDF text layer: layout of the golden invoices, encryption, corrupt and long files, the OCR rule."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from parsers.invoice import DocumentText, Method, PageText
from parsers.pdf_text import (
    MIN_PAGE_CHARS,
    CorruptPdfError,
    PasswordProtectedError,
    Segment,
    TooManyPagesError,
    lay_out,
    needs_ocr,
    page_is_poor,
    pdf_text,
    poor_pages,
)
from tests.support import image_only_pdf as scanned

INVOICES = Path(__file__).parents[2] / "fixtures" / "invoices"
SIMPLE_PATH = INVOICES / "facture-simple.pdf"
SIMPLE = SIMPLE_PATH.read_bytes()
TOTAL_LABELS = ("Total TTC", "Total incl. VAT")


def french(amount: str) -> str:
    """4224.00 as printed on a French invoice: 4 224,00."""
    return f"{Decimal(amount):,.2f}".replace(",", " ").replace(".", ",")


def english(amount: str) -> str:
    return f"{Decimal(amount):,.2f}"


def image_only_pdf(dpi: int = 100) -> bytes:
    """facture-simple.pdf rendered to pixels and saved back as a PDF holding only that image."""
    return scanned(SIMPLE_PATH, dpi)


def rewritten(data: bytes, copies: int = 1, user: str | None = None, owner: str | None = None) -> bytes:
    """The PDF's pages repeated copies times, optionally encrypted, written again by pypdf."""
    writer = PdfWriter()
    for _ in range(copies):
        writer.append(PdfReader(io.BytesIO(data)))
    if user is not None:
        writer.encrypt(user, owner)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("pdf", sorted(INVOICES.glob("*.pdf")), ids=lambda path: path.stem)
def test_golden_invoice_text_keeps_label_and_total_on_one_line(pdf: Path) -> None:
    expected = json.loads(pdf.with_suffix(".expected.json").read_text())
    text = pdf_text(pdf.read_bytes())
    assert expected["invoice_number"] in text.text
    amounts = (french(expected["total_incl_tax"]), english(expected["total_incl_tax"]))
    total_lines = [line for line in text.text.splitlines() if any(label in line for label in TOTAL_LABELS)]
    assert any(amount in line for line in total_lines for amount in amounts), total_lines
    assert text.method == Method.TEXT
    assert not needs_ocr(text)


def test_simple_invoice_text_layer() -> None:
    text = pdf_text(SIMPLE)
    assert [page.number for page in text.pages] == [1]
    lines = text.text.splitlines()
    assert any("Facture n° FA-2026-0017" in line for line in lines)
    assert any(line.split()[:2] == ["Total", "TTC"] and line.endswith("4 224,00 €") for line in lines)
    assert any("Date de facture : 12/01/2026" in line for line in lines)


def test_two_pages_are_two_page_texts() -> None:
    text = pdf_text((INVOICES / "facture-deux-pages.pdf").read_bytes())
    assert [page.number for page in text.pages] == [1, 2]
    assert "Page 1" in text.pages[0].text
    assert "Total TTC" in text.pages[1].text
    assert text.text.count("\f") == 1


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_turned_text_is_read_in_its_own_direction(angle: int) -> None:
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4)
    drawing.drawString(72, 780, "Facture n° FA-2026-0017, page tournée")
    drawing.translate(300, 400)
    drawing.rotate(angle)
    drawing.drawString(0, 0, "Total TTC")
    drawing.drawString(200, 0, "4 224,00 EUR")
    drawing.showPage()
    drawing.save()
    lines = [line.split() for line in pdf_text(buffer.getvalue()).text.splitlines()]
    assert lines[0][:3] == ["Facture", "n°", "FA-2026-0017,"]
    assert ["Total", "TTC", "4", "224,00", "EUR"] in lines


def test_image_only_pdf_needs_ocr() -> None:
    text = pdf_text(image_only_pdf())
    assert text.pages == (PageText(1, "", Method.TEXT),)
    assert needs_ocr(text)
    assert poor_pages(text) == (1,)


def test_encrypted_pdf_is_refused() -> None:
    with pytest.raises(PasswordProtectedError) as caught:
        pdf_text(rewritten(SIMPLE, user="secret"))
    assert "password" in caught.value.reason


def test_pdf_encrypted_with_an_empty_user_password_is_read() -> None:
    text = pdf_text(rewritten(SIMPLE, user="", owner="owner-secret"))
    assert "FA-2026-0017" in text.text


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (SIMPLE[: len(SIMPLE) // 2], "Data format error"),
        (SIMPLE[:-300], "Data format error"),
        (b"%PDF-1.7\n1 0 obj\n<<", "Data format error"),
        (b"", "empty file"),
    ],
    ids=["truncated-half", "truncated-tail", "garbage", "empty"],
)
def test_unreadable_pdf_is_a_corrupt_pdf_error(data: bytes, detail: str) -> None:
    with pytest.raises(CorruptPdfError) as caught:
        pdf_text(data)
    assert detail in caught.value.detail
    assert caught.value.reason.startswith("PDF cannot be read")


def test_threads_share_pdfium_safely() -> None:
    pdfs = [path.read_bytes() for path in sorted(INVOICES.glob("*.pdf"))] * 3
    expected = [pdf_text(data) for data in pdfs]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(pdf_text, pdfs)) == expected


def test_more_pages_than_the_limit_are_refused() -> None:
    data = rewritten(SIMPLE, copies=3)
    assert len(pdf_text(data, max_pages=3).pages) == 3
    with pytest.raises(TooManyPagesError) as caught:
        pdf_text(data, max_pages=2)
    assert (caught.value.pages, caught.value.limit) == (3, 2)


def page(text: str, number: int = 1) -> PageText:
    return PageText(number, text, Method.TEXT)


@pytest.mark.parametrize(
    ("text", "poor"),
    [
        ("", True),
        ("Page 1/2", True),
        ("x" * (MIN_PAGE_CHARS - 1), True),
        ("x" * MIN_PAGE_CHARS, False),
        ("Facture FA-2026-0017 Total TTC 4 224,00 €", False),
        ("Facture " + "(cid:12)(cid:7)" * 4 + " Total TTC 4 224,00 € Net à payer", True),
        ("Facture FA-2026-0017 Total TTC 4 224,00 € (cid:3)", False),
        ("\ufffd" * 10 + " Facture FA-2026-0017 Total TTC 4 224,00", True),
        ("\ue001" * 10 + " Facture FA-2026-0017 Total TTC 4 224,00", True),
    ],
    ids=["empty", "stamp", "short", "enough", "invoice", "cid", "one-cid", "fffd", "private-use"],
)
def test_poor_page_rule(text: str, poor: bool) -> None:
    assert page_is_poor(page(text)) is poor


def test_needs_ocr_when_any_page_is_poor() -> None:
    good = "Facture FA-2026-0017 Total TTC 4 224,00 € Net à payer"
    assert not needs_ocr(DocumentText((page(good), page(good, 2))))
    mixed = DocumentText((page(good), page("", 2)))
    assert needs_ocr(mixed)
    assert poor_pages(mixed) == (2,)
    assert needs_ocr(DocumentText(()))


def test_lay_out_puts_segments_on_lines_by_baseline_and_column() -> None:
    segments = [
        Segment(300, 340, 101, 10, "4 224,00 €"),
        Segment(10, 60, 100, 10, "Total TTC"),
        Segment(10, 60, 80, 10, "Facture"),
        Segment(10, 60, 120, 10, "IBAN"),
    ]
    lines = lay_out(segments).splitlines()
    assert [line.split()[0] for line in lines] == ["Facture", "Total", "IBAN"]
    assert lines[1].startswith("Total TTC ") and lines[1].endswith("4 224,00 €")
    assert lines[1].index("4 224") > len("Total TTC") + 10
    assert lay_out([]) == ""
