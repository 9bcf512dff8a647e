"""Structured e-invoices: the generated CII, UBL and Factur-X files read back exactly; hand-written XML."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import facturx
import pytest
from stdnum import iban as stdnum_iban

from fixtures.einvoices import EINVOICE_CASES, EINVOICE_SUFFIXES
from fixtures.invoices import InvoiceCase
from parsers.einvoice import (
    EInvoice,
    MalformedXmlError,
    NotAnEInvoiceError,
    UnsafeXmlError,
    embedded_xml,
    read_einvoice,
)
from parsers.einvoice_fields import FAILED_CHECK_CONFIDENCE, day_of
from parsers.errors import ParseError
from parsers.identifiers import valid_iban
from parsers.invoice import DocumentType, InvoiceFields, Method, VatLine, VatMarker

ROOT = Path(__file__).resolve().parents[2]
EINVOICES = ROOT / "fixtures" / "einvoices"
INVOICES = ROOT / "fixtures" / "invoices"
EN16931 = "urn:cen.eu:en16931:2017"
NOT_IN_TRUTH = ("method", "confidence", "warnings")
CII_NS = (
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
)
UBL_NS = (
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)
by_document = pytest.mark.parametrize(
    ("case", "suffix"),
    [(case, suffix) for case in EINVOICE_CASES for suffix in EINVOICE_SUFFIXES],
    ids=[f"{case.name}.{suffix}" for case in EINVOICE_CASES for suffix in EINVOICE_SUFFIXES],
)


def read_committed(case: InvoiceCase, suffix: str) -> EInvoice:
    """A committed e-invoice read as the pipeline reads it: embedded XML for a PDF, else the XML itself."""
    data = (EINVOICES / f"{case.name}.{suffix}").read_bytes()
    if suffix.endswith(".pdf"):
        xml = embedded_xml(data)
        assert xml is not None
        return read_einvoice(xml, Method.FACTURX)
    return read_einvoice(data, Method.XML)


def truth(case: InvoiceCase) -> dict[str, Any]:
    """The case's expected extraction, as committed next to its PDF."""
    expected: dict[str, Any] = json.loads(
        (INVOICES / f"{case.name}.expected.json").read_text(encoding="utf-8")
    )
    return expected


def cii(
    *,
    profile: str = EN16931,
    type_code: str = "380",
    seller: str = "<ram:Name>Fournisseur SAS</ram:Name><ram:SpecifiedLegalOrganization>"
    '<ram:ID schemeID="0002">732829320</ram:ID></ram:SpecifiedLegalOrganization>',
    taxes: str = "<ram:ApplicableTradeTax><ram:CalculatedAmount>20.00</ram:CalculatedAmount>"
    "<ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>100.00</ram:BasisAmount>"
    "<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent>"
    "</ram:ApplicableTradeTax>",
    issue: str = "20260112",
    totals: str = "<ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>"
    '<ram:TaxTotalAmount currencyID="EUR">20.00</ram:TaxTotalAmount>'
    "<ram:GrandTotalAmount>120.00</ram:GrandTotalAmount><ram:DuePayableAmount>120.00</ram:DuePayableAmount>",
) -> bytes:
    """A small Factur-X CII invoice with the given parts."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice {CII_NS}>
  <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{profile}</ram:ID>
  </ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument><ram:ID>F-1</ram:ID><ram:TypeCode>{type_code}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{issue}</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty>{seller}</ram:SellerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>{taxes}
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>{totals}
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".encode()


def read(xml: bytes) -> InvoiceFields:
    """The fields of standalone XML."""
    return read_einvoice(xml, Method.XML).fields


@by_document
def test_generated_einvoice_reads_back_as_the_expected_json(case: InvoiceCase, suffix: str) -> None:
    fields = read_committed(case, suffix).fields
    contract = fields.to_contract(f"{case.name}.pdf")
    assert {key: value for key, value in contract.items() if key not in NOT_IN_TRUTH} == truth(case)


@by_document
def test_generated_einvoice_gives_the_rest_with_full_confidence(case: InvoiceCase, suffix: str) -> None:
    einvoice = read_committed(case, suffix)
    fields, spec = einvoice.fields, case.spec
    assert einvoice.syntax == ("UBL" if suffix == "ubl.xml" else "CII")
    assert (einvoice.profile, einvoice.complete) == (EN16931, True)
    assert fields.method == (Method.FACTURX if suffix.endswith(".pdf") else Method.XML)
    assert fields.warnings == ()
    assert set(fields.confidence.values()) == {1.0}
    assert fields.markers == ({VatMarker(spec.vat_marker)} if spec.vat_marker else set())
    assert (fields.supplier_siren, fields.customer_siren) == (spec.supplier.siren, spec.customer.siren)
    assert fields.total_excl_tax == spec.total_excl_tax


@pytest.mark.parametrize("case", EINVOICE_CASES, ids=[case.name for case in EINVOICE_CASES])
def test_generated_xml_is_valid_against_the_xsd(case: InvoiceCase) -> None:
    for suffix in ("cii.xml", "ubl.xml"):
        assert facturx.xml_check_xsd((EINVOICES / f"{case.name}.{suffix}").read_bytes()) is True


@pytest.mark.parametrize("case", EINVOICE_CASES, ids=[case.name for case in EINVOICE_CASES])
def test_facturx_pdf_carries_the_committed_cii(case: InvoiceCase) -> None:
    pdf = (EINVOICES / f"{case.name}.facturx.pdf").read_bytes()
    assert embedded_xml(pdf) == (EINVOICES / f"{case.name}.cii.xml").read_bytes()


ZUGFERD_1 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
 <rsm:SpecifiedExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:comfort</ram:ID>
 </ram:GuidelineSpecifiedDocumentContextParameter></rsm:SpecifiedExchangedDocumentContext>
 <rsm:HeaderExchangedDocument><ram:ID>RE-2014/7</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20140519</udt:DateTimeString></ram:IssueDateTime>
 </rsm:HeaderExchangedDocument>
 <rsm:SpecifiedSupplyChainTradeTransaction>
  <ram:ApplicableSupplyChainTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Bei Spiel GmbH</ram:Name>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="FC">22/815/0815/4</ram:ID></ram:SpecifiedTaxRegistration>
    <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE136695976</ram:ID></ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
  </ram:ApplicableSupplyChainTradeAgreement>
  <ram:ApplicableSupplyChainTradeSettlement>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementPaymentMeans><ram:PayeePartyCreditorFinancialAccount>
    <ram:IBANID>DE88 2008 0000 0970 3757 00</ram:IBANID>
   </ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>
   <ram:ApplicableTradeTax><ram:CalculatedAmount currencyID="EUR">11.20</ram:CalculatedAmount>
    <ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount currencyID="EUR">160.00</ram:BasisAmount>
    <ram:CategoryCode>S</ram:CategoryCode><ram:ApplicablePercent>7.00</ram:ApplicablePercent>
   </ram:ApplicableTradeTax>
   <ram:SpecifiedTradePaymentTerms>
    <ram:DueDateDateTime><udt:DateTimeString format="102">20140609</udt:DateTimeString></ram:DueDateDateTime>
   </ram:SpecifiedTradePaymentTerms>
   <ram:SpecifiedTradeSettlementMonetarySummation>
    <ram:TaxBasisTotalAmount currencyID="EUR">160.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">11.20</ram:TaxTotalAmount>
    <ram:GrandTotalAmount currencyID="EUR">171.20</ram:GrandTotalAmount>
    <ram:DuePayableAmount currencyID="EUR">171.20</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementMonetarySummation>
  </ram:ApplicableSupplyChainTradeSettlement>
  <ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedSupplyChainTradeSettlement><ram:ApplicableTradeTax>
   <ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>AE</ram:CategoryCode><ram:ApplicablePercent>0</ram:ApplicablePercent>
  </ram:ApplicableTradeTax></ram:SpecifiedSupplyChainTradeSettlement></ram:IncludedSupplyChainTradeLineItem>
 </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>"""


def test_zugferd_1_is_read_with_its_own_paths() -> None:
    einvoice = read_einvoice(ZUGFERD_1, Method.FACTURX)
    fields = einvoice.fields
    assert (einvoice.syntax, einvoice.profile, einvoice.complete) == (
        "CII",
        "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort",
        True,
    )
    assert (fields.supplier_name, fields.supplier_vat, fields.invoice_number) == (
        "Bei Spiel GmbH",
        "DE136695976",
        "RE-2014/7",
    )
    assert (fields.issue_date, fields.due_date, fields.currency) == (
        date(2014, 5, 19),
        date(2014, 6, 9),
        "EUR",
    )
    assert (fields.total_excl_tax, fields.total_tax, fields.total_incl_tax, fields.amount_due) == (
        Decimal("160.00"),
        Decimal("11.20"),
        Decimal("171.20"),
        Decimal("171.20"),
    )
    assert fields.vat_breakdown == (VatLine(Decimal("7.00"), Decimal("160.00"), Decimal("11.20")),)
    assert fields.iban == "DE88200800000970375700"
    assert fields.markers == frozenset()  # line-level categories are not the breakdown
    assert fields.warnings == ()


UBL_CREDIT_NOTE = f"""\ufeff<?xml version="1.0" encoding="UTF-8"?>
<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2" {UBL_NS}>
 <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
 <cbc:ID>AV-12</cbc:ID><cbc:IssueDate>2026-02-03</cbc:IssueDate>
 <cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PartyIdentification><cbc:ID schemeID="0009">73282932000074</cbc:ID></cac:PartyIdentification>
  <cac:PartyName><cbc:Name>Dupont (nom commercial)</cbc:Name></cac:PartyName>
  <cac:PartyTaxScheme><cbc:CompanyID>LOC-1</cbc:CompanyID><cac:TaxScheme><cbc:ID>LOC</cbc:ID></cac:TaxScheme>
  </cac:PartyTaxScheme>
  <cac:PartyTaxScheme><cbc:CompanyID>FR 44 732 829 320</cbc:CompanyID>
   <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Boulangerie Dupont SARL</cbc:RegistrationName>
  </cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>ACME</cbc:RegistrationName>
  <cbc:CompanyID schemeID="0002">443061841</cbc:CompanyID></cac:PartyLegalEntity></cac:Party>
 </cac:AccountingCustomerParty>
 <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>
  <cbc:PaymentDueDate>2026-03-05</cbc:PaymentDueDate>
  <cac:PayeeFinancialAccount><cbc:ID>FR76 3000 4010 4500 0123 4567 884</cbc:ID></cac:PayeeFinancialAccount>
 </cac:PaymentMeans>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">10.00</cbc:TaxAmount>
  <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">50.00</cbc:TaxableAmount>
   <cbc:TaxAmount currencyID="EUR">10.00</cbc:TaxAmount>
   <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
   </cac:TaxCategory></cac:TaxSubtotal>
  <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">30.00</cbc:TaxableAmount>
   <cbc:TaxAmount currencyID="EUR">0.00</cbc:TaxAmount>
   <cac:TaxCategory><cbc:ID>O</cbc:ID><cbc:Percent>0</cbc:Percent>
    <cbc:TaxExemptionReason>TVA non applicable, art. 293 B du CGI</cbc:TaxExemptionReason>
    <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>
 </cac:TaxTotal>
 <cac:TaxTotal><cbc:TaxAmount currencyID="USD">10.80</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal><cbc:TaxExclusiveAmount currencyID="EUR">80.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">90.00</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">90.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
</CreditNote>""".encode()


def test_ubl_credit_note() -> None:
    einvoice = read_einvoice(UBL_CREDIT_NOTE, Method.XML)
    fields = einvoice.fields
    assert (einvoice.syntax, fields.document_type) == ("UBL", DocumentType.CREDIT_NOTE)
    assert (fields.supplier_name, fields.supplier_siret, fields.supplier_siren) == (
        "Boulangerie Dupont SARL",
        "73282932000074",
        "732829320",
    )
    assert (fields.supplier_vat, fields.customer_siren) == ("FR44732829320", "443061841")
    assert (fields.invoice_number, fields.issue_date, fields.due_date) == (
        "AV-12",
        date(2026, 2, 3),
        date(2026, 3, 5),
    )
    assert (fields.total_excl_tax, fields.total_tax, fields.total_incl_tax, fields.amount_due) == (
        Decimal("80.00"),
        Decimal("10.00"),
        Decimal("90.00"),
        Decimal("90.00"),
    )
    assert fields.vat_breakdown == (VatLine(Decimal("20"), Decimal("50.00"), Decimal("10.00")),)
    assert fields.markers == {VatMarker.FRANCHISE}
    assert fields.iban == "FR7630004010450001234567884"
    assert fields.warnings == ()


def test_siret_under_scheme_0002_gives_the_siret_and_its_siren() -> None:
    seller = (
        "<ram:Name>Ancien Format SA</ram:Name><ram:SpecifiedLegalOrganization>"
        '<ram:ID schemeID="0002">732 829 320 00074</ram:ID></ram:SpecifiedLegalOrganization>'
    )
    fields = read(cii(seller=seller))
    assert (fields.supplier_siret, fields.supplier_siren) == ("73282932000074", "732829320")
    assert fields.confidence["supplier_siret"] == 1.0


def test_siren_under_0002_and_siret_under_0009() -> None:
    seller = (
        '<ram:GlobalID schemeID="0088">3012345678901</ram:GlobalID>'
        '<ram:GlobalID schemeID="0009">73282932000074</ram:GlobalID><ram:Name>Dupont</ram:Name>'
        '<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">732829320</ram:ID>'
        "</ram:SpecifiedLegalOrganization>"
    )
    fields = read(cii(seller=seller))
    assert (fields.supplier_siret, fields.supplier_siren) == ("73282932000074", "732829320")


def test_identifiers_failing_their_check_are_kept_with_lower_confidence_and_a_warning() -> None:
    seller = (
        '<ram:GlobalID schemeID="0009">73282932000075</ram:GlobalID><ram:Name>Dupont</ram:Name>'
        '<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR00732829320</ram:ID>'
        "</ram:SpecifiedTaxRegistration>"
    )
    fields = read(cii(seller=seller))
    assert (fields.supplier_siret, fields.supplier_siren, fields.supplier_vat) == (
        "73282932000075",
        "732829320",
        "FR00732829320",
    )
    assert fields.confidence["supplier_siret"] == FAILED_CHECK_CONFIDENCE
    assert fields.confidence["supplier_vat"] == FAILED_CHECK_CONFIDENCE
    assert fields.confidence["supplier_siren"] == 1.0
    assert fields.warnings == (
        "supplier SIRET 73282932000075 fails its check",
        "supplier VAT number FR00732829320 fails its check",
    )


@pytest.mark.parametrize(("code", "kind"), [("380", "invoice"), ("384", "invoice"), ("389", "invoice")])
def test_invoice_type_codes(code: str, kind: str) -> None:
    assert read(cii(type_code=code)).document_type == DocumentType(kind)


@pytest.mark.parametrize("code", ["381", "261", "262", "396", "502", "503"])
def test_credit_note_type_codes(code: str) -> None:
    assert read(cii(type_code=code)).document_type == DocumentType.CREDIT_NOTE


def zero_rated(category: str, reason: str = "") -> str:
    """A header VAT row without VAT, of ``category``, with an optional exemption reason."""
    return (
        "<ram:ApplicableTradeTax><ram:CalculatedAmount>0.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>"
        f"{reason}<ram:BasisAmount>100.00</ram:BasisAmount><ram:CategoryCode>{category}</ram:CategoryCode>"
        "<ram:RateApplicablePercent>0</ram:RateApplicablePercent></ram:ApplicableTradeTax>"
    )


NO_LINE: tuple[VatLine, ...] = ()
ZERO_LINE = (VatLine(Decimal(0), Decimal("100.00"), Decimal("0.00")),)
FRANCHISE_REASON = "<ram:ExemptionReason>TVA non applicable, art. 293 B du CGI</ram:ExemptionReason>"
OTHER_REASON = "<ram:ExemptionReason>Formation professionnelle, art. 261-4-4° du CGI</ram:ExemptionReason>"


@pytest.mark.parametrize(
    ("taxes", "markers", "breakdown"),
    [
        (zero_rated("AE"), {VatMarker.REVERSE_CHARGE}, NO_LINE),
        (zero_rated("K"), {VatMarker.INTRA_EU}, NO_LINE),
        (zero_rated("E", FRANCHISE_REASON), {VatMarker.FRANCHISE}, NO_LINE),
        (
            zero_rated("O", "<ram:ExemptionReasonCode>VATEX-FR-FRANCHISE</ram:ExemptionReasonCode>"),
            {VatMarker.FRANCHISE},
            NO_LINE,
        ),
        (zero_rated("E", OTHER_REASON), set(), NO_LINE),
        (zero_rated("Z", FRANCHISE_REASON), set(), ZERO_LINE),
    ],
    ids=["AE", "K", "E 293 B", "O franchise code", "E other reason", "Z"],
)
def test_vat_markers_come_from_categories(
    taxes: str, markers: set[VatMarker], breakdown: tuple[VatLine, ...]
) -> None:
    fields = read(cii(taxes=taxes))
    assert fields.markers == markers
    assert fields.vat_breakdown == breakdown


def test_amounts_are_kept_exactly_as_written() -> None:
    totals = (
        "<ram:TaxBasisTotalAmount>100</ram:TaxBasisTotalAmount><ram:TaxTotalAmount>20.0</ram:TaxTotalAmount>"
        "<ram:GrandTotalAmount>120.000</ram:GrandTotalAmount><ram:DuePayableAmount>-5.5</ram:DuePayableAmount>"
    )
    fields = read(cii(totals=totals))
    values = (fields.total_excl_tax, fields.total_tax, fields.total_incl_tax, fields.amount_due)
    assert [str(value) for value in values] == ["100", "20.0", "120.000", "-5.5"]


def test_vat_total_is_taken_in_the_invoice_currency() -> None:
    totals = (
        '<ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID="CHF">'
        '19.00</ram:TaxTotalAmount><ram:TaxTotalAmount currencyID="EUR">20.00</ram:TaxTotalAmount>'
        "<ram:GrandTotalAmount>120.00</ram:GrandTotalAmount>"
    )
    assert read(cii(totals=totals)).total_tax == Decimal("20.00")


def test_values_that_are_not_amounts_or_days_are_dropped_with_a_warning() -> None:
    totals = (
        "<ram:TaxBasisTotalAmount>1 234,50</ram:TaxBasisTotalAmount>"
        "<ram:GrandTotalAmount>NaN</ram:GrandTotalAmount>"
    )
    fields = read(cii(issue="20261340", totals=totals))
    assert (fields.issue_date, fields.total_excl_tax, fields.total_incl_tax) == (None, None, None)
    assert fields.warnings == (
        "issue date '20261340' (format 102) is not a valid day",
        "total excl tax '1 234,50' is not a decimal amount",
        "total incl tax 'NaN' is not a decimal amount",
    )
    assert "issue_date" not in fields.confidence


@pytest.mark.parametrize(
    ("profile", "complete"),
    [
        ("urn:factur-x.eu:1p0:minimum", False),
        ("urn:factur-x.eu:1p0:basicwl", False),
        ("urn:zugferd.de:2p0:minimum", False),
        ("urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", True),
        ("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", True),
    ],
)
def test_minimum_and_basic_wl_profiles_are_not_complete(profile: str, complete: bool) -> None:
    einvoice = read_einvoice(cii(profile=profile), Method.FACTURX)
    assert (einvoice.profile, einvoice.complete) == (profile, complete)


def test_an_einvoice_without_a_key_field_is_not_complete() -> None:
    einvoice = read_einvoice(cii(seller="<ram:Name> </ram:Name>"), Method.XML)
    assert (einvoice.fields.supplier_name, einvoice.complete) == (None, False)


def test_comments_bom_and_leading_blank_lines_are_accepted() -> None:
    xml = b"\xef\xbb\xbf\n\n" + cii().replace(
        b"<ram:ID>F-1</ram:ID>", b"<ram:ID><!-- n -->F-1</ram:ID><!-- x -->"
    )
    assert read(xml).invoice_number == "F-1"


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">&lol2;
</rsm:CrossIndustryInvoice>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&e;</ID></Invoice>"""
DOCTYPE_ONLY = b"""<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://example.com/ubl.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""


@pytest.mark.parametrize(
    "xml", [LAUGHS, EXTERNAL, DOCTYPE_ONLY], ids=["entity bomb", "external entity", "doctype"]
)
def test_xml_with_a_dtd_is_refused(xml: bytes) -> None:
    with pytest.raises(UnsafeXmlError, match="XML with a DTD is refused") as caught:
        read_einvoice(xml, Method.XML)
    assert caught.value.doctype.startswith("<!DOCTYPE")


@pytest.mark.parametrize(
    "xml",
    [
        b"<rsm:CrossIndustryInvoice><a></rsm:CrossIndustryInvoice>",
        cii().replace(b"</rsm:ExchangedDocument>", b""),
        b"",
        b"%PDF-1.4",
        b"<Invoice>&undeclared;</Invoice>",
    ],
    ids=["unbound prefix", "unclosed element", "empty", "not XML", "undeclared entity"],
)
def test_malformed_xml_is_refused_with_a_reason(xml: bytes) -> None:
    with pytest.raises(MalformedXmlError, match="malformed XML at line") as caught:
        read_einvoice(xml, Method.XML)
    assert caught.value.message
    assert caught.value.line >= 1


def test_malformed_xml_says_where() -> None:
    with pytest.raises(MalformedXmlError) as caught:
        read_einvoice(b"<a>\n<b></a>", Method.XML)
    assert (caught.value.line, caught.value.column) == (2, 8)
    assert caught.value.reason == f"malformed XML at line 2, column 8: {caught.value.message}"


@pytest.mark.parametrize(
    "xml",
    [
        b"<html><body/></html>",
        b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>',
        b'<Invoice xmlns="urn:example:other"/>',
    ],
)
def test_xml_that_is_not_an_einvoice_is_refused(xml: bytes) -> None:
    with pytest.raises(NotAnEInvoiceError, match="is not a CII or UBL invoice"):
        read_einvoice(xml, Method.XML)


def test_every_refusal_is_a_parse_error() -> None:
    assert all(
        issubclass(error, ParseError) for error in (UnsafeXmlError, MalformedXmlError, NotAnEInvoiceError)
    )


def test_pdf_without_embedded_xml_gives_none() -> None:
    assert embedded_xml((INVOICES / "facture-simple.pdf").read_bytes()) is None


FACTURX_PDF = EINVOICES / "facture-simple.facturx.pdf"


@pytest.mark.parametrize(
    "pdf",
    [
        b"",
        b"hello, not a PDF",
        b"%PDF-1.7\n" + bytes(range(256)) * 8,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
        FACTURX_PDF.read_bytes()[: FACTURX_PDF.stat().st_size // 2],
        FACTURX_PDF.read_bytes().replace(b"startxref", b"startxrex"),
    ],
    ids=["empty", "not a PDF", "garbage", "no trailer", "truncated Factur-X", "no startxref"],
)
def test_corrupt_pdf_gives_none_without_raising(pdf: bytes) -> None:
    assert embedded_xml(pdf) is None


def test_embedded_xml_with_a_dtd_is_found_then_refused(tmp_path: Path) -> None:
    xml = cii().replace(
        b"<rsm:CrossIndustryInvoice", b'<!DOCTYPE x [<!ENTITY a "F">]>\n<rsm:CrossIndustryInvoice'
    )
    target = tmp_path / "out.pdf"
    facturx.generate_from_file(
        str(INVOICES / "facture-simple.pdf"),
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=False,
        pdf_metadata={},
        output_pdf_file=str(target),
    )
    found = embedded_xml(target.read_bytes())
    assert found == xml
    with pytest.raises(UnsafeXmlError):
        read_einvoice(found, Method.FACTURX)


def test_french_iban_needs_its_rib_key_too() -> None:
    bban = "30004" + "01045" + "00012345678" + "00"
    wrong_key = f"FR{stdnum_iban.calc_check_digits('FR00' + bban)}{bban}"
    assert stdnum_iban.is_valid(wrong_key)
    assert not valid_iban(wrong_key)
    assert valid_iban("FR7630004010450001234567884")
    assert valid_iban("BE21001234567803")


def test_siret_and_siren_that_disagree_give_a_warning() -> None:
    seller = (
        '<ram:GlobalID schemeID="0009">73282932000074</ram:GlobalID><ram:Name>Dupont</ram:Name>'
        '<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">443061841</ram:ID>'
        "</ram:SpecifiedLegalOrganization>"
    )
    fields = read(cii(seller=seller))
    assert (fields.supplier_siret, fields.supplier_siren) == ("73282932000074", "443061841")
    assert fields.warnings == ("supplier SIRET 73282932000074 does not start with its SIREN 443061841",)


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        (("20260112", "102"), date(2026, 1, 12)),
        (("2026-01-12", "ISO"), date(2026, 1, 12)),
        (("2026-01-12+01:00", "ISO"), date(2026, 1, 12)),
        (("202601121530", "102"), None),
        (("202601", "610"), None),
        (("12/01/2026", "ISO"), None),
        (("20260230", "102"), None),
    ],
)
def test_days_in_cii_and_ubl_formats(raw: tuple[str, str], day: date | None) -> None:
    assert day_of(raw) == day


def test_vat_row_with_a_missing_or_bad_value_is_left_out_with_a_warning() -> None:
    taxes = (
        "<ram:ApplicableTradeTax><ram:CalculatedAmount>20,00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>"
        "<ram:BasisAmount>100.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode></ram:ApplicableTradeTax>"
    )
    fields = read(cii(taxes=taxes))
    assert fields.vat_breakdown == ()
    assert "vat_breakdown" not in fields.confidence
    assert fields.warnings == (
        "VAT breakdown row (rate, base, VAT) (None, '100.00', '20,00') was left out: not all decimals",
    )


@pytest.mark.parametrize("number", ["FR7630004010450001234567885", "FR76300040104500012345678AB", "DE00123"])
def test_ibans_failing_a_check(number: str) -> None:
    assert not valid_iban(number)


def test_ubl_without_parties_gives_no_names_and_is_not_complete() -> None:
    xml = f"""<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" {UBL_NS}>
    <cbc:ID>1</cbc:ID><cbc:IssueDate>2026-01-12</cbc:IssueDate></Invoice>""".encode()
    einvoice = read_einvoice(xml, Method.XML)
    assert (einvoice.fields.supplier_name, einvoice.fields.customer_siren, einvoice.profile) == (
        None,
        None,
        None,
    )
    assert (einvoice.fields.document_type, einvoice.complete) == (DocumentType.INVOICE, False)
    assert "document_type" not in einvoice.fields.confidence
