"""From the strings of an e-invoice to checked InvoiceFields: amounts, dates, identifiers, markers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TypeVar

from parsers.einvoice_ids import compact, company_ids
from parsers.einvoice_raw import RawDate, RawInvoice, RawTax
from parsers.identifiers import valid_iban, valid_siren, valid_siret, valid_vat
from parsers.invoice import DocumentType, InvoiceFields, Method, VatLine, VatMarker

READ_CONFIDENCE = 1.0
"""A value read from the XML."""
FAILED_CHECK_CONFIDENCE = 0.5
"""An identifier read from the XML that fails its check digits: kept, since it is what the XML says."""

CREDIT_NOTE_CODES = frozenset({"381", "261", "262", "396", "502", "503"})
NO_VAT_CHARGED = frozenset({"AE", "K", "E", "O", "G"})
"""Categories where the supplier charges no VAT: reverse charge, intra-EU, exempt, out of scope, export."""
_CATEGORY_MARKERS = {"AE": VatMarker.REVERSE_CHARGE, "K": VatMarker.INTRA_EU}
_FRANCHISE_CATEGORIES = frozenset({"E", "O"})
_FRANCHISE = re.compile(r"\b293\s*B\b|VATEX-FR-FRANCHISE", re.IGNORECASE)
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DAYS = {
    "102": re.compile(r"(\d{4})(\d{2})(\d{2})"),
    "ISO": re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?"),
}
_LABELS = {
    "supplier_siret": "supplier SIRET",
    "supplier_siren": "supplier SIREN",
    "supplier_vat": "supplier VAT number",
    "iban": "IBAN",
    "customer_siren": "customer SIREN",
}
T = TypeVar("T")


def decimal_of(text: str) -> Decimal | None:
    """An XML decimal ("1234.50", "-3", ".5") exactly as written, or None when the text is not one."""
    return Decimal(text) if _DECIMAL.fullmatch(text) else None


def day_of(raw: RawDate) -> date | None:
    """The day of a CII format-102 or UBL ISO date, or None when it is not a valid day."""
    text, form = raw
    pattern = _DAYS.get(form)
    found = pattern.fullmatch(text) if pattern is not None else None
    if found is None:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


class _Reading:
    """Converts values one by one, noting the confidence each earns and a warning for each problem."""

    def __init__(self) -> None:
        self.confidence: dict[str, float] = {}
        self.warnings: list[str] = []

    def keep(self, name: str, value: T | None) -> T | None:
        """A value taken as the XML gives it."""
        if value is not None:
            self.confidence[name] = READ_CONFIDENCE
        return value

    def amount(self, name: str, text: str | None) -> Decimal | None:
        """A decimal amount; a text that is not one is dropped with a warning."""
        value = None if text is None else decimal_of(text)
        if text is not None and value is None:
            self.warnings.append(f"{name.replace('_', ' ')} {text!r} is not a decimal amount")
        return self.keep(name, value)

    def day(self, name: str, raw: RawDate | None) -> date | None:
        """A date; one that is not a valid day in a known format is dropped with a warning."""
        value = None if raw is None else day_of(raw)
        if raw is not None and value is None:
            self.warnings.append(f"{name.replace('_', ' ')} {raw[0]!r} (format {raw[1]}) is not a valid day")
        return self.keep(name, value)

    def checked(self, name: str, value: str | None, is_valid: Callable[[str], bool]) -> str | None:
        """An identifier, kept even when its check fails, but then with a lower confidence and a warning."""
        if value is None:
            return None
        if is_valid(value):
            self.confidence[name] = READ_CONFIDENCE
        else:
            self.confidence[name] = FAILED_CHECK_CONFIDENCE
            self.warnings.append(f"{_LABELS[name]} {value} fails its check")
        return value

    def breakdown(self, taxes: tuple[RawTax, ...]) -> tuple[VatLine, ...]:
        """The VAT lines of the categories where VAT is charged; rows with a non-decimal value are dropped."""
        lines = []
        for tax in taxes:
            if (tax.category or "").upper() in NO_VAT_CHARGED:
                continue
            texts = (tax.rate, tax.base, tax.amount)
            rate, base, amount = (None if text is None else decimal_of(text) for text in texts)
            if rate is None or base is None or amount is None:
                self.warnings.append(
                    f"VAT breakdown row (rate, base, VAT) {texts} was left out: not all decimals"
                )
                continue
            lines.append(VatLine(rate=rate, base=base, amount=amount))
        if lines:
            self.confidence["vat_breakdown"] = READ_CONFIDENCE
        return tuple(lines)


def vat_markers(taxes: tuple[RawTax, ...]) -> frozenset[VatMarker]:
    """Reverse charge (AE), intra-EU (K), and franchise (E or O exempted under art. 293 B of the CGI)."""
    markers = set()
    for tax in taxes:
        category = (tax.category or "").upper()
        if category in _CATEGORY_MARKERS:
            markers.add(_CATEGORY_MARKERS[category])
        elif category in _FRANCHISE_CATEGORIES and any(_FRANCHISE.search(reason) for reason in tax.reasons):
            markers.add(VatMarker.FRANCHISE)
    return frozenset(markers)


def document_type(raw: RawInvoice) -> DocumentType | None:
    """Credit note for a UBL CreditNote or a credit-note type code, invoice for other codes, else None."""
    if raw.credit_note_root or raw.type_code in CREDIT_NOTE_CODES:
        return DocumentType.CREDIT_NOTE
    return None if raw.type_code is None else DocumentType.INVOICE


def build_fields(raw: RawInvoice, method: Method) -> InvoiceFields:
    """The invoice fields of ``raw``: values exactly as the XML writes them, identifiers checked."""
    reading = _Reading()
    siret, siren = company_ids(raw.seller.ids)
    if siret is not None and siren is not None and not siret.startswith(siren):
        reading.warnings.append(f"supplier SIRET {siret} does not start with its SIREN {siren}")
    return InvoiceFields(
        method=method,
        supplier_name=reading.keep("supplier_name", raw.seller.name),
        supplier_siret=reading.checked("supplier_siret", siret, valid_siret),
        supplier_siren=reading.checked("supplier_siren", siren, valid_siren),
        supplier_vat=reading.checked("supplier_vat", compact(raw.seller.vat), valid_vat),
        invoice_number=reading.keep("invoice_number", raw.number),
        issue_date=reading.day("issue_date", raw.issue_date),
        due_date=reading.day("due_date", raw.due_date),
        currency=reading.keep("currency", raw.currency.upper() if raw.currency else None),
        total_excl_tax=reading.amount("total_excl_tax", raw.total_excl_tax),
        total_tax=reading.amount("total_tax", raw.total_tax),
        total_incl_tax=reading.amount("total_incl_tax", raw.total_incl_tax),
        amount_due=reading.amount("amount_due", raw.amount_due),
        vat_breakdown=reading.breakdown(raw.taxes),
        iban=reading.checked("iban", compact(raw.iban), valid_iban),
        document_type=reading.keep("document_type", document_type(raw)) or DocumentType.INVOICE,
        markers=vat_markers(raw.taxes),
        customer_siren=reading.checked("customer_siren", company_ids(raw.buyer.ids)[1], valid_siren),
        confidence=reading.confidence,
        warnings=tuple(reading.warnings),
    )
