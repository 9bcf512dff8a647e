"""Pipeline steps on the database: unpack a message into documents, read a document, record failures."""

from __future__ import annotations

import enum
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from parsers.filetype import FileKind
from parsers.gate import GatePolicy, PartVerdict
from parsers.invoice import InvoiceFields
from parsers.unpack import unpack
from purchases.booking import Booked, book_message
from purchases.errors import NotFoundError
from purchases.import_log import document_event, message_event
from purchases.twins import link_twins
from store.blobs import BlobStore
from store.db import make_sessionmaker, write_session
from store.models import Document, DocumentStatus, ImportEventKind, MessageStatus, RawMessage

FastReader = Callable[[bytes, FileKind], InvoiceFields | None]
"""Reads a document without OCR; None when it needs OCR."""
OcrReader = Callable[[bytes, FileKind], InvoiceFields]
"""Reads a document with OCR."""


class ReadOutcome(enum.StrEnum):
    """What a read step did."""

    READ = "read"
    NEEDS_OCR = "needs_ocr"
    ALREADY_DONE = "already_done"


@dataclass(frozen=True)
class Readers:
    """The reading stages, injected by the composition root (pure functions from parsers)."""

    fast: FastReader
    ocr: OcrReader


class Pipeline:
    """Each method is one idempotent step, safe to run twice with the same id (actors call them)."""

    def __init__(
        self,
        engine: Engine,
        blobs: BlobStore,
        policy: GatePolicy,
        readers: Readers,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self._engine = engine
        self._today = today
        self._sessions = make_sessionmaker(engine)
        self._blobs = blobs
        self._policy = policy
        self._readers = readers

    def unpack(self, message_id: int) -> tuple[int, ...]:
        """Creates the message's documents (once) and returns the ids of those still to read."""
        with self._sessions() as session:
            message = self._message(session, message_id)
            done = message.status == MessageStatus.PROCESSED
            sha256 = message.sha256
        if not done:
            unpacked = unpack(self._blobs.get(sha256), self._policy)
            stored = [(part, self._blobs.put(part.payload).sha256) for part in unpacked.documents]
            self._record_documents(message_id, stored)
        with self._sessions() as session:
            query = select(Document.id).where(
                Document.raw_message_id == message_id,
                Document.status.in_([DocumentStatus.PENDING, DocumentStatus.FAILED]),
            )
            return tuple(session.scalars(query.order_by(Document.id)))

    def _record_documents(self, message_id: int, stored: list[tuple[PartVerdict, str]]) -> None:
        with self._writing() as session:
            message = self._message(session, message_id)
            if message.status == MessageStatus.PROCESSED:
                return
            for part, sha256 in stored:
                session.add(
                    Document(
                        raw_message_id=message.id,
                        company_id=message.company_id,
                        position=part.position,
                        filename=part.filename[:255] if part.filename else None,
                        declared_type=part.declared_type[:255],
                        kind=part.kind.value,
                        sha256=sha256,
                        size=part.size,
                    )
                )
            if not stored:
                session.add(
                    message_event(
                        message, ImportEventKind.NO_DOCUMENT, reason="no document found in the message"
                    )
                )
            message.status = MessageStatus.PROCESSED

    def read(self, document_id: int, *, allow_ocr: bool) -> ReadOutcome:
        """Reads a document's fields (structured XML, text layer, or OCR when allowed) and stores them."""
        with self._sessions() as session:
            document = self._document(session, document_id)
            if document.status in (DocumentStatus.READ, DocumentStatus.BOOKED):
                return ReadOutcome.ALREADY_DONE
            sha256, kind = document.sha256, FileKind(document.kind)
        data = self._blobs.get(sha256)
        fields = self._readers.ocr(data, kind) if allow_ocr else self._readers.fast(data, kind)
        if fields is None:
            return ReadOutcome.NEEDS_OCR
        self._record_fields(document_id, fields)
        return ReadOutcome.READ

    def _record_fields(self, document_id: int, fields: InvoiceFields) -> None:
        with self._writing() as session:
            document = self._document(session, document_id)
            document.fields = fields.to_contract(document.filename or f"document-{document.id}")
            document.extraction = fields.to_record()
            document.method = fields.method.value
            document.confidence = fields.overall_confidence
            document.status = DocumentStatus.READ
            document.failed_stage = document.failure_reason = document.failure_traceback = None
            message = self._document_event(session, document, ImportEventKind.DOCUMENT_READ)
            session.flush()
            self._link_twins(session, message)

    def _writing(self) -> AbstractContextManager[Session]:
        return write_session(self._engine, self._sessions)

    def _document_event(
        self, session: Session, document: Document, kind: ImportEventKind, **fields: object
    ) -> RawMessage:
        """Adds an import-log line about a document and returns its message."""
        message = self._message(session, document.raw_message_id)
        session.add(document_event(message, document, kind, **fields))
        return message

    @staticmethod
    def _link_twins(session: Session, message: RawMessage) -> None:
        siblings = session.scalars(select(Document).where(Document.raw_message_id == message.id))
        for printed, xml in link_twins(list(siblings)):
            reason = (
                f"{printed.filename or 'document'} is the printed copy of e-invoice {xml.filename or xml.id}"
            )
            session.add(message_event(message, ImportEventKind.TWIN, document_id=printed.id, reason=reason))

    def book(self, document_id: int) -> tuple[Booked, ...] | None:
        """Books the read documents of the document's message, once; None while a sibling is being read."""
        with self._writing() as session:
            document = self._document(session, document_id)
            return book_message(session, self._message(session, document.raw_message_id), self._today())

    def fail_document(self, document_id: int, stage: str, reason: str, trace: str) -> None:
        """Records a permanent failure: the import log shows the stage and reason, and a retry is possible."""
        with self._writing() as session:
            document = self._document(session, document_id)
            document.status = DocumentStatus.FAILED
            document.failed_stage, document.failure_reason, document.failure_traceback = stage, reason, trace
            document.attempts += 1
            self._document_event(
                session, document, ImportEventKind.DOCUMENT_FAILED, reason_code=stage, reason=reason
            )

    def fail_message(self, message_id: int, stage: str, reason: str, trace: str) -> None:
        """Records that a message could not be unpacked."""
        with self._writing() as session:
            message = self._message(session, message_id)
            message.status = MessageStatus.FAILED
            message.failure_reason, message.failure_traceback = f"{stage}: {reason}", trace

    def unfinished(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Messages accepted but not unpacked, and documents not yet booked (to send again on start)."""
        with self._sessions() as session:
            messages = session.scalars(
                select(RawMessage.id).where(
                    RawMessage.status.in_([MessageStatus.ACCEPTED, MessageStatus.PROCESSING])
                )
            )
            documents = session.scalars(
                select(Document.id).where(Document.status.in_([DocumentStatus.PENDING, DocumentStatus.READ]))
            )
            return tuple(messages), tuple(documents)

    def waiting_messages(self, older_than: timedelta) -> tuple[int, ...]:
        """Messages accepted before now - older_than and still not unpacked (lost or never sent)."""
        cutoff = datetime.now(UTC) - older_than
        with self._sessions() as session:
            query = select(RawMessage.id).where(
                RawMessage.status == MessageStatus.ACCEPTED, RawMessage.received_at < cutoff
            )
            return tuple(session.scalars(query))

    @staticmethod
    def _message(session: Session, message_id: int) -> RawMessage:
        message = session.get(RawMessage, message_id)
        if message is None:
            raise NotFoundError(f"no raw message {message_id}")
        return message

    @staticmethod
    def _document(session: Session, document_id: int) -> Document:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFoundError(f"no document {document_id}")
        return document
