"""InvoiceFields survive the trip to JSON and back unchanged (booking reads them from the database)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from parsers.extract import read_without_ocr
from parsers.filetype import sniff
from parsers.invoice import DocumentType, InvoiceFields, Method, VatLine, VatMarker

INVOICES = Path(__file__).parents[2] / "fixtures" / "invoices"

FULL = InvoiceFields(
    method=Method.FACTURX,
    supplier_name="Bâti Sud SARL",
    supplier_siret="73282932000074",
    supplier_siren="732829320",
    supplier_vat="FR44732829320",
    invoice_number="FA-2026/0042",
    issue_date=date(2026, 1, 12),
    due_date=date(2026, 2, 28),
    currency="EUR",
    total_excl_tax=Decimal("1000.00"),
    total_tax=Decimal("155.00"),
    total_incl_tax=Decimal("1155.00"),
    amount_due=Decimal("855.00"),
    vat_breakdown=(
        VatLine(Decimal("20"), Decimal("500.00"), Decimal("100.00")),
        VatLine(Decimal("5.5"), Decimal("1000.00"), Decimal("55.00")),
    ),
    iban="FR7630006000011234567890189",
    document_type=DocumentType.CREDIT_NOTE,
    markers=frozenset({VatMarker.REVERSE_CHARGE, VatMarker.DEBITS}),
    customer_siren="443061841",
    confidence={"supplier_name": 0.9, "invoice_number": 1.0},
    warnings=("no late-payment penalty rate",),
)


def test_every_field_round_trips_through_json() -> None:
    record = json.loads(json.dumps(FULL.to_record()))
    assert InvoiceFields.from_record(record) == FULL


def test_an_empty_extraction_round_trips() -> None:
    empty = InvoiceFields(method=Method.OCR)
    assert InvoiceFields.from_record(json.loads(json.dumps(empty.to_record()))) == empty


@pytest.mark.parametrize("pdf", sorted(INVOICES.glob("*.pdf")), ids=lambda p: p.stem)
def test_golden_invoices_round_trip(pdf: Path) -> None:
    data = pdf.read_bytes()
    fields = read_without_ocr(data, sniff(data).kind)
    assert fields is not None
    again = InvoiceFields.from_record(json.loads(json.dumps(fields.to_record())))
    assert again == fields
    assert again.to_contract(pdf.name) == fields.to_contract(pdf.name)
