"""Golden files: each fixture invoice PDF, read through its text layer, gives its expected contract JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pdfplumber
import pytest

from parsers.fields import extract_fields
from parsers.invoice import DocumentText, Method, PageText

INVOICES = Path(__file__).resolve().parents[2] / "fixtures" / "invoices"
NOT_COMPARED = ("method", "confidence", "warnings")
CASES = sorted(path.stem for path in INVOICES.glob("*.pdf"))


def pdf_text(path: Path) -> DocumentText:
    """The pdfplumber layout text of each page of a PDF."""
    with pdfplumber.open(path) as pdf:
        pages = tuple(
            PageText(number, page.extract_text(layout=True) or "", Method.TEXT)
            for number, page in enumerate(pdf.pages, start=1)
        )
    return DocumentText(pages)


def test_every_fixture_is_checked() -> None:
    assert len(CASES) >= 9
    assert all((INVOICES / f"{case}.expected.json").is_file() for case in CASES)


@pytest.mark.parametrize("case", CASES)
def test_fixture_fields_match_the_expected_json(case: str) -> None:
    expected = json.loads((INVOICES / f"{case}.expected.json").read_text(encoding="utf-8"))
    fields = extract_fields(pdf_text(INVOICES / f"{case}.pdf"))
    contract = fields.to_contract(f"{case}.pdf")
    compared = {key: contract.get(key) for key in expected if key not in NOT_COMPARED}
    assert compared == {key: value for key, value in expected.items() if key not in NOT_COMPARED}
    assert fields.method is Method.TEXT
    assert fields.warnings == ()
    assert fields.overall_confidence >= 0.8


def test_fixture_markers_and_customer() -> None:
    markers = {
        case: extract_fields(pdf_text(INVOICES / f"{case}.pdf")) for case in ("intra-ue", "franchise-293b")
    }
    assert {marker.value for marker in markers["intra-ue"].markers} == {"reverse_charge", "intra_eu"}
    assert {marker.value for marker in markers["franchise-293b"].markers} == {"franchise"}
    assert markers["franchise-293b"].customer_siren is not None
