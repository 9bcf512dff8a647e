"""Reading order on whole documents: Factur-X XML, then the text layer, then OCR of the poor pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fixtures.einvoices import cii_xml, facturx_pdf
from fixtures.invoices import CASES
from parsers.extract import UnreadableKindError, read_document, read_with_ocr, read_without_ocr
from parsers.filetype import FileKind
from parsers.invoice import Method
from tests.support import image_only_pdf

ROOT = Path(__file__).parents[2]


def truth(case: str) -> dict[str, object]:
    return dict(json.loads((ROOT / "fixtures" / "invoices" / f"{case}.expected.json").read_text()))


def scanned_pdf(case: str, dpi: int = 200) -> bytes:
    """The fixture's first page as an image-only PDF, as a scanner makes it."""
    return image_only_pdf(ROOT / "fixtures" / "invoices" / f"{case}.pdf", dpi)


def test_facturx_pdf_is_read_from_its_xml() -> None:
    data = (ROOT / "fixtures" / "einvoices" / "facture-simple.facturx.pdf").read_bytes()
    fields = read_document(data, FileKind.PDF)
    assert fields.method == Method.FACTURX
    assert fields.to_contract("x")["total_incl_tax"] == truth("facture-simple")["total_incl_tax"]


def test_text_pdf_is_read_without_ocr() -> None:
    data = (ROOT / "fixtures" / "invoices" / "facture-acompte.pdf").read_bytes()
    fields = read_without_ocr(data, FileKind.PDF)
    assert fields is not None
    assert fields.method == Method.TEXT
    assert fields.to_contract("x")["amount_due"] == truth("facture-acompte")["amount_due"]


def test_scanned_pdf_needs_ocr_and_ocr_reads_it() -> None:
    data = scanned_pdf("facture-simple")
    assert read_without_ocr(data, FileKind.PDF) is None
    fields = read_with_ocr(data, FileKind.PDF)
    assert fields.method == Method.OCR
    contract = fields.to_contract("scan.pdf")
    expected = truth("facture-simple")
    for key in ("invoice_number", "issue_date", "total_incl_tax", "supplier_siret"):
        assert contract[key] == expected[key], key


def test_other_kinds_are_refused_with_a_reason() -> None:
    with pytest.raises(UnreadableKindError, match="documents of kind zip are not read"):
        read_document(b"PK", FileKind.ZIP)


def test_empty_iban_in_facturx_xml_is_taken_from_the_printed_page() -> None:
    spec = next(case.spec for case in CASES if case.name == "facture-simple")
    cii = cii_xml(spec)
    iban = re.search(rb"<ram:IBANID>([^<]+)</ram:IBANID>", cii)
    assert iban is not None
    pdf = facturx_pdf(spec, cii.replace(iban.group(0), b"<ram:IBANID></ram:IBANID>"))
    fields = read_document(pdf, FileKind.PDF)
    assert fields.method == Method.FACTURX
    assert fields.iban == truth("facture-simple")["iban"]


def test_fill_missing_keeps_structured_values_and_merges_warnings() -> None:
    from parsers.extract import _fill_missing
    from parsers.invoice import InvoiceFields

    xml = InvoiceFields(Method.FACTURX, invoice_number="A-1", confidence={"invoice_number": 1.0})
    printed = InvoiceFields(
        Method.TEXT, invoice_number="B-2", iban="FR76", confidence={"iban": 0.8}, warnings=("printed",)
    )
    merged = _fill_missing(xml, printed)
    assert (merged.method, merged.invoice_number, merged.iban) == (Method.FACTURX, "A-1", "FR76")
    assert merged.warnings == ("printed",)
    assert merged.confidence == {"invoice_number": 1.0, "iban": 0.8}
