"""Where the fields are in Cross Industry Invoice XML: Factur-X, ZUGFeRD 2.x (CII D16B) and ZUGFeRD 1.0."""

from __future__ import annotations

from dataclasses import dataclass

from parsers.einvoice_raw import RawDate, RawInvoice, RawParty, RawTax, present
from parsers.einvoice_tree import Node, amount_in, find, find_all, scheme_ids, text_at, text_of

DEFAULT_DATE_FORMAT = "102"


@dataclass(frozen=True)
class CiiLayout:
    """The element names that differ between CII D16B and ZUGFeRD 1.0 (paths from the root element)."""

    context: str
    document: str
    agreement: str
    settlement: str
    summation: str
    rate: str


FACTURX = CiiLayout(
    context="ExchangedDocumentContext",
    document="ExchangedDocument",
    agreement="SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement",
    settlement="SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement",
    summation="SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement/"
    "SpecifiedTradeSettlementHeaderMonetarySummation",
    rate="RateApplicablePercent",
)
"""rsm:CrossIndustryInvoice: Factur-X 1.0 and ZUGFeRD 2.x, XRechnung CII."""

ZUGFERD_1 = CiiLayout(
    context="SpecifiedExchangedDocumentContext",
    document="HeaderExchangedDocument",
    agreement="SpecifiedSupplyChainTradeTransaction/ApplicableSupplyChainTradeAgreement",
    settlement="SpecifiedSupplyChainTradeTransaction/ApplicableSupplyChainTradeSettlement",
    summation="SpecifiedSupplyChainTradeTransaction/ApplicableSupplyChainTradeSettlement/"
    "SpecifiedTradeSettlementMonetarySummation",
    rate="ApplicablePercent",
)
"""rsm:CrossIndustryDocument (ZUGFeRD 1.0), and the 2014 pre-release draft (rsm:Invoice, CBFBUY namespace)."""


def read_cii(root: Node, layout: CiiLayout) -> RawInvoice:
    """The fields of a CII invoice laid out as ``layout`` says."""
    document, settlement, summation = layout.document, layout.settlement, layout.summation
    currency = text_at(root, f"{settlement}/InvoiceCurrencyCode")
    return RawInvoice(
        syntax="CII",
        profile=text_at(root, f"{layout.context}/GuidelineSpecifiedDocumentContextParameter/ID"),
        number=text_at(root, f"{document}/ID"),
        type_code=text_at(root, f"{document}/TypeCode"),
        issue_date=_date(find(root, f"{document}/IssueDateTime")),
        due_date=_date(find(root, f"{settlement}/SpecifiedTradePaymentTerms/DueDateDateTime")),
        currency=currency,
        total_excl_tax=text_at(root, f"{summation}/TaxBasisTotalAmount"),
        total_tax=amount_in(find_all(root, f"{summation}/TaxTotalAmount"), currency),
        total_incl_tax=text_at(root, f"{summation}/GrandTotalAmount"),
        amount_due=text_at(root, f"{summation}/DuePayableAmount"),
        taxes=tuple(_tax(node, layout.rate) for node in find_all(root, f"{settlement}/ApplicableTradeTax")),
        iban=text_at(
            root,
            f"{settlement}/SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/IBANID",
        ),
        seller=_party(find(root, f"{layout.agreement}/SellerTradeParty")),
        buyer=_party(find(root, f"{layout.agreement}/BuyerTradeParty")),
    )


def _date(node: Node | None) -> RawDate | None:
    """A date element's udt:DateTimeString (or its own text, as in the 2014 draft) with its format code."""
    if node is None:
        return None
    stamp = find(node, "DateTimeString")
    holder = node if stamp is None else stamp
    text = text_of(holder)
    return None if text is None else (text, holder.get("format") or DEFAULT_DATE_FORMAT)


def _tax(node: Node, rate: str) -> RawTax:
    """One ram:ApplicableTradeTax of the header settlement."""
    return RawTax(
        category=text_at(node, "CategoryCode"),
        rate=text_at(node, rate),
        base=text_at(node, "BasisAmount"),
        amount=text_at(node, "CalculatedAmount"),
        reasons=present(text_at(node, "ExemptionReason"), text_at(node, "ExemptionReasonCode")),
    )


def _party(node: Node | None) -> RawParty:
    """A ram:SellerTradeParty or ram:BuyerTradeParty: name, legal and global IDs, VAT number (scheme VA)."""
    if node is None:
        return RawParty()
    vat_numbers = (
        value for scheme, value in scheme_ids(node, "SpecifiedTaxRegistration/ID") if scheme == "VA"
    )
    return RawParty(
        name=text_at(node, "Name"),
        ids=scheme_ids(node, "SpecifiedLegalOrganization/ID") + scheme_ids(node, "GlobalID"),
        vat=next(vat_numbers, None),
    )
