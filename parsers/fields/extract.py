"""`extract_fields`: every invoice field read from a document's text, with a confidence and warnings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from parsers.fields.amounts import main_currency
from parsers.fields.dates import DateOrder, date_order
from parsers.fields.header import Header, read_header
from parsers.fields.identifiers import Identifier, IdKind, find_identifiers
from parsers.fields.labels import find_labels
from parsers.fields.layout import read_layout
from parsers.fields.markers import Markers, read_markers
from parsers.fields.parties import Parties, read_parties
from parsers.fields.totals import Totals, read_totals
from parsers.fields.values import Candidate, T
from parsers.invoice import DocumentText, DocumentType, InvoiceFields, Method, VatLine

_MAX_CONFIDENCE = 0.99
_CHECKED, _UNCHECKED = 0.95, 0.5


@dataclass(frozen=True)
class Reading:
    """Everything read from one document, before it is laid out as `InvoiceFields`."""

    header: Header
    parties: Parties
    totals: Totals
    markers: Markers
    currency: str | None
    order: DateOrder

    @property
    def credit_note(self) -> bool:
        """A credit note by its wording, or because its total is negative."""
        incl = self.totals.incl_tax
        return self.markers.document_type is DocumentType.CREDIT_NOTE or bool(incl and incl.value < 0)

    def identifier(self, kind: IdKind) -> Identifier | None:
        """The supplier's identifier of a kind (the IBAN to pay for IBAN)."""
        if kind is IdKind.IBAN:
            return self.parties.iban
        supplier = self.parties.supplier
        return supplier.first(kind) if supplier else None


def read_document(text: DocumentText) -> Reading:
    """Run every reader over the text."""
    layout = read_layout(text)
    labels = find_labels(layout)
    order = date_order(line.text for line in layout.lines)
    markers = read_markers(layout)
    return Reading(
        header=read_header(layout, labels, order),
        parties=read_parties(layout, labels, find_identifiers(layout)),
        totals=read_totals(layout, labels, no_vat=markers.no_vat),
        markers=markers,
        currency=main_currency(line.text for line in layout.lines),
        order=order,
    )


def _money(candidate: Candidate[Decimal] | None, positive: bool) -> Decimal | None:
    if candidate is None:
        return None
    return abs(candidate.value) if positive else candidate.value


def _fields(reading: Reading, method: Method) -> InvoiceFields:
    header, totals, parties = reading.header, reading.totals, reading.parties
    positive = reading.credit_note
    siret, vat, iban = (reading.identifier(kind) for kind in (IdKind.SIRET, IdKind.VAT, IdKind.IBAN))
    return InvoiceFields(
        method=method,
        supplier_name=parties.supplier_name.value if parties.supplier_name else None,
        supplier_siret=siret.value if siret else None,
        supplier_siren=parties.supplier.siren if parties.supplier else None,
        supplier_vat=vat.value if vat else None,
        invoice_number=header.number.value if header.number else None,
        issue_date=header.issue_date.value if header.issue_date else None,
        due_date=header.due_date.value if header.due_date else None,
        currency=reading.currency,
        total_excl_tax=_money(totals.excl_tax, positive),
        total_tax=_money(totals.tax, positive),
        total_incl_tax=_money(totals.incl_tax, positive),
        amount_due=_money(totals.amount_due, positive),
        vat_breakdown=tuple(
            VatLine(line.rate, abs(line.base), abs(line.amount)) if positive else line
            for line in totals.breakdown
        ),
        iban=iban.value if iban else None,
        document_type=DocumentType.CREDIT_NOTE if reading.credit_note else DocumentType.INVOICE,
        markers=reading.markers.vat,
        customer_siren=parties.customer_siren.value if parties.customer_siren else None,
    )


def _score(candidate: Candidate[T] | None) -> float | None:
    return None if candidate is None else min(_MAX_CONFIDENCE, candidate.score)


def _scored(reading: Reading) -> dict[str, float]:
    header, totals, parties = reading.header, reading.totals, reading.parties
    scores = (
        ("supplier_name", _score(parties.supplier_name)),
        ("invoice_number", _score(header.number)),
        ("issue_date", _score(header.issue_date)),
        ("due_date", _score(header.due_date)),
        ("total_excl_tax", _score(totals.excl_tax)),
        ("total_tax", _score(totals.tax)),
        ("total_incl_tax", _score(totals.incl_tax)),
        ("amount_due", _score(totals.amount_due)),
        ("customer_siren", _score(parties.customer_siren)),
    )
    return {key: score for key, score in scores if score is not None}


def _confidence(reading: Reading, fields: InvoiceFields, factor: float) -> dict[str, float]:
    scores = _scored(reading)
    for key, kind in (("supplier_siret", IdKind.SIRET), ("supplier_vat", IdKind.VAT), ("iban", IdKind.IBAN)):
        found = reading.identifier(kind)
        if found is not None:
            scores[key] = _CHECKED if found.validated else _UNCHECKED
    if fields.supplier_siren:
        scores["supplier_siren"] = _CHECKED
    if fields.currency:
        scores["currency"] = 0.9
    if fields.vat_breakdown:
        scores["vat_breakdown"] = 0.6 if any("breakdown" in w for w in reading.totals.warnings) else 0.95
    scores["document_type"] = 0.9
    if fields.markers:
        scores["markers"] = 0.9
    return {key: round(value * factor, 3) for key, value in scores.items()}


def _ocr_factor(text: DocumentText) -> float:
    """1 for a text layer; for OCR, between 0.5 and 1 with tesseract's mean confidence."""
    scores = [page.confidence for page in text.pages if page.method is Method.OCR]
    if not scores:
        return 1.0
    known = [score for score in scores if score is not None]
    return 0.5 + 0.5 * (sum(known) / len(known) if known else 0.5)


def _warnings(reading: Reading, fields: InvoiceFields) -> tuple[str, ...]:
    missing = (
        ("supplier name not found", fields.supplier_name),
        ("invoice number not found", fields.invoice_number),
        ("issue date not found", fields.issue_date),
        ("total incl. tax not found", fields.total_incl_tax),
    )
    warnings = [message for message, value in missing if value is None]
    warnings += reading.totals.warnings
    if reading.order is DateOrder.MONTH_FIRST:
        warnings.append("numeric dates read month first: the document prints a date only valid that way")
    if fields.issue_date and fields.due_date and fields.due_date < fields.issue_date:
        warnings.append("due date before issue date")
    if reading.markers.no_vat and fields.total_tax:
        warnings.append("VAT charged although the invoice says none is due (reverse charge, franchise)")
    vat = reading.identifier(IdKind.VAT)
    if vat is not None and not vat.validated:
        warnings.append(f"VAT number {vat.value} could not be checked")
    return tuple(warnings)


def extract_fields(text: DocumentText) -> InvoiceFields:
    """The invoice fields of a document's text (layout preserved, pages separated by form feeds)."""
    reading = read_document(text)
    fields = _fields(reading, text.method)
    return dataclasses.replace(
        fields,
        confidence=_confidence(reading, fields, _ocr_factor(text)),
        warnings=_warnings(reading, fields),
    )
