"""Acceptance gate, pure: which parts of a message are documents, and whether to refuse it, from bytes."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, field, replace

from parsers.decorative import decorative_reason
from parsers.errors import MimeLimitError
from parsers.filetype import ARCHIVES, DOCUMENTS, FileKind, sniff
from parsers.mime_scan import MimeLimits, MimePart, scan

MB = 1024 * 1024
SIGNATURE_TYPES = frozenset(
    {
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-signature",
        "application/pgp-keys",
    }
)
"""Parts that sign or carry keys for the message: neither documents nor refused parts."""
MAX_REPLY_PARTS = 5


class RefusalCode(enum.StrEnum):
    """Why a part, or a whole message, is refused."""

    ARCHIVE = "archive"
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported_type"
    EMPTY = "empty_file"
    NO_DOCUMENT = "no_document"
    TOO_COMPLEX = "too_complex"


@dataclass(frozen=True)
class GatePolicy:
    """Limits the gate applies."""

    max_document_size: int = 10 * MB
    limits: MimeLimits = field(default_factory=MimeLimits)


@dataclass(frozen=True)
class PartVerdict:
    """The gate's decision on one attachment: a document, a skipped decoration, or refused with a reason."""

    position: str
    filename: str | None
    declared_type: str
    kind: FileKind
    detected: str
    size: int
    code: RefusalCode | None = None
    reason: str | None = None
    reason_fr: str | None = None
    skipped: bool = False
    payload: bytes = field(default=b"", repr=False, compare=False)

    @property
    def accepted(self) -> bool:
        """True for a document the pipeline will read."""
        return self.code is None and not self.skipped


@dataclass(frozen=True)
class Refusal:
    """A whole-message refusal: SMTP code, enhanced status and reply lines (ASCII, English then French)."""

    code: RefusalCode
    smtp_code: int
    status: str
    lines: tuple[str, ...]

    def reply(self) -> str:
        """The multi-line SMTP reply text."""
        last = len(self.lines) - 1
        return "\r\n".join(
            f"{self.smtp_code}{' ' if i == last else '-'}{self.status} {line}"
            for i, line in enumerate(self.lines)
        )

    @property
    def reason(self) -> str:
        """The reply lines as one sentence for the import log."""
        return " ".join(self.lines)


@dataclass(frozen=True)
class GateVerdict:
    """Every attachment's verdict and, when no document remains, the refusal of the whole message."""

    parts: tuple[PartVerdict, ...]
    refusal: Refusal | None

    @property
    def documents(self) -> tuple[PartVerdict, ...]:
        """Parts accepted as documents."""
        return tuple(p for p in self.parts if p.accepted)

    @property
    def refused(self) -> tuple[PartVerdict, ...]:
        """Parts refused, each with its reason."""
        return tuple(p for p in self.parts if p.code is not None)

    @property
    def skipped(self) -> tuple[PartVerdict, ...]:
        """Logos and signature images left aside."""
        return tuple(p for p in self.parts if p.skipped)


def ascii_text(text: str, limit: int = 60) -> str:
    """Printable ASCII (accents dropped, others replaced by '?'), cut to limit characters."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = "".join(c if 32 <= ord(c) < 127 else "?" for c in plain).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


def _name(part: MimePart) -> str:
    return ascii_text(part.filename) if part.filename else f"attachment {part.position}"


def _archive_reason(name: str, kind: FileKind) -> tuple[str, str]:
    label = kind.value.upper() if kind != FileKind.SEVEN_ZIP else "7z"
    return (
        f"{label} archives are not accepted: attach the PDF files themselves ({name}).",
        f"Les archives {label} ne sont pas acceptees : joignez directement les fichiers PDF ({name}).",
    )


def size_reason(name: str, size: int, limit: int) -> tuple[str, str]:
    """The English and French reason for a document of `size` bytes, over the limit (SMTP and HTTP)."""
    mb, limit_mb = size / MB, limit // MB
    return (
        f"{name} is {mb:.1f} MB, over the {limit_mb} MB limit per document: send a smaller file or split it.",
        f"{name} fait {mb:.1f} Mo, au-dela de la limite de {limit_mb} Mo par document : "
        "envoyez un fichier plus leger ou decoupez-le.",
    )


def _type_reason(name: str, description: str) -> tuple[str, str]:
    what = ascii_text(description, 50)
    return (
        f"{name} is not an invoice format ({what}): send a PDF, an image or a Factur-X/UBL/CII XML file.",
        f"{name} n'est pas un format de facture ({what}) : "
        "envoyez un PDF, une image ou un XML Factur-X/UBL/CII.",
    )


def judge_part(part: MimePart, policy: GatePolicy) -> PartVerdict:
    """The verdict on one attachment, from its decoded bytes."""
    sniffed = sniff(part.payload)
    base = PartVerdict(
        part.position,
        part.filename,
        part.content_type,
        sniffed.kind,
        sniffed.description,
        len(part.payload),
        payload=part.payload,
    )
    name = _name(part)
    inline = part.content_id is not None or part.disposition == "inline"
    if (skip := decorative_reason(sniffed.kind, base.size, part.filename, inline)) is not None:
        return _with(base, None, (skip, skip), skipped=True)
    if sniffed.kind in ARCHIVES:
        return _with(base, RefusalCode.ARCHIVE, _archive_reason(name, sniffed.kind))
    if sniffed.kind == FileKind.EMPTY:
        return _with(base, RefusalCode.EMPTY, (f"{name} is empty.", f"{name} est vide."))
    if base.size > policy.max_document_size:
        return _with(base, RefusalCode.TOO_LARGE, size_reason(name, base.size, policy.max_document_size))
    if sniffed.kind not in DOCUMENTS:
        return _with(base, RefusalCode.UNSUPPORTED, _type_reason(name, sniffed.description))
    return base


def _with(
    base: PartVerdict, code: RefusalCode | None, reasons: tuple[str, str], *, skipped: bool = False
) -> PartVerdict:
    return replace(base, code=code, reason=reasons[0], reason_fr=reasons[1], skipped=skipped)


_SMTP_CODES = {
    RefusalCode.TOO_LARGE: (552, "5.3.4"),
    RefusalCode.ARCHIVE: (554, "5.6.1"),
    RefusalCode.UNSUPPORTED: (554, "5.6.1"),
}


def _no_document(skipped: int) -> Refusal:
    ignored = f" ({skipped} logo or signature image(s) ignored)" if skipped else ""
    return Refusal(
        RefusalCode.NO_DOCUMENT,
        554,
        "5.6.0",
        (
            f"No invoice attached{ignored}: attach the invoice as a PDF, an image or an e-invoice XML file.",
            "Aucune facture jointe : joignez la facture en PDF, en image ou en XML de facture electronique.",
        ),
    )


def refusal_for(parts: tuple[PartVerdict, ...]) -> Refusal:
    """The whole-message refusal when no part is a document: every refused part says why."""
    refused = [p for p in parts if p.code is not None]
    if not refused:
        return _no_document(sum(p.skipped for p in parts))
    first = refused[0].code
    assert first is not None
    smtp_code, status = _SMTP_CODES.get(first, (554, "5.6.0"))
    lines: list[str] = []
    for part in refused[:MAX_REPLY_PARTS]:
        lines += [part.reason or "", part.reason_fr or ""]
    if len(refused) > MAX_REPLY_PARTS:
        lines.append(f"... and {len(refused) - MAX_REPLY_PARTS} more refused attachment(s).")
    return Refusal(first, smtp_code, status, tuple(lines))


def judge(raw: bytes, policy: GatePolicy) -> GateVerdict:
    """The gate's verdict on a raw message: documents kept, parts refused, or the whole message refused."""
    try:
        parts = scan(raw, policy.limits)
    except MimeLimitError as exc:
        what = ascii_text(exc.what, 80)
        lines = (
            f"Message too complex ({what}): send the invoices in a simpler message.",
            f"Message trop complexe ({what}) : envoyez les factures dans un message plus simple.",
        )
        return GateVerdict((), Refusal(RefusalCode.TOO_COMPLEX, 554, "5.6.0", lines))
    verdicts = tuple(
        judge_part(p, policy) for p in parts if not p.is_body_text and p.content_type not in SIGNATURE_TYPES
    )
    if any(v.accepted for v in verdicts):
        return GateVerdict(verdicts, None)
    return GateVerdict(verdicts, refusal_for(verdicts))
