"""File type from the bytes alone (libmagic through python-magic), never from a name or declared type."""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from io import BytesIO
from xml.etree.ElementTree import ParseError as XmlParseError

import magic
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

SNIFF_BYTES = 256 * 1024
"""libmagic sees at most this many leading bytes (enough for every signature we rely on, tar included)."""


class FileKind(enum.StrEnum):
    """What a document is, as far as collecte is concerned."""

    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    WEBP = "webp"
    HEIC = "heic"
    GIF = "gif"
    XML_CII = "xml-cii"
    XML_UBL = "xml-ubl"
    XML_OTHER = "xml-other"
    TNEF = "tnef"
    ZIP = "zip"
    RAR = "rar"
    SEVEN_ZIP = "7z"
    TAR = "tar"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"
    EMPTY = "empty"
    OTHER = "other"


ARCHIVES = frozenset(
    {FileKind.ZIP, FileKind.RAR, FileKind.SEVEN_ZIP, FileKind.TAR, FileKind.GZIP, FileKind.BZIP2, FileKind.XZ}
)
IMAGES = frozenset({FileKind.PNG, FileKind.JPEG, FileKind.TIFF, FileKind.WEBP, FileKind.HEIC, FileKind.GIF})
DOCUMENTS = frozenset(
    {
        FileKind.PDF,
        FileKind.PNG,
        FileKind.JPEG,
        FileKind.TIFF,
        FileKind.WEBP,
        FileKind.HEIC,
        FileKind.XML_CII,
        FileKind.XML_UBL,
        FileKind.TNEF,
    }
)
"""Kinds the pipeline reads (TNEF is Outlook's winmail.dat container, unpacked by the worker)."""

_BY_MIME = {
    "application/pdf": FileKind.PDF,
    "image/png": FileKind.PNG,
    "image/jpeg": FileKind.JPEG,
    "image/tiff": FileKind.TIFF,
    "image/webp": FileKind.WEBP,
    "image/heic": FileKind.HEIC,
    "image/heif": FileKind.HEIC,
    "image/gif": FileKind.GIF,
    "application/vnd.ms-tnef": FileKind.TNEF,
    "application/zip": FileKind.ZIP,
    "application/x-rar": FileKind.RAR,
    "application/vnd.rar": FileKind.RAR,
    "application/x-7z-compressed": FileKind.SEVEN_ZIP,
    "application/x-tar": FileKind.TAR,
    "application/gzip": FileKind.GZIP,
    "application/x-gzip": FileKind.GZIP,
    "application/x-bzip2": FileKind.BZIP2,
    "application/x-xz": FileKind.XZ,
}
_XML_MIMES = frozenset({"text/xml", "application/xml"})
_CII_ROOTS = frozenset({"CrossIndustryInvoice", "CrossIndustryDocument"})
_UBL_ROOTS = frozenset({"Invoice", "CreditNote"})
_UBL_NAMESPACE_PREFIX = "urn:oasis:names:specification:ubl:schema:xsd:"


@dataclass(frozen=True)
class Sniffed:
    """The detected kind with libmagic's own words and MIME type (for messages that name the type)."""

    kind: FileKind
    description: str
    mime: str


_local = threading.local()


def _magic(mime: bool) -> magic.Magic:
    """A per-thread libmagic handle (libmagic handles are not thread-safe)."""
    attribute = "mime" if mime else "text"
    handle = getattr(_local, attribute, None)
    if handle is None:
        handle = magic.Magic(mime=mime)
        setattr(_local, attribute, handle)
    return handle


def xml_root(data: bytes) -> tuple[str, str] | None:
    """(namespace, local name) of the root element, or None when the bytes are not well-formed XML.

    Only the start of the root element is parsed; DTDs and entities are refused (defusedxml).
    """
    try:
        for _event, element in iterparse(BytesIO(data), events=("start",), forbid_dtd=True):
            tag = str(element.tag)
            if tag.startswith("{"):
                namespace, _, local = tag[1:].partition("}")
                return namespace, local
            return "", tag
    except (XmlParseError, DefusedXmlException, ValueError):
        return None
    return None


def _xml_kind(data: bytes) -> FileKind | None:
    root = xml_root(data)
    if root is None:
        return None
    namespace, local = root
    if local in _CII_ROOTS:
        return FileKind.XML_CII
    if local in _UBL_ROOTS and namespace.startswith(_UBL_NAMESPACE_PREFIX):
        return FileKind.XML_UBL
    return FileKind.XML_OTHER


def sniff(data: bytes) -> Sniffed:
    """Detects the kind of data from its bytes."""
    if not data:
        return Sniffed(FileKind.EMPTY, "empty file", "application/x-empty")
    head = data[:SNIFF_BYTES]
    mime = _magic(mime=True).from_buffer(head)
    description = _magic(mime=False).from_buffer(head)
    kind = _BY_MIME.get(mime)
    if kind is None and (mime in _XML_MIMES or head.lstrip()[:1] == b"<"):
        kind = _xml_kind(data)
    return Sniffed(kind or FileKind.OTHER, description, mime)
