"""What a download serves: a raw message or a document's bytes, its detected type, and a harmless file name.

A file name received with a document is only ever a suggestion shown to a browser: it is cut to its last
path component, stripped of anything that could act on a path or a header, and given the extension of the
type detected from the bytes. A raw message's name is built from its id alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy.orm import Session

from parsers.filetype import FileKind
from purchases.errors import NotFoundError
from purchases.message_log import company_message
from store.blobs import BlobStore
from store.errors import BlobNotFoundError
from store.models import Booking, Document
from store.purchase_models import Purchase

MAX_NAME = 120
"""The longest download name, extension included."""
_TYPES: dict[str, tuple[str, str]] = {
    FileKind.PDF: ("application/pdf", "pdf"),
    FileKind.PNG: ("image/png", "png"),
    FileKind.JPEG: ("image/jpeg", "jpg"),
    FileKind.TIFF: ("image/tiff", "tif"),
    FileKind.WEBP: ("image/webp", "webp"),
    FileKind.HEIC: ("image/heic", "heic"),
    FileKind.GIF: ("image/gif", "gif"),
    FileKind.XML_CII: ("application/xml", "xml"),
    FileKind.XML_UBL: ("application/xml", "xml"),
    FileKind.XML_OTHER: ("application/xml", "xml"),
    FileKind.TNEF: ("application/vnd.ms-tnef", "dat"),
}
_EXTENSIONS = {"jpg": ("jpg", "jpeg"), "tif": ("tif", "tiff")}
OCTET_STREAM = ("application/octet-stream", "bin")
CONTENT_TYPES = tuple(sorted({mime for mime, _ in _TYPES.values()} | {OCTET_STREAM[0]}))
"""Every content type a document download may have."""
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"*:<>?|\\/]+')
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})
"""Control and format characters (a right-to-left override disguises an extension), line separators."""


@dataclass(frozen=True)
class StoredFile:
    """A file to download: the blob holding it, its content type, the name to suggest, what it is."""

    sha256: str
    content_type: str
    name: str
    what: str
    """"message 12" or "document 34", for error messages."""


def content_type(kind: str) -> tuple[str, str]:
    """The MIME type and usual extension of a detected file kind (application/octet-stream when unknown)."""
    return _TYPES.get(kind, OCTET_STREAM)


def safe_name(filename: str | None, kind: str, fallback: str) -> str:
    """A download name from a received file name: its last path component, without control characters,
    quotes, path or shell specials, nor leading dots; with the detected type's extension; else fallback."""
    _, extension = content_type(kind)
    last = re.split(r"[/\\]", unicodedata.normalize("NFC", filename or ""))[-1]
    visible = "".join(c for c in last if unicodedata.category(c) not in _INVISIBLE)
    cleaned = " ".join(_UNSAFE.sub("_", visible).split()).lstrip(". _")
    stem = cleaned or fallback
    if not stem.lower().endswith(tuple(f".{e}" for e in _EXTENSIONS.get(extension, (extension,)))):
        stem = f"{stem}.{extension}"
    if len(stem) > MAX_NAME:
        stem = stem[: MAX_NAME - len(extension) - 1].rstrip(". ") + f".{extension}"
    return stem


def message_file(session: Session, company_id: int, message_id: int) -> StoredFile:
    """The raw message (.eml) as stored; NotFoundError when the company has no such message."""
    message = company_message(session, company_id, message_id)
    return StoredFile(message.sha256, "message/rfc822", f"message-{message.id}.eml", f"message {message.id}")


def document_file(
    session: Session, company_id: int, document_id: int, *, validated_only: bool = False
) -> StoredFile:
    """A document's file with its detected type; NotFoundError when the company has no such document (or,
    validated_only, when it is not the document of record or printed twin of a validated purchase)."""
    document = session.get(Document, document_id)
    if document is None or document.company_id != company_id:
        raise NotFoundError(f"no document {document_id} in this company")
    if validated_only and not _behind_validated_entry(session, document):
        raise NotFoundError(f"no document {document_id} behind a validated entry in this company")
    mime, _ = content_type(document.kind)
    name = safe_name(document.filename, document.kind, f"document-{document.id}")
    return StoredFile(document.sha256, mime, name, f"document {document.id}")


def _behind_validated_entry(session: Session, document: Document) -> bool:
    if document.purchase_id is None or document.booking not in (Booking.PURCHASE, Booking.TWIN):
        return False
    purchase = session.get(Purchase, document.purchase_id)
    return purchase is not None and purchase.locked_at is not None


def read_file(blobs: BlobStore, stored: StoredFile) -> bytes:
    """The file's bytes; NotFoundError when the blob store no longer holds them."""
    try:
        return blobs.get(stored.sha256)
    except BlobNotFoundError:
        raise NotFoundError(f"the file of {stored.what} is no longer in the blob store") from None
