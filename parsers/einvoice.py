"""Structured e-invoices: the XML inside a Factur-X PDF, and CII or UBL XML read into invoice fields."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import facturx
from lxml import etree  # type: ignore[import-untyped]

from parsers.einvoice_cii import FACTURX, ZUGFERD_1, read_cii
from parsers.einvoice_fields import build_fields
from parsers.einvoice_raw import RawInvoice, Syntax
from parsers.einvoice_tree import Node, local_name, namespace
from parsers.einvoice_ubl import read_ubl
from parsers.errors import ParseError
from parsers.invoice import InvoiceFields, Method

EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
"""Attachment names read from a PDF (case-insensitive): Factur-X, ZUGFeRD 1.0/2.x, XRechnung."""
PARTIAL_PROFILES = (":minimum", ":basicwl")
"""Factur-X / ZUGFeRD 2 profiles without the whole invoice (no VAT breakdown, IBAN or due date in MINIMUM)."""
KEY_FIELDS = ("supplier_name", "invoice_number", "issue_date", "total_incl_tax")
UBL_ROOTS = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "Invoice",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "CreditNote",
}
UN_CEFACT = "urn:un:unece:uncefact:"
UTF8_BOM = b"\xef\xbb\xbf"


class UnsafeXmlError(ParseError):
    """The XML has a document type declaration (DTD, entities), which no e-invoice needs: refused unread."""

    def __init__(self, doctype: str) -> None:
        super().__init__(f"XML with a DTD is refused ({doctype})")
        self.doctype = doctype


class MalformedXmlError(ParseError):
    """The bytes are not well-formed XML; the reason is the parser's, with where it stopped."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"malformed XML at line {line}, column {column}: {message}")
        self.message = message
        self.line = line
        self.column = column


class NotAnEInvoiceError(ParseError):
    """Well-formed XML whose root element is not a CII or UBL invoice."""

    def __init__(self, namespace: str, name: str) -> None:
        super().__init__(
            f"XML root element {name!r} ({namespace or 'no namespace'}) is not a CII or UBL invoice"
        )
        self.namespace = namespace
        self.name = name


@dataclass(frozen=True)
class EInvoice:
    """The fields of a structured e-invoice, its syntax and profile, and whether the XML alone is enough.

    ``complete`` is False for the Factur-X MINIMUM and BASIC WL profiles, and when a key field (supplier name,
    number, issue date, total TTC) is missing: the PDF text must then be read too.
    """

    fields: InvoiceFields
    syntax: Syntax
    profile: str | None
    complete: bool


def embedded_xml(pdf: bytes) -> bytes | None:
    """The Factur-X / ZUGFeRD / XRechnung XML attached to a PDF, or None when it has none.

    A PDF that pypdf cannot read also gives None: finding no XML is not a failure of the document, and the
    text and OCR readers (pdfium, more tolerant) decide whether the PDF itself is unreadable. An attachment
    that is not well-formed XML is skipped by the library, so the PDF is then read as if it had none.
    """
    if not pdf:
        return None
    try:
        _name, xml = facturx.get_xml_from_pdf(BytesIO(pdf), check_xsd=False, filenames=list(EMBEDDED_NAMES))
    except Exception:  # pypdf raises many types on a damaged PDF (KeyError, TypeError, RecursionError...)
        return None
    return xml if isinstance(xml, bytes) and xml else None


def read_einvoice(xml: bytes, method: Method) -> EInvoice:
    """Reads a CII (Factur-X, ZUGFeRD 1.0/2.x, XRechnung) or UBL 2.1 invoice; ``method`` says its origin.

    Raises UnsafeXmlError, MalformedXmlError or NotAnEInvoiceError. Size limits are the caller's.
    """
    raw = _read_raw(parse_xml(xml))
    fields = build_fields(raw, method)
    return EInvoice(fields=fields, syntax=raw.syntax, profile=raw.profile, complete=_complete(raw, fields))


def parse_xml(xml: bytes) -> Node:
    """The root element of ``xml``, parsed without DTD, entities or network; a document type is refused."""
    data = xml.removeprefix(UTF8_BOM)
    if data.lstrip().startswith(b"<"):
        data = data.lstrip()  # a blank line before the XML declaration is a common export slip
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        element = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line, column = error.position
        raise MalformedXmlError(str(error.msg), line, column) from error
    doctype = str(element.getroottree().docinfo.doctype)
    if doctype:
        raise UnsafeXmlError(doctype)
    root: Node = element
    return root


def _read_raw(root: Node) -> RawInvoice:
    """The raw fields of the syntax the root element names."""
    name, uri = local_name(root), namespace(root)
    if name == "CrossIndustryInvoice":
        return read_cii(root, FACTURX)
    if name == "CrossIndustryDocument" or (name == "Invoice" and uri.startswith(UN_CEFACT)):
        return read_cii(root, ZUGFERD_1)
    if UBL_ROOTS.get(uri) == name:
        return read_ubl(root)
    raise NotAnEInvoiceError(uri, name)


def _complete(raw: RawInvoice, fields: InvoiceFields) -> bool:
    """Whether the XML holds the whole invoice: not a partial profile, and every key field present."""
    partial = raw.profile is not None and raw.profile.lower().endswith(PARTIAL_PROFILES)
    return not partial and all(getattr(fields, key) is not None for key in KEY_FIELDS)
