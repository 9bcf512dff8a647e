"""HTTP acceptance: files pushed by a platform judged by the gate's rules, then stored durably as documents.

A push is stored as SMTP stores a message: one MIME message holding the accepted files (unique per request, so
the same file pushed twice is stored twice and booking reports the duplicate) is fsynced to the blob store,
each file too, then one transaction commits its RawMessage, one Document per file and the import-log lines.
The message is PROCESSED at once: the pipeline's unpack step only hands its documents on to be read.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ingest.accept import part_event_fields
from ingest.errors import AcceptError
from parsers.gate import (
    GatePolicy,
    GateVerdict,
    PartVerdict,
    Refusal,
    RefusalCode,
    ascii_text,
    judge_part,
    refusal_for,
    size_reason,
)
from parsers.mime_scan import MimePart
from store.blobs import BlobStore
from store.db import make_sessionmaker, write_session
from store.errors import BlobWriteError
from store.models import (
    Channel,
    Document,
    ImportEvent,
    ImportEventKind,
    MessageStatus,
    RawMessage,
)

HELO = "http"
"""What RawMessage.helo holds for a push (there is no SMTP greeting)."""
OCTET_STREAM = "application/octet-stream"
_MIME_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Upload:
    """One pushed file: name and declared type as given (untrusted), its bytes and its real size.

    `data` holds the whole file, or only its first `max_document_size + 1` bytes when it is larger than that
    (`size` then says how large it was): such a file is refused whatever the rest holds.
    """

    filename: str | None
    declared_type: str
    data: bytes
    size: int


@dataclass(frozen=True)
class Push:
    """One request of a platform: for which company, from whom, with what, and the platform's hints."""

    company_id: int
    company_address: str
    platform: str
    external_reference: str | None
    due_date: date | None
    peer: str
    received_at: datetime
    uploads: tuple[Upload, ...]


@dataclass(frozen=True)
class StoredDocument:
    """A document created from one accepted file."""

    id: int
    filename: str | None


@dataclass(frozen=True)
class PushReceipt:
    """What acceptance stored: the message and its documents, in the order of the accepted files."""

    message_id: int
    sha256: str
    documents: tuple[StoredDocument, ...]


def display_name(filename: str | None) -> str | None:
    """The file name for display only (never a path): last path segment, no control characters, ≤ 255."""
    if filename is None:
        return None
    last = re.split(r"[/\\]", unicodedata.normalize("NFC", filename))[-1]
    cleaned = _UNSAFE.sub("", last).strip().lstrip(".").strip()
    return cleaned[:255] or None


def _declared(upload: Upload) -> str:
    declared = upload.declared_type.split(";", 1)[0].strip().lower()
    return declared if _MIME_TYPE.match(declared) else OCTET_STREAM


def judge_upload(upload: Upload, position: str, gate: GatePolicy) -> PartVerdict:
    """The gate's verdict on one pushed file, with the same rules and words as for an email attachment."""
    name = display_name(upload.filename)
    part = MimePart(position, _declared(upload), name, "attachment", None, upload.data)
    verdict = replace(judge_part(part, gate), size=upload.size)
    if verdict.code == RefusalCode.TOO_LARGE and upload.size != len(upload.data):
        shown = ascii_text(name) if name else f"attachment {position}"
        english, french = size_reason(shown, upload.size, gate.max_document_size)
        verdict = replace(verdict, reason=english, reason_fr=french)
    return verdict


def judge_push(push: Push, gate: GatePolicy) -> GateVerdict:
    """Every file's verdict and, when none is a document, the refusal of the whole push."""
    parts = tuple(judge_upload(upload, str(i), gate) for i, upload in enumerate(push.uploads, start=1))
    return GateVerdict(parts, None if any(p.accepted for p in parts) else refusal_for(parts))


def synthesize(push: Push, documents: tuple[PartVerdict, ...], request_id: str) -> bytes:
    """The MIME message that records a push: headers naming the platform and request, the files attached."""
    message = EmailMessage()
    message["From"] = Address(display_name=push.platform, username="push", domain="collecte.invalid")
    message["To"] = push.company_address
    message["Subject"] = f"Documents pushed over HTTP by {push.platform}"
    message["Date"] = format_datetime(push.received_at)
    message["Message-ID"] = message_id(request_id)
    message["X-Collecte-Channel"] = Channel.HTTP.value
    message["X-Collecte-Platform"] = push.platform
    message["X-Collecte-Request-Id"] = request_id
    if push.external_reference is not None:
        message["X-Collecte-External-Reference"] = push.external_reference
    if push.due_date is not None:
        message["X-Collecte-Due-Date"] = push.due_date.isoformat()
    message.set_content(f"{len(documents)} document(s) pushed by {push.platform} from {push.peer}.\n")
    for position, part in enumerate(documents, start=1):
        container = part.declared_type.startswith(("multipart/", "message/"))
        maintype, subtype = (OCTET_STREAM if container else part.declared_type).split("/", 1)
        name = part.filename or f"document-{position}"
        message.add_attachment(part.payload, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes(policy=policy.SMTP)


def message_id(request_id: str) -> str:
    """The Message-ID of the message recording the push with this request id."""
    return f"<{request_id}@http.collecte.invalid>"


class HttpAcceptor:
    """Stores pushes and records refusals; every method blocks (run it off the event loop)."""

    def __init__(self, engine: Engine, blobs: BlobStore) -> None:
        self._engine = engine
        self._sessions = make_sessionmaker(engine)
        self._blobs = blobs

    def _writing(self) -> AbstractContextManager[Session]:
        return write_session(self._engine, self._sessions)

    def accept(self, push: Push, verdict: GateVerdict) -> PushReceipt:
        """Writes the message and each file (fsync), then commits all rows at once; AcceptError on failure."""
        documents = verdict.documents
        request_id = uuid.uuid4().hex
        raw = synthesize(push, documents, request_id)
        try:
            sha256 = self._blobs.put(raw).sha256
            files = tuple(self._blobs.put(part.payload).sha256 for part in documents)
        except BlobWriteError as exc:
            raise AcceptError(exc.sha256, exc.reason) from exc
        try:
            with self._writing() as session:
                message = self._message(session, push, raw, sha256, message_id(request_id))
                stored = self._documents(session, push, message, documents, files)
                session.add(_event(push, ImportEventKind.ACCEPTED, raw_message_id=message.id))
                session.add_all(
                    _part_event(push, part, message.id) for part in verdict.refused + verdict.skipped
                )
        except SQLAlchemyError as exc:
            raise AcceptError(sha256, f"database error: {exc.__class__.__name__}: {exc}") from exc
        return PushReceipt(message.id, sha256, stored)

    @staticmethod
    def _message(session: Session, push: Push, raw: bytes, sha256: str, header_id: str) -> RawMessage:
        message = RawMessage(
            company_id=push.company_id,
            sha256=sha256,
            size=len(raw),
            envelope_from=push.platform,
            envelope_to=[push.company_address],
            peer=push.peer,
            helo=HELO,
            message_id=header_id,
            subject=f"Documents pushed over HTTP by {push.platform}",
            received_at=push.received_at,
            channel=Channel.HTTP,
            source_platform=push.platform,
            status=MessageStatus.PROCESSED,
        )
        session.add(message)
        session.flush()
        return message

    @staticmethod
    def _documents(
        session: Session,
        push: Push,
        message: RawMessage,
        documents: tuple[PartVerdict, ...],
        files: tuple[str, ...],
    ) -> tuple[StoredDocument, ...]:
        rows = [
            Document(
                raw_message_id=message.id,
                company_id=push.company_id,
                position=str(position),
                filename=part.filename,
                declared_type=part.declared_type[:255],
                kind=part.kind.value,
                sha256=sha256,
                size=part.size,
                external_reference=push.external_reference,
                due_date_hint=push.due_date,
            )
            for position, (part, sha256) in enumerate(zip(documents, files, strict=True), start=1)
        ]
        session.add_all(rows)
        session.flush()
        return tuple(StoredDocument(row.id, row.filename) for row in rows)

    def record_refusal(self, push: Push, verdict: GateVerdict, refusal: Refusal) -> None:
        """Logs a refused push (nothing is stored) with the reason of each refused file."""
        total = sum(upload.size for upload in push.uploads)
        with self._writing() as session:
            session.add(
                _event(
                    push,
                    ImportEventKind.REFUSED,
                    reason_code=refusal.code.value,
                    reason=refusal.reason,
                    size=total,
                )
            )
            session.add_all(_part_event(push, part, None) for part in verdict.refused + verdict.skipped)


def _event(push: Push, kind: ImportEventKind, **fields: object) -> ImportEvent:
    return ImportEvent(
        company_id=push.company_id,
        kind=kind,
        channel=Channel.HTTP,
        source_platform=push.platform,
        sender=push.platform,
        recipients=[push.company_address],
        peer=push.peer,
        **fields,
    )


def _part_event(push: Push, part: PartVerdict, message_id: int | None) -> ImportEvent:
    kind, fields = part_event_fields(part)
    return _event(push, kind, raw_message_id=message_id, **fields)
