"""Credit notes and VAT markers: reverse charge, intra-EU, franchise (art. 293 B), débits."""

from __future__ import annotations

import pytest

from parsers.fields.layout import read_layout
from parsers.fields.markers import Markers, read_markers
from parsers.invoice import DocumentText, DocumentType, Method, PageText, VatMarker


def markers_of(text: str) -> Markers:
    """The markers of a one-page text."""
    return read_markers(read_layout(DocumentText((PageText(1, text, Method.TEXT),))))


@pytest.mark.parametrize(
    "text",
    [
        "      Papeterie Durand                     AVOIR",
        "Avoir n° AV-2026-0003",
        "FACTURE D'AVOIR N° 12",
        "CREDIT NOTE",
        "Note de crédit 2026-4",
        "Gutschrift Nr. 7",
    ],
)
def test_credit_notes(text: str) -> None:
    assert markers_of(text).document_type is DocumentType.CREDIT_NOTE


@pytest.mark.parametrize(
    "text",
    [
        "FACTURE n° 12",
        "La loi nous fait l'obligation de vous indiquer les pénalités sans avoir à vous relancer.",
        "Vous pouvez avoir un escompte.",
        "Invoice no. 7",
    ],
)
def test_invoices_that_merely_say_avoir(text: str) -> None:
    assert markers_of(text).document_type is DocumentType.INVOICE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Autoliquidation : TVA due par le preneur, art. 283-2 nonies du CGI.", {VatMarker.REVERSE_CHARGE}),
        ("Auto-liquidation de la TVA", {VatMarker.REVERSE_CHARGE}),
        ("Reverse charge: VAT due by the customer", {VatMarker.REVERSE_CHARGE}),
        (
            "Autoliquidation, art. 196 de la directive 2006/112/CE",
            {VatMarker.REVERSE_CHARGE, VatMarker.INTRA_EU},
        ),
        ("Exonération de TVA, article 262 ter I du CGI, livraison intracommunautaire", {VatMarker.INTRA_EU}),
        ("Exempt: intra-community supply, article 138 Directive 2006/112/EC", {VatMarker.INTRA_EU}),
        ("TVA non applicable, art. 293 B du CGI", {VatMarker.FRANCHISE}),
        ("TVA non applicable - article 293B du code général des impôts", {VatMarker.FRANCHISE}),
        ("VAT not applicable, art. 293 B CGI.", {VatMarker.FRANCHISE}),
        ("TVA acquittée sur les débits", {VatMarker.DEBITS}),
        ("Option pour le paiement de la taxe d'après les débits", {VatMarker.DEBITS}),
        ("TVA acquittée sur les encaissements", set()),
        ("N° TVA intracommunautaire : FR44732829320", set()),
    ],
)
def test_vat_markers(text: str, expected: set[VatMarker]) -> None:
    markers = markers_of(text)
    assert markers.vat == expected
    assert markers.no_vat is bool(expected - {VatMarker.DEBITS})
