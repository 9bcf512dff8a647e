"""Reading one document into invoice fields: structured XML first, then the PDF text layer, then OCR."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from parsers.einvoice import EInvoice, embedded_xml, read_einvoice
from parsers.errors import ParseError
from parsers.fields import extract_fields
from parsers.filetype import IMAGES, FileKind
from parsers.invoice import DocumentText, InvoiceFields, Method
from parsers.ocr import ocr_image, ocr_pdf
from parsers.pdf_text import needs_ocr, pdf_text, poor_pages


class UnreadableKindError(ParseError):
    """The document is of a kind the pipeline does not read."""

    def __init__(self, kind: FileKind) -> None:
        super().__init__(f"documents of kind {kind.value} are not read")
        self.kind = kind


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on reading: pages per document, OCR resolution and time per page."""

    max_pages: int = 50
    dpi: int = 300
    page_timeout: float = 60.0


def _fill_missing(primary: InvoiceFields, fallback: InvoiceFields) -> InvoiceFields:
    """primary's values, with the fields it lacks taken from fallback (for Factur-X MINIMUM / BASIC WL)."""
    changes: dict[str, Any] = {}
    for item in fields(InvoiceFields):
        if item.name in ("confidence", "warnings"):
            continue
        if getattr(primary, item.name) in (None, ()) and getattr(fallback, item.name) not in (None, ()):
            changes[item.name] = getattr(fallback, item.name)
    confidence = {**fallback.confidence, **primary.confidence}
    return replace(primary, **changes, confidence=confidence, warnings=primary.warnings + fallback.warnings)


def _embedded(data: bytes) -> tuple[EInvoice | None, tuple[str, ...]]:
    """The embedded e-invoice, if any; one that cannot be read is a warning, the printed text still counts."""
    xml = embedded_xml(data)
    if xml is None:
        return None, ()
    try:
        return read_einvoice(xml, Method.FACTURX), ()
    except ParseError as exc:
        return None, (f"embedded e-invoice XML ignored: {exc.reason}",)


PRINTED_FALLBACK = ("supplier_siret", "supplier_vat", "iban", "due_date", "currency")
"""Fields that an otherwise complete Factur-X XML may leave empty although the page prints them."""


def _lacks_printed_fields(fields: InvoiceFields) -> bool:
    return any(getattr(fields, name) is None for name in PRINTED_FALLBACK)


def _read_pdf(data: bytes, limits: ReadLimits) -> InvoiceFields | None:
    structured, warnings = _embedded(data)
    if structured is not None and structured.complete and not _lacks_printed_fields(structured.fields):
        return structured.fields
    text = pdf_text(data, limits.max_pages)
    if needs_ocr(text):
        return structured.fields if structured is not None else None
    printed = extract_fields(text)
    if structured is None:
        return replace(printed, warnings=printed.warnings + warnings)
    return _fill_missing(structured.fields, printed)


def read_without_ocr(data: bytes, kind: FileKind, limits: ReadLimits | None = None) -> InvoiceFields | None:
    """The fields of a document read without OCR, or None when only OCR can read it."""
    if kind in (FileKind.XML_CII, FileKind.XML_UBL):
        return read_einvoice(data, Method.XML).fields
    if kind == FileKind.PDF:
        return _read_pdf(data, limits or ReadLimits())
    if kind in IMAGES:
        return None
    raise UnreadableKindError(kind)


def _ocr_poor_pages(data: bytes, limits: ReadLimits) -> DocumentText:
    """The text layer where it is good, OCR for the pages where it is missing or garbled."""
    layer = pdf_text(data, limits.max_pages)
    poor = poor_pages(layer) or tuple(page.number for page in layer.pages)
    ocr = ocr_pdf(
        data, max_pages=limits.max_pages, dpi=limits.dpi, page_timeout=limits.page_timeout, pages=poor
    )
    by_number = {page.number: page for page in layer.pages} | {page.number: page for page in ocr.pages}
    return DocumentText(tuple(by_number[number] for number in sorted(by_number)))


def read_with_ocr(data: bytes, kind: FileKind, limits: ReadLimits | None = None) -> InvoiceFields:
    """The fields of a scanned PDF or an image, read by OCR."""
    limits = limits or ReadLimits()
    if kind == FileKind.PDF:
        text = _ocr_poor_pages(data, limits)
    elif kind in IMAGES:
        text = ocr_image(data, max_pages=limits.max_pages, page_timeout=limits.page_timeout)
    else:
        raise UnreadableKindError(kind)
    return extract_fields(text)


def read_document(data: bytes, kind: FileKind, limits: ReadLimits | None = None) -> InvoiceFields:
    """Every way in order: structured, text layer, OCR."""
    return read_without_ocr(data, kind, limits) or read_with_ocr(data, kind, limits)
