"""One pass over an account's folder: new messages fetched and taken in, then flagged and moved (settled)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, TypeVar

import structlog
from sqlalchemy.exc import SQLAlchemyError

from core.errors import CollecteError
from ingest.accept import Acceptance
from ingest.imap_accounts import AccountConfig
from ingest.imap_client import ImapConnection
from ingest.imap_intake import Fetched, ImapIntake, Taken
from ingest.imap_ledger import ImapLedger, MessageKey
from store.imap_models import ImapOutcome

log = structlog.get_logger(__name__)
T = TypeVar("T")
SIZE_BATCH = 200
"""UIDs whose sizes are asked in one FETCH."""


class Offload:
    """Runs blocking calls (gate, fsync, database, password files) in the executor, not on the event loop."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    async def __call__(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(function, *args))


@dataclass(frozen=True)
class PassReport:
    """What one pass did: messages fetched, by outcome, and messages settled on the server."""

    fetched: int = 0
    accepted: int = 0
    duplicates: int = 0
    refused: int = 0
    unrouted: int = 0
    settled: int = 0
    failed: int = 0
    """Messages whose intake raised unexpectedly: logged, left in place, tried again next pass."""

    def counted(self, outcome: ImapOutcome) -> PassReport:
        """This report with one more fetched message of that outcome."""
        field = {
            ImapOutcome.ACCEPTED: "accepted",
            ImapOutcome.DUPLICATE: "duplicates",
            ImapOutcome.REFUSED: "refused",
            ImapOutcome.UNROUTED: "unrouted",
        }[outcome]
        return replace(self, fetched=self.fetched + 1, **{field: getattr(self, field) + 1})

    def summary(self) -> str:
        """One line for people: '3 fetched: 2 accepted, 1 duplicate, 0 refused, 0 unrouted'."""
        failed = f", {self.failed} failed (left for the next poll)" if self.failed else ""
        return (
            f"{self.fetched} fetched: {self.accepted} accepted, {self.duplicates} duplicate(s), "
            f"{self.refused} refused, {self.unrouted} unrouted{failed}"
        )


class FolderSync:
    """Takes in an account's new messages and settles them; the ledger makes every step safe to repeat."""

    def __init__(
        self,
        intake: ImapIntake,
        ledger: ImapLedger,
        offload: Offload,
        on_accepted: Callable[[Acceptance], None],
    ) -> None:
        self._intake = intake
        self._ledger = ledger
        self._offload = offload
        self._on_accepted = on_accepted

    async def run(
        self, connection: ImapConnection, account: AccountConfig, uidvalidity: int, stop: asyncio.Event
    ) -> PassReport:
        """One pass: every UID in the folder not settled in the ledger is taken in (once) and settled."""
        connection.exists_seen = False
        uids = await connection.uids()
        if not uids:
            return PassReport()
        known = await self._offload(self._ledger.entries, account.id, account.folder, uidvalidity, uids)
        new = [uid for uid in uids if uid not in known]
        sizes: dict[int, int] = {}
        for start in range(0, len(new), SIZE_BATCH):
            sizes.update(await connection.sizes(new[start : start + SIZE_BATCH]))
        report = PassReport()
        for uid in uids:
            if stop.is_set():
                break
            entry = known.get(uid)
            if entry is not None and entry.settled:
                continue
            if entry is None:
                if uid not in sizes:
                    continue
                try:
                    taken = await self._take(connection, account, uidvalidity, uid, sizes[uid])
                except (CollecteError, SQLAlchemyError):
                    raise
                except Exception:
                    log.exception("imap.take_failed", account=account.name, uid=uid)
                    report = replace(report, failed=report.failed + 1)
                    continue
                if taken is None:
                    continue
                outcome = taken.outcome
                report = report.counted(outcome)
            else:
                outcome = entry.outcome
            await self._settle(connection, account, uid, outcome)
            await self._offload(self._ledger.settle, MessageKey(account.id, account.folder, uidvalidity, uid))
            report = replace(report, settled=report.settled + 1)
        return report

    async def _take(
        self, connection: ImapConnection, account: AccountConfig, uidvalidity: int, uid: int, size: int
    ) -> Taken | None:
        header_only = size > self._intake.ingest.max_message_size
        raw = await connection.fetch(uid, header_only=header_only)
        if raw is None:
            return None
        taken = await self._offload(
            self._intake.take, Fetched(account, uidvalidity, uid, raw, size, header_only)
        )
        log.info(
            "imap.taken", account=account.name, uid=uid, outcome=taken.outcome.value, sha256=taken.sha256
        )
        if taken.acceptance is not None:
            try:
                await self._offload(self._on_accepted, taken.acceptance)
            except Exception:
                log.exception("imap.hand_off_failed", account=account.name, messages=taken.acceptance.stored)
        return taken

    @staticmethod
    async def _settle(
        connection: ImapConnection, account: AccountConfig, uid: int, outcome: ImapOutcome
    ) -> None:
        """Only once the outcome is durable: \\Seen and moved, or left in place \\Flagged when unrouted."""
        if outcome is ImapOutcome.UNROUTED:
            await connection.add_flags(uid, "\\Flagged")
            return
        await connection.add_flags(uid, "\\Seen")
        refused = outcome is ImapOutcome.REFUSED
        await connection.move(uid, account.refused_folder if refused else account.processed_folder)
