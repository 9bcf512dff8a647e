"""The IMAP ledger: which (account, folder, UIDVALIDITY, UID) were taken in, their outcome, if settled."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from store.db import write_gate
from store.imap_models import ImapLedgerEntry, ImapOutcome

_LEDGER: Table = ImapLedgerEntry.__table__  # type: ignore[assignment]
CHUNK = 500
"""UIDs looked up per query."""


@dataclass(frozen=True)
class MessageKey:
    """Where a message was taken from; unique for as long as the folder keeps its UIDVALIDITY."""

    account_id: int
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class LedgerEntry:
    """What became of a message, and whether it was flagged and moved on the server (settled)."""

    uid: int
    outcome: ImapOutcome
    settled: bool


class ImapLedger:
    """Reads and writes ledger rows; every method blocks (run it off the event loop)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with write_gate(self._engine), self._engine.begin() as connection:
            yield connection

    def entries(
        self, account_id: int, folder: str, uidvalidity: int, uids: list[int]
    ) -> dict[int, LedgerEntry]:
        """The ledger entries of these UIDs in this folder generation, by UID."""
        found: dict[int, LedgerEntry] = {}
        columns = (_LEDGER.c.uid, _LEDGER.c.outcome, _LEDGER.c.settled)
        with self._engine.connect() as connection:
            for start in range(0, len(uids), CHUNK):
                query = select(*columns).where(
                    _LEDGER.c.account_id == account_id,
                    _LEDGER.c.folder == folder,
                    _LEDGER.c.uidvalidity == uidvalidity,
                    _LEDGER.c.uid.in_(uids[start : start + CHUNK]),
                )
                for uid, outcome, settled in connection.execute(query):
                    found[int(uid)] = LedgerEntry(int(uid), ImapOutcome(outcome), bool(settled))
        return found

    def record(self, key: MessageKey, sha256: str, outcome: ImapOutcome, raw_message_id: int | None) -> None:
        """Notes a message as taken in (not yet settled); a second poller's note of the same key is kept."""
        row = {
            "account_id": key.account_id,
            "folder": key.folder,
            "uidvalidity": key.uidvalidity,
            "uid": key.uid,
            "sha256": sha256,
            "outcome": outcome,
            "raw_message_id": raw_message_id,
            "settled": False,
        }
        try:
            with self._write() as connection:
                connection.execute(insert(ImapLedgerEntry), row)
        except IntegrityError:
            with self._engine.connect() as connection:
                if connection.execute(select(_LEDGER.c.id).where(*_matches(key))).first() is None:
                    raise

    def settle(self, key: MessageKey) -> None:
        """Notes that the message was flagged and moved (or left flagged in place)."""
        with self._write() as connection:
            connection.execute(update(_LEDGER).where(*_matches(key)).values(settled=True))


def _matches(key: MessageKey) -> tuple[ColumnElement[bool], ...]:
    return (
        _LEDGER.c.account_id == key.account_id,
        _LEDGER.c.folder == key.folder,
        _LEDGER.c.uidvalidity == key.uidvalidity,
        _LEDGER.c.uid == key.uid,
    )
