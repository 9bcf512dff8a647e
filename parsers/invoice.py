"""The typed values every reading stage hands on: text of a document, and the invoice fields read from it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")
KEY_FIELDS = ("supplier_name", "invoice_number", "issue_date", "total_incl_tax")
"""The fields whose mean confidence is an extraction's overall confidence."""


class DocumentType(enum.StrEnum):
    """Invoice or credit note ("avoir")."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Method(enum.StrEnum):
    """How the fields were read: embedded Factur-X XML, standalone XML, PDF text layer, or OCR."""

    FACTURX = "facturx"
    XML = "xml"
    TEXT = "text"
    OCR = "ocr"


class VatMarker(enum.StrEnum):
    """VAT situations printed on the invoice that change how it is booked."""

    REVERSE_CHARGE = "reverse_charge"
    """Autoliquidation (construction subcontracting, CGI 283-2 nonies; EU services art. 196)."""
    INTRA_EU = "intra_eu"
    """Intra-EU supply of goods (art. 138 Directive 2006/112/CE): buyer self-assesses."""
    FRANCHISE = "franchise"
    """"TVA non applicable, art. 293 B du CGI": no VAT to deduct."""
    DEBITS = "debits"
    """The supplier opted to pay VAT on debits ("TVA sur les débits")."""


@dataclass(frozen=True)
class PageText:
    """The text of one page, with how it was obtained (OCR pages carry tesseract's mean confidence 0..1)."""

    number: int
    text: str
    method: Method
    confidence: float | None = None


@dataclass(frozen=True)
class DocumentText:
    """The text of a whole document, page by page."""

    pages: tuple[PageText, ...]

    @property
    def text(self) -> str:
        """All pages, separated by form feeds."""
        return "\f".join(page.text for page in self.pages)

    @property
    def method(self) -> Method:
        """OCR if any page was OCRed, else TEXT."""
        return Method.OCR if any(p.method == Method.OCR for p in self.pages) else Method.TEXT


@dataclass(frozen=True)
class VatLine:
    """One line of the VAT breakdown: rate in percent (e.g. 5.5), taxable base and VAT amount."""

    rate: Decimal
    base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InvoiceFields:
    """Everything read from one invoice; None where unknown. `confidence` maps a field name to 0..1."""

    method: Method
    supplier_name: str | None = None
    supplier_siret: str | None = None
    supplier_siren: str | None = None
    supplier_vat: str | None = None
    invoice_number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    total_excl_tax: Decimal | None = None
    total_tax: Decimal | None = None
    total_incl_tax: Decimal | None = None
    amount_due: Decimal | None = None
    vat_breakdown: tuple[VatLine, ...] = ()
    iban: str | None = None
    document_type: DocumentType = DocumentType.INVOICE
    markers: frozenset[VatMarker] = frozenset()
    customer_siren: str | None = None
    confidence: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def overall_confidence(self) -> float:
        """The mean confidence of the key fields (0 for a key field that is missing)."""
        keys = KEY_FIELDS
        return round(sum(self.confidence.get(k, 0.0) for k in keys) / len(keys), 3)

    def to_contract(self, file: str) -> dict[str, Any]:
        """The `collecte extract` JSON object: fixed keys, ISO dates, amounts as "1234.56" strings.

        `supplier_siret` holds the SIREN when only the SIREN is known (as the corpus truth does).
        """
        return {
            "file": file,
            "supplier_name": self.supplier_name,
            "supplier_siret": self.supplier_siret or self.supplier_siren,
            "supplier_vat": self.supplier_vat,
            "invoice_number": self.invoice_number,
            "issue_date": _iso(self.issue_date),
            "due_date": _iso(self.due_date),
            "currency": self.currency,
            "total_excl_tax": money(self.total_excl_tax),
            "total_tax": money(self.total_tax),
            "total_incl_tax": money(self.total_incl_tax),
            "amount_due": money(self.amount_due),
            "iban": self.iban,
            "document_type": self.document_type.value,
            "method": self.method.value,
            "confidence": self.overall_confidence,
            "warnings": list(self.warnings),
            "vat_breakdown": [
                {"rate": money(line.rate), "base": money(line.base), "amount": money(line.amount)}
                for line in self.vat_breakdown
            ],
        }

    def to_record(self) -> dict[str, Any]:
        """Every field, losslessly, as JSON-ready values (`from_record` gives the same InvoiceFields back)."""
        record: dict[str, Any] = {}
        for name in _SCALARS:
            value = getattr(self, name)
            record[name] = value if value is None or isinstance(value, str) else str(value)
        record.update(
            method=self.method.value,
            document_type=self.document_type.value,
            markers=sorted(marker.value for marker in self.markers),
            vat_breakdown=[[str(line.rate), str(line.base), str(line.amount)] for line in self.vat_breakdown],
            confidence=dict(self.confidence),
            warnings=list(self.warnings),
        )
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> InvoiceFields:
        """The InvoiceFields that `to_record` wrote."""
        scalars: dict[str, Any] = {}
        for name, kind in _SCALARS.items():
            value = record.get(name)
            scalars[name] = None if value is None else kind(value)
        return cls(
            method=Method(record["method"]),
            document_type=DocumentType(record.get("document_type", DocumentType.INVOICE.value)),
            markers=frozenset(VatMarker(marker) for marker in record.get("markers", [])),
            vat_breakdown=tuple(
                VatLine(Decimal(rate), Decimal(base), Decimal(amount))
                for rate, base, amount in record.get("vat_breakdown", [])
            ),
            confidence={str(k): float(v) for k, v in record.get("confidence", {}).items()},
            warnings=tuple(str(w) for w in record.get("warnings", [])),
            **scalars,
        )


_SCALARS: dict[str, Callable[[str], Any]] = {
    "supplier_name": str,
    "supplier_siret": str,
    "supplier_siren": str,
    "supplier_vat": str,
    "invoice_number": str,
    "issue_date": date.fromisoformat,
    "due_date": date.fromisoformat,
    "currency": str,
    "total_excl_tax": Decimal,
    "total_tax": Decimal,
    "total_incl_tax": Decimal,
    "amount_due": Decimal,
    "iban": str,
    "customer_siren": str,
}


def money(value: Decimal | None) -> str | None:
    """A decimal as a string with a dot and two decimals, or None."""
    return None if value is None else str(value.quantize(CENT))


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
