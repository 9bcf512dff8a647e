"""Durable acceptance: the raw message fsynced to the blob store and its rows committed, once per company."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ingest.delivery import Delivery
from ingest.errors import AcceptError
from ingest.gate import GateVerdict, PartVerdict, Refusal
from store.blobs import BlobStore
from store.errors import BlobWriteError
from store.models import ImportEvent, ImportEventKind, RawMessage

_HEADERS = BytesHeaderParser(policy=policy.compat32)
MAX_HEADER_TEXT = 998


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


def _header(raw: bytes, name: str) -> str | None:
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw[:65536] else raw[:65536]
    value = _HEADERS.parsebytes(head).get(name)
    return None if value is None else str(value).strip()[:MAX_HEADER_TEXT]


def _event(delivery: Delivery, company_id: int, kind: ImportEventKind, **fields: object) -> ImportEvent:
    return ImportEvent(
        company_id=company_id,
        kind=kind,
        channel=delivery.channel,
        source_platform=delivery.source_platform,
        sender=delivery.mail_from,
        recipients=list(delivery.rcpt_tos),
        peer=delivery.peer,
        **fields,
    )


def _part_event(
    delivery: Delivery, company_id: int, message_id: int | None, part: PartVerdict
) -> ImportEvent:
    kind = ImportEventKind.PART_SKIPPED if part.skipped else ImportEventKind.PART_REFUSED
    return _event(
        delivery,
        company_id,
        kind,
        raw_message_id=message_id,
        reason_code=part.code.value if part.code else "decorative",
        reason=part.reason,
        filename=part.filename,
        detected_type=part.detected[:255],
        size=part.size,
    )


class Acceptor:
    """Stores deliveries durably and records refusals; every method blocks (run it off the event loop)."""

    def __init__(self, sessions: sessionmaker[Session], blobs: BlobStore) -> None:
        self._sessions = sessions
        self._blobs = blobs

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
        with self._sessions.begin() as session:
            for company_id in delivery.company_ids:
                earlier = session.scalar(
                    select(RawMessage.id).where(
                        RawMessage.company_id == company_id, RawMessage.sha256 == sha256
                    )
                )
                if earlier is not None:
                    duplicates.append(earlier)
                    reason = f"same message already received as message {earlier}"
                    session.add(
                        _event(
                            delivery,
                            company_id,
                            ImportEventKind.DUPLICATE,
                            raw_message_id=earlier,
                            reason=reason,
                        )
                    )
                    continue
                message = self._message(delivery, company_id, sha256)
                session.add(message)
                session.flush()
                stored.append(message.id)
                session.add(_event(delivery, company_id, ImportEventKind.ACCEPTED, raw_message_id=message.id))
                for part in verdict.refused + verdict.skipped:
                    session.add(_part_event(delivery, company_id, message.id, part))
        return Acceptance(sha256, tuple(stored), tuple(duplicates))

    @staticmethod
    def _message(delivery: Delivery, company_id: int, sha256: str) -> RawMessage:
        return RawMessage(
            company_id=company_id,
            sha256=sha256,
            size=len(delivery.raw),
            envelope_from=delivery.mail_from,
            envelope_to=list(delivery.rcpt_tos),
            peer=delivery.peer,
            helo=delivery.helo,
            message_id=_header(delivery.raw, "Message-ID"),
            subject=_header(delivery.raw, "Subject"),
            received_at=delivery.received_at,
            channel=delivery.channel,
            source_platform=delivery.source_platform,
        )

    def record_refusal(self, delivery: Delivery, verdict: GateVerdict, refusal: Refusal) -> None:
        """Logs a refused message for each company it was sent to, with the reason given to the sender."""
        with self._sessions.begin() as session:
            for company_id in delivery.company_ids:
                session.add(
                    _event(
                        delivery,
                        company_id,
                        ImportEventKind.REFUSED,
                        reason_code=refusal.code.value,
                        reason=refusal.reason,
                        size=len(delivery.raw),
                    )
                )
                for part in verdict.refused + verdict.skipped:
                    session.add(_part_event(delivery, company_id, None, part))
