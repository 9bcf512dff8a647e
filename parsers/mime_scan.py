"""Fast MIME walk for the acceptance gate: leaf parts decoded, found with bytes.find on boundaries.

The stdlib email parser feeds every line through Python code (about 15 ms per MB); this walk parses only the
small header blocks with it and splits bodies on their boundaries in C, so the gate costs a fraction of
receiving the message. tests/parsers/test_mime_scan.py checks it against email.parser on every fixture.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser

from parsers.errors import MimeLimitError

_HEADER_PARSER = BytesHeaderParser(policy=policy.compat32)
_BOUNDARY_END = frozenset(b"\r\n\t -")
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(c for c in range(256) if c not in _BASE64_ALPHABET)


@dataclass(frozen=True)
class MimePart:
    """A leaf of the MIME tree: declared metadata and the decoded payload."""

    position: str
    content_type: str
    filename: str | None
    disposition: str | None
    content_id: str | None
    payload: bytes

    @property
    def is_body_text(self) -> bool:
        """A text/plain or text/html part without a file name that is not an attachment: message text."""
        return (
            self.content_type in ("text/plain", "text/html")
            and self.filename is None
            and self.disposition != "attachment"
        )


@dataclass(frozen=True)
class MimeLimits:
    """Bounds on the walk: nesting depth (multiparts and forwarded messages) and number of leaves."""

    max_depth: int = 12
    max_parts: int = 200


def _split_head(entity: bytes) -> tuple[bytes, bytes]:
    """Headers and body of an entity, separated by the first empty line (CRLF or LF)."""
    if entity.startswith((b"\r\n", b"\n")):
        return b"", entity[2 if entity.startswith(b"\r\n") else 1 :]
    crlf = entity.find(b"\r\n\r\n")
    lf = entity.find(b"\n\n", 0, crlf + 2 if crlf >= 0 else len(entity))
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return entity[: crlf + 2], entity[crlf + 4 :]
    if lf >= 0:
        return entity[: lf + 1], entity[lf + 2 :]
    return entity, b""


def _find_delimiter(body: bytes, delimiter: bytes, start: int) -> int:
    """Index of the next line that starts with delimiter (followed by space, dash or line end), or -1."""
    if start == 0 and body.startswith(delimiter) and _ends_boundary(body, len(delimiter)):
        return 0
    needle = b"\n" + delimiter
    index = body.find(needle, max(start - 1, 0))
    while index >= 0:
        after = index + len(needle)
        if _ends_boundary(body, after):
            return index + 1
        index = body.find(needle, after)
    return -1


def _ends_boundary(body: bytes, index: int) -> bool:
    return index >= len(body) or body[index] in _BOUNDARY_END


def split_multipart(body: bytes, boundary: str) -> list[bytes]:
    """The body parts of a multipart body, without the CRLF that belongs to each delimiter."""
    delimiter = b"--" + boundary.encode("ascii", "replace")
    parts: list[bytes] = []
    position = _find_delimiter(body, delimiter, 0)
    while position >= 0:
        after = position + len(delimiter)
        if body.startswith(b"--", after):
            break
        line_end = body.find(b"\n", after)
        if line_end < 0:
            break
        start = line_end + 1
        following = _find_delimiter(body, delimiter, start)
        if following < 0:
            parts.append(body[start:])
            break
        end = following - 1
        if end > start and body[end - 1] == 0x0D:
            end -= 1
        parts.append(body[start : max(end, start)])
        position = following
    return parts


def decode_payload(body: bytes, transfer_encoding: str) -> bytes:
    """Body bytes decoded from base64 or quoted-printable; anything else is returned as is."""
    if transfer_encoding == "base64":
        try:
            return binascii.a2b_base64(body)
        except binascii.Error:
            return _lenient_base64(body)
    if transfer_encoding == "quoted-printable":
        return binascii.a2b_qp(body)
    return body


def _lenient_base64(body: bytes) -> bytes:
    """Decodes damaged base64 as far as it goes: stray characters dropped, padding repaired."""
    data = body.translate(None, _NOT_BASE64)
    if len(data) % 4 == 1:
        data = data[:-1]
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))


def _filename(headers: Message) -> str | None:
    """The part's file name, RFC 2231 parameters and RFC 2047 encoded words decoded."""
    name = headers.get_filename()
    if name is None or "=?" not in name:
        return name
    try:
        return str(make_header(decode_header(name)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return name


class _Walk:
    def __init__(self, limits: MimeLimits) -> None:
        self.limits = limits
        self.parts: list[MimePart] = []

    def entity(self, raw: bytes, position: str, depth: int) -> None:
        if depth > self.limits.max_depth:
            raise MimeLimitError(
                f"parts nested more than {self.limits.max_depth} deep", self.limits.max_depth
            )
        head, body = _split_head(raw)
        headers = _HEADER_PARSER.parsebytes(head)
        content_type = headers.get_content_type()
        boundary = headers.get_boundary() if headers.get_content_maintype() == "multipart" else None
        if boundary:
            for index, child in enumerate(split_multipart(body, boundary), start=1):
                self.entity(child, f"{position}.{index}", depth + 1)
            return
        encoding = str(headers.get("Content-Transfer-Encoding", "")).strip().lower()
        payload = decode_payload(body, encoding)
        if content_type == "message/rfc822":
            self.entity(payload, f"{position}.1", depth + 1)
            return
        self.leaf(headers, content_type, payload, position)

    def leaf(self, headers: Message, content_type: str, payload: bytes, position: str) -> None:
        if len(self.parts) >= self.limits.max_parts:
            raise MimeLimitError(f"more than {self.limits.max_parts} parts", self.limits.max_parts)
        content_id = headers.get("Content-ID")
        self.parts.append(
            MimePart(
                position=position,
                content_type=content_type,
                filename=_filename(headers),
                disposition=headers.get_content_disposition(),
                content_id=str(content_id).strip() if content_id else None,
                payload=payload,
            )
        )


def scan(raw: bytes, limits: MimeLimits | None = None) -> tuple[MimePart, ...]:
    """Every leaf part of a raw message, forwarded messages included; MimeLimitError past the limits."""
    walk = _Walk(limits or MimeLimits())
    walk.entity(raw, "1", 0)
    return tuple(walk.parts)
