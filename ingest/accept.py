"""Durable acceptance: the raw message fsynced to the blob store and its rows committed, once per company."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Any

from sqlalchemy import Connection, Engine, Insert, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ingest.delivery import Delivery
from ingest.errors import AcceptError
from parsers.gate import GateVerdict, PartVerdict, Refusal
from store.blobs import BlobStore
from store.db import write_gate
from store.errors import BlobWriteError
from store.models import ImportEvent, ImportEventKind, MessageStatus, RawMessage

_HEADERS = BytesHeaderParser(policy=policy.compat32)
MAX_HEADER_TEXT = 998
HEADER_SCAN = 65536
Row = dict[str, Any]


@dataclass(frozen=True)
class Acceptance:
    """What acceptance stored: new message ids, and ids of messages this one duplicates."""

    sha256: str
    stored: tuple[int, ...]
    duplicates: tuple[int, ...]

    @property
    def message_ids(self) -> tuple[int, ...]:
        """Every raw message id that now holds this message, new or earlier."""
        return self.stored + self.duplicates


def _headers(raw: bytes) -> Message:
    end = raw.find(b"\r\n\r\n", 0, HEADER_SCAN)
    return _HEADERS.parsebytes(raw[: end if end >= 0 else HEADER_SCAN])


def _text(headers: Message, name: str) -> str | None:
    value = headers.get(name)
    return None if value is None else str(value).strip()[:MAX_HEADER_TEXT]


def _event(delivery: Delivery, company_id: int, kind: ImportEventKind, **fields: object) -> Row:
    row: Row = {
        "company_id": company_id,
        "kind": kind,
        "channel": delivery.channel,
        "source_platform": delivery.source_platform,
        "sender": delivery.mail_from[:320],
        "recipients": list(delivery.rcpt_tos),
        "peer": delivery.peer[:100],
        "raw_message_id": None,
        "document_id": None,
        "reason_code": None,
        "reason": None,
        "filename": None,
        "detected_type": None,
        "size": None,
    }
    row.update(fields)
    return row


def _part_events(
    delivery: Delivery, company_id: int, message_id: int | None, verdict: GateVerdict
) -> list[Row]:
    return [_part_event(delivery, company_id, message_id, part) for part in verdict.refused + verdict.skipped]


def part_event_fields(part: PartVerdict) -> tuple[ImportEventKind, dict[str, object]]:
    """The import-log kind and columns of a refused or skipped part (SMTP, IMAP and HTTP log them alike)."""
    kind = ImportEventKind.PART_SKIPPED if part.skipped else ImportEventKind.PART_REFUSED
    return kind, {
        "reason_code": part.code.value if part.code else "decorative",
        "reason": part.reason,
        "filename": part.filename[:255] if part.filename else None,
        "detected_type": part.detected[:255],
        "size": part.size,
    }


def _part_event(delivery: Delivery, company_id: int, message_id: int | None, part: PartVerdict) -> Row:
    kind, fields = part_event_fields(part)
    return _event(delivery, company_id, kind, raw_message_id=message_id, **fields)


_RAW: Table = RawMessage.__table__  # type: ignore[assignment]
_EVENTS: Table = ImportEvent.__table__  # type: ignore[assignment]
_EXISTING = select(_RAW.c.id).where(
    _RAW.c.company_id == bindparam("company_id"), _RAW.c.sha256 == bindparam("sha256")
)


def _insert_statement(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT (company_id, sha256) DO NOTHING RETURNING id, compiled once per dialect."""
    if dialect == "sqlite":
        return sqlite.insert(_RAW).on_conflict_do_nothing(index_elements=["company_id", "sha256"])
    if dialect == "postgresql":
        return postgresql.insert(_RAW).on_conflict_do_nothing(index_elements=["company_id", "sha256"])
    return insert(_RAW)


def _insert_new(connection: Connection, row: Row) -> int | None:
    """Inserts a raw message unless its company already has its sha256: the new id, or None."""
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql") and _existing(connection, row) is not None:
        return None
    new_id = connection.execute(_insert_statement(dialect).returning(_RAW.c.id), row).scalar()
    return None if new_id is None else int(new_id)


def _existing(connection: Connection, row: Row) -> int | None:
    found = connection.execute(_EXISTING, {"company_id": row["company_id"], "sha256": row["sha256"]}).scalar()
    return None if found is None else int(found)


class Acceptor:
    """Stores deliveries durably and records refusals; every method blocks (run it off the event loop)."""

    def __init__(self, engine: Engine, blobs: BlobStore) -> None:
        self._engine = engine
        self._blobs = blobs

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with write_gate(self._engine), self._engine.begin() as connection:
            yield connection

    def accept(self, delivery: Delivery, verdict: GateVerdict) -> Acceptance:
        """Writes the blob (fsync) then commits one RawMessage per company; AcceptError if either fails."""
        try:
            ref = self._blobs.put(delivery.raw)
        except BlobWriteError as exc:
            raise AcceptError(exc.sha256, exc.reason) from exc
        for attempt in (1, 2):
            try:
                return self._record(delivery, verdict, ref.sha256)
            except IntegrityError as exc:
                if attempt == 2:
                    raise AcceptError(ref.sha256, f"database refused the rows: {exc.orig}") from exc
            except SQLAlchemyError as exc:
                raise AcceptError(ref.sha256, f"database error: {exc.__class__.__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    def _record(self, delivery: Delivery, verdict: GateVerdict, sha256: str) -> Acceptance:
        stored: list[int] = []
        duplicates: list[int] = []
        events: list[Row] = []
        headers = _headers(delivery.raw)
        with self._transaction() as connection:
            for company_id in delivery.company_ids:
                row = self._message_row(delivery, headers, company_id, sha256)
                new_id = _insert_new(connection, row)
                if new_id is not None:
                    stored.append(new_id)
                    events.append(
                        _event(delivery, company_id, ImportEventKind.ACCEPTED, raw_message_id=new_id)
                    )
                    events += _part_events(delivery, company_id, new_id, verdict)
                    continue
                earlier = _existing(connection, row)
                duplicates.append(int(earlier or 0))
                reason = f"same message already received as message {earlier}"
                events.append(
                    _event(
                        delivery, company_id, ImportEventKind.DUPLICATE, raw_message_id=earlier, reason=reason
                    )
                )
            connection.execute(insert(_EVENTS), events)
        return Acceptance(sha256, tuple(stored), tuple(duplicates))

    @staticmethod
    def _message_row(delivery: Delivery, headers: Message, company_id: int, sha256: str) -> Row:
        return {
            "company_id": company_id,
            "sha256": sha256,
            "size": len(delivery.raw),
            "envelope_from": delivery.mail_from[:320],
            "envelope_to": list(delivery.rcpt_tos),
            "peer": delivery.peer[:100],
            "helo": delivery.helo[:255],
            "message_id": _text(headers, "Message-ID"),
            "subject": _text(headers, "Subject"),
            "received_at": delivery.received_at,
            "channel": delivery.channel,
            "source_platform": delivery.source_platform,
            "status": MessageStatus.ACCEPTED,
        }

    def record_refusal(self, delivery: Delivery, verdict: GateVerdict, refusal: Refusal) -> None:
        """Logs a refused message for each company it was sent to, with the reason given to the sender."""
        events: list[Row] = []
        for company_id in delivery.company_ids:
            events.append(
                _event(
                    delivery,
                    company_id,
                    ImportEventKind.REFUSED,
                    reason_code=refusal.code.value,
                    reason=refusal.reason,
                    size=len(delivery.raw),
                )
            )
            events += _part_events(delivery, company_id, None, verdict)
        with self._transaction() as connection:
            connection.execute(insert(_EVENTS), events)
