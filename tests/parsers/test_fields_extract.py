"""`extract_fields` on whole invoices laid out as text: fields, confidence, warnings, method."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from parsers.fields import extract_fields
from parsers.invoice import DocumentText, DocumentType, InvoiceFields, Method, PageText, VatMarker


def extract(text: str, method: Method = Method.TEXT, confidence: float | None = None) -> InvoiceFields:
    """The fields of a text, pages separated by form feeds."""
    pages = tuple(
        PageText(number, page, method, confidence) for number, page in enumerate(text.split("\f"), start=1)
    )
    return extract_fields(DocumentText(pages))


BAKERY = """
                                                                     FACTURE N° F-2024-0042
   SARL BOULANGERIE DUPONT
   14 avenue Jean Jaurès                                             Date : 05/03/2024
   69100 Villeurbanne                                                Échéance : 04/04/2024
   Tél. 04 78 00 00 00

                                            Facturé à :
                                            Restaurant Le Bouchon SAS
                                            3 place Bellecour
                                            69002 Lyon
                                            SIRET client : 732 829 320 00074

   Désignation                        Quantité   Prix unitaire HT   Montant HT
   Pain de campagne                        120           2,10            252,00
   Viennoiseries assorties                  80           1,15             92,00

                                                  Total HT                344,00 €
                                                  TVA 5,5 %                18,92 €
                                                  Total TTC               362,92 €

   Règlement par virement : IBAN FR76 3000 4010 4500 0123 4567 884
   SARL Boulangerie Dupont au capital de 10 000 € - SIRET 443 061 841 00047 - RCS Lyon 443 061 841
   N° TVA : FR 64 443061841
"""


def test_a_french_invoice() -> None:
    fields = extract(BAKERY)
    assert fields.supplier_name == "Boulangerie Dupont"
    assert (fields.supplier_siret, fields.supplier_siren, fields.supplier_vat) == (
        "44306184100047",
        "443061841",
        "FR64443061841",
    )
    assert fields.customer_siren == "732829320"
    assert fields.invoice_number == "F-2024-0042"
    assert (fields.issue_date, fields.due_date) == (dt.date(2024, 3, 5), dt.date(2024, 4, 4))
    assert (fields.total_excl_tax, fields.total_tax, fields.total_incl_tax, fields.amount_due) == (
        Decimal("344.00"),
        Decimal("18.92"),
        Decimal("362.92"),
        Decimal("362.92"),
    )
    assert [(line.rate, line.base, line.amount) for line in fields.vat_breakdown] == [
        (Decimal("5.5"), Decimal("344.00"), Decimal("18.92"))
    ]
    assert (fields.currency, fields.iban) == ("EUR", "FR7630004010450001234567884")
    assert (fields.document_type, fields.markers, fields.method) == (
        DocumentType.INVOICE,
        frozenset(),
        Method.TEXT,
    )
    assert fields.warnings == ()
    assert all(0 < score <= 1 for score in fields.confidence.values())
    assert fields.confidence["supplier_siret"] > 0.9


def test_an_english_invoice_with_reverse_charge() -> None:
    fields = extract(
        """
INVOICE                                                           Harbour Consulting Ltd
Invoice #: INV-7781                                               1 Dock Street
Invoice Date: March 5, 2024                                       London E1 8AA
Due Date: April 4, 2024                                           VAT Reg No: GB980780684

Bill To:
ACME Industrie SAS
12 rue des Tanneurs, 69007 Lyon

Description                 Qty     Unit Price      Amount
Consulting                   10       £150.00     £1,500.00

                                       Subtotal     £1,500.00
                                       VAT (0%)         £0.00
                                       Total        £1,500.00
Reverse charge: VAT to be accounted for by the recipient, art. 196 Directive 2006/112/EC
"""
    )
    assert (fields.supplier_name, fields.supplier_vat, fields.supplier_siret) == (
        "Harbour Consulting Ltd",
        "GB980780684",
        None,
    )
    assert (fields.invoice_number, fields.issue_date, fields.due_date) == (
        "INV-7781",
        dt.date(2024, 3, 5),
        dt.date(2024, 4, 4),
    )
    assert (fields.total_excl_tax, fields.total_tax, fields.total_incl_tax) == (
        Decimal("1500.00"),
        Decimal("0.00"),
        Decimal("1500.00"),
    )
    assert fields.currency == "GBP"
    assert fields.markers == {VatMarker.REVERSE_CHARGE, VatMarker.INTRA_EU}


def test_a_credit_note_printed_negative_comes_out_positive() -> None:
    fields = extract(
        """
   Fournisseur : Transports Rapides SA                         AVOIR N° AV24-0007
   8 rue du Port, 13002 Marseille                              du 15/02/2024
   SIRET 55208131766522
                                                 Client : ACME Industrie SAS
   Total HT        -250,00 €
   TVA 20 %         -50,00 €
   Total TTC       -300,00 €
"""
    )
    assert fields.document_type is DocumentType.CREDIT_NOTE
    assert (fields.supplier_name, fields.invoice_number) == ("Transports Rapides", "AV24-0007")
    assert fields.issue_date == dt.date(2024, 2, 15)
    assert (fields.total_excl_tax, fields.total_tax, fields.total_incl_tax) == (
        Decimal("250.00"),
        Decimal("50.00"),
        Decimal("300.00"),
    )
    assert [(line.base, line.amount) for line in fields.vat_breakdown] == [
        (Decimal("250.00"), Decimal("50.00"))
    ]


OCR_PAGE = """
  PLOMBERIE MARTIN
  12 RUE DES LlLAS 3500O RENNES
  SIRET 443 O61 841 00047                       FACTURE NO 2024-OO15
  TVA FR64443O61841                             DATE 12/O2/2024

  TOTALHT   1OOO,00
  TVA2O%     200,00
  TOTALTTC  1200,00
"""


def test_ocr_text_with_letter_o_for_zero_and_missing_spaces() -> None:
    fields = extract(OCR_PAGE, Method.OCR, 0.6)
    assert fields.method is Method.OCR
    assert (fields.supplier_name, fields.supplier_siret, fields.supplier_vat) == (
        "PLOMBERIE MARTIN",
        "44306184100047",
        "FR64443061841",
    )
    assert (fields.invoice_number, fields.issue_date) == ("2024-0015", dt.date(2024, 2, 12))
    assert (fields.total_excl_tax, fields.total_tax, fields.total_incl_tax) == (
        Decimal("1000.00"),
        Decimal("200.00"),
        Decimal("1200.00"),
    )
    text_confidence = extract(OCR_PAGE).confidence["total_incl_tax"]
    assert fields.confidence["total_incl_tax"] < text_confidence


def test_an_impossible_date_is_refused_and_missing_fields_are_warned() -> None:
    fields = extract(
        "Garage Lemoine\nDate : 13/25/2026\nTotal HT 100,00 €\nTVA 20 % 21,00 €\nTotal TTC 120,00 €"
    )
    assert fields.issue_date is None
    assert fields.invoice_number is None
    assert "issue date not found" in fields.warnings
    assert "invoice number not found" in fields.warnings
    assert "HT + TVA != TTC (100.00 + 21.00 != 120.00)" in fields.warnings
    assert "VAT 21.00 is not 20 % of 100.00" in fields.warnings


def test_numeric_dates_are_month_first_only_when_the_document_proves_it() -> None:
    us = extract("Invoice no. 12\nInvoice Date 11/03/2017\nPaid 11/17/2017\nTotal €10.00")
    assert us.issue_date == dt.date(2017, 11, 3)
    assert any("month first" in warning for warning in us.warnings)
    french = extract("Facture n° 12\nDate de facture : 11/03/2017\nTotal 10,00 €")
    assert french.issue_date == dt.date(2017, 3, 11)


def test_a_franchise_invoice_charges_no_vat() -> None:
    fields = extract(
        """
   Julien Blanc Photographie                              Facture n° JB-12
   SIRET 732 829 320 00074                                Date de facture : 02/05/2026
   Total HT         600,00 €
   Total TTC        600,00 €
   TVA non applicable, art. 293 B du CGI
"""
    )
    assert fields.markers == {VatMarker.FRANCHISE}
    assert (fields.total_excl_tax, fields.total_tax, fields.total_incl_tax) == (
        Decimal("600.00"),
        Decimal("0.00"),
        Decimal("600.00"),
    )
    assert fields.vat_breakdown == ()
    assert fields.supplier_vat is None


def test_multi_page_text_separated_by_form_feeds() -> None:
    page_one = "   Quincaillerie Bernot                        Facture n° Q-77\n   SIRET 732 829 320 00074\n"
    page_two = "\n".join(
        (
            "   Quincaillerie Bernot - Facture n° Q-77",
            "   Total HT 10,00 €",
            "   TVA 20 % 2,00 €",
            "   Total TTC 12,00 €",
        )
    )
    fields = extract(f"{page_one}\f{page_two}")
    assert (fields.invoice_number, fields.total_incl_tax) == ("Q-77", Decimal("12.00"))
    assert fields.confidence["invoice_number"] == 0.99


def test_an_empty_document_gives_nothing_but_warnings() -> None:
    fields = extract("")
    assert fields.to_contract("empty.pdf")["total_incl_tax"] is None
    assert fields.warnings == (
        "supplier name not found",
        "invoice number not found",
        "issue date not found",
        "total incl. tax not found",
    )
    assert fields.overall_confidence == 0
