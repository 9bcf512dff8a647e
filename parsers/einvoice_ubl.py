"""Where the fields are in UBL 2.1 XML: Invoice and CreditNote (EN 16931, Peppol BIS, XRechnung UBL)."""

from __future__ import annotations

from parsers.einvoice_raw import RawDate, RawInvoice, RawParty, RawTax, present
from parsers.einvoice_tree import Node, amount_in, find, find_all, local_name, scheme_ids, text_at

CREDIT_NOTE_ROOT = "CreditNote"
VAT_SCHEME = "VAT"


def read_ubl(root: Node) -> RawInvoice:
    """The fields of a UBL Invoice or CreditNote."""
    credit_note = local_name(root) == CREDIT_NOTE_ROOT
    currency = text_at(root, "DocumentCurrencyCode")
    due_date = text_at(root, "DueDate") or text_at(root, "PaymentMeans/PaymentDueDate")
    return RawInvoice(
        syntax="UBL",
        profile=text_at(root, "CustomizationID"),
        number=text_at(root, "ID"),
        type_code=text_at(root, "CreditNoteTypeCode" if credit_note else "InvoiceTypeCode"),
        issue_date=_date(text_at(root, "IssueDate")),
        due_date=_date(due_date),
        currency=currency,
        total_excl_tax=text_at(root, "LegalMonetaryTotal/TaxExclusiveAmount"),
        total_tax=amount_in(find_all(root, "TaxTotal/TaxAmount"), currency),
        total_incl_tax=text_at(root, "LegalMonetaryTotal/TaxInclusiveAmount"),
        amount_due=text_at(root, "LegalMonetaryTotal/PayableAmount"),
        taxes=tuple(_tax(node) for node in _subtotals(root, currency)),
        iban=text_at(root, "PaymentMeans/PayeeFinancialAccount/ID"),
        seller=_party(find(root, "AccountingSupplierParty/Party")),
        buyer=_party(find(root, "AccountingCustomerParty/Party")),
        credit_note_root=credit_note,
    )


def _date(text: str | None) -> RawDate | None:
    return None if text is None else (text, "ISO")


def _subtotals(root: Node, currency: str | None) -> list[Node]:
    """The cac:TaxSubtotal rows in the document currency (a second cac:TaxTotal may use another)."""
    return [
        node
        for node in find_all(root, "TaxTotal/TaxSubtotal")
        if all((amount.get("currencyID") or currency) == currency for amount in find_all(node, "TaxAmount"))
    ]


def _tax(node: Node) -> RawTax:
    """One cac:TaxSubtotal."""
    return RawTax(
        category=text_at(node, "TaxCategory/ID"),
        rate=text_at(node, "TaxCategory/Percent"),
        base=text_at(node, "TaxableAmount"),
        amount=text_at(node, "TaxAmount"),
        reasons=present(
            text_at(node, "TaxCategory/TaxExemptionReason"),
            text_at(node, "TaxCategory/TaxExemptionReasonCode"),
        ),
    )


def _party(node: Node | None) -> RawParty:
    """A cac:Party: legal (else trading) name, legal, party and endpoint IDs, VAT number (tax scheme VAT)."""
    if node is None:
        return RawParty()
    return RawParty(
        name=text_at(node, "PartyLegalEntity/RegistrationName") or text_at(node, "PartyName/Name"),
        ids=scheme_ids(node, "PartyLegalEntity/CompanyID")
        + scheme_ids(node, "PartyIdentification/ID")
        + scheme_ids(node, "EndpointID"),
        vat=_vat_number(node),
    )


def _vat_number(party: Node) -> str | None:
    """The cbc:CompanyID of the party's cac:PartyTaxScheme for VAT (a scheme without ID counts as VAT)."""
    for scheme in find_all(party, "PartyTaxScheme"):
        number = text_at(scheme, "CompanyID")
        if number is not None and (text_at(scheme, "TaxScheme/ID") or VAT_SCHEME).upper() == VAT_SCHEME:
            return number
    return None
