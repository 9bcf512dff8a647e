"""The IMAP poller: one task per account (IDLE, else timed polls; reconnect with backoff), and poll_once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import CollecteError
from ingest.accept import Acceptance, Acceptor
from ingest.directory import CompanyDirectory
from ingest.imap_accounts import AccountConfig, enabled_accounts, record_poll
from ingest.imap_client import ImapConnection
from ingest.imap_errors import ImapError, ImapLoginError
from ingest.imap_intake import ImapIntake
from ingest.imap_ledger import ImapLedger
from ingest.imap_settings import ImapSettings
from ingest.imap_sync import FolderSync, Offload, PassReport
from ingest.settings import IngestSettings
from store.db import make_sessionmaker, write_gate

log = structlog.get_logger(__name__)
STOP_GRACE = 5.0
"""Seconds account tasks get to log out when stopping before they are cancelled (nothing is lost then)."""


@dataclass
class AccountState:
    """What one account's task is doing now (for tests, logs and the admin pages)."""

    name: str
    connected: bool = False
    idling: bool = False
    passes: int = 0
    failures: int = 0
    last_error: str | None = None


@dataclass(frozen=True)
class PollResult:
    """How polling one account went: its report, or the error that stopped it."""

    account: str
    report: PassReport | None
    error: ImapError | None


@dataclass
class _Running:
    config: AccountConfig
    stop: asyncio.Event
    task: asyncio.Task[None]


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Waits up to seconds for event; True when it was set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
    return event.is_set()


def _as_imap_error(account: AccountConfig, exc: Exception) -> ImapError:
    if isinstance(exc, ImapError):
        return exc
    if isinstance(exc, CollecteError):
        return ImapError(account.name, exc.reason)
    return ImapError(account.name, f"{exc.__class__.__name__}: {exc}")


class ImapPoller:
    """Polls every enabled account through the same gate and acceptance as SMTP."""

    def __init__(
        self,
        settings: ImapSettings,
        ingest: IngestSettings,
        *,
        engine: Engine,
        acceptor: Acceptor,
        directory: CompanyDirectory,
        executor: Executor,
        on_accepted: Callable[[Acceptance], None],
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._sessions: sessionmaker[Session] = make_sessionmaker(engine)
        self._offload = Offload(executor)
        ledger = ImapLedger(engine)
        intake = ImapIntake(ingest, engine, directory, acceptor, ledger)
        self._sync = FolderSync(intake, ledger, self._offload, on_accepted)
        self._states: dict[str, AccountState] = {}
        self._running: dict[int, _Running] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None

    def state(self, name: str) -> AccountState | None:
        """The live state of an account's task, if one runs."""
        return self._states.get(name)

    def _load(self, names: tuple[str, ...] = ()) -> list[AccountConfig]:
        with self._sessions() as session:
            return enabled_accounts(session, names)

    def _record(self, account_id: int, error: str | None) -> None:
        with write_gate(self._engine), self._sessions.begin() as session:
            record_poll(session, account_id, error)

    async def _connect(self, connection: ImapConnection) -> int:
        account = connection.account
        password = await self._offload(account.secret)
        await connection.open(password)
        return await connection.select(account.folder)

    async def poll_once(self, names: tuple[str, ...] = ()) -> list[PollResult]:
        """Polls each enabled account (or those named) once, concurrently; errors are returned, not raised."""
        accounts = await self._offload(self._load, names)
        return list(await asyncio.gather(*(self._poll_account(account) for account in accounts)))

    async def _poll_account(self, account: AccountConfig) -> PollResult:
        connection = ImapConnection(account, self.settings.imap_timeout)
        try:
            uidvalidity = await self._connect(connection)
            report = await self._sync.run(connection, account, uidvalidity, asyncio.Event())
            await connection.logout()
            await self._offload(self._record, account.id, None)
            log.info("imap.polled", account=account.name, **_counts(report))
            return PollResult(account.name, report, None)
        except Exception as exc:
            error = _as_imap_error(account, exc)
            self._log_failure(account, error, exc)
            with contextlib.suppress(SQLAlchemyError):
                await self._offload(self._record, account.id, error.reason)
            return PollResult(account.name, None, error)
        finally:
            await connection.close()

    @staticmethod
    def _log_failure(account: AccountConfig, error: ImapError, exc: Exception) -> None:
        if isinstance(exc, ImapLoginError):
            log.error("imap.login_refused", account=account.name, error=error.reason)
        elif isinstance(exc, CollecteError | SQLAlchemyError):
            log.warning("imap.failed", account=account.name, error=error.reason)
        else:
            log.error("imap.internal_error", account=account.name, exc_info=exc)

    async def start(self) -> None:
        """Starts a task per enabled account, and re-reads the account list every poll interval."""
        self._stopping.clear()
        accounts = await self._offload(self._load)
        self._reconcile(accounts)
        if not accounts:
            log.info("imap.no_accounts")
        self._supervisor = asyncio.create_task(self._supervise(), name="imap-supervisor")

    async def _supervise(self) -> None:
        while not await _wait(self._stopping, self.settings.imap_poll_interval):
            try:
                self._reconcile(await self._offload(self._load))
            except SQLAlchemyError as exc:
                log.warning("imap.accounts_unreadable", error=str(exc))

    def _reconcile(self, accounts: list[AccountConfig]) -> None:
        """Starts tasks for new or changed accounts, stops those of removed, disabled or changed ones."""
        wanted = {account.id: account for account in accounts}
        stopped: dict[int, asyncio.Task[None]] = {}
        for account_id, running in list(self._running.items()):
            if wanted.get(account_id) != running.config:
                running.stop.set()
                stopped[account_id] = running.task
                del self._running[account_id]
                self._states.pop(running.config.name, None)
        for account_id, account in wanted.items():
            if account_id not in self._running:
                stop = asyncio.Event()
                state = self._states[account.name] = AccountState(account.name)
                run = self._run_account(account, stop, state, stopped.get(account_id))
                task = asyncio.create_task(run, name=f"imap-{account.name}")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                self._running[account_id] = _Running(account, stop, task)

    async def stop(self) -> None:
        """Stops every account task: logs out when it can, else cancels after a grace period."""
        self._stopping.set()
        for running in self._running.values():
            running.stop.set()
        tasks = [*self._tasks, *([self._supervisor] if self._supervisor else [])]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=STOP_GRACE)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        self._running.clear()
        self._states.clear()
        self._supervisor = None

    async def _run_account(
        self,
        account: AccountConfig,
        stop: asyncio.Event,
        state: AccountState,
        previous: asyncio.Task[None] | None,
    ) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        delay = self.settings.imap_backoff_initial
        while not stop.is_set():
            passes = state.passes
            error = await self._session(account, stop, state)
            if error is None:
                break
            state.failures += 1
            state.last_error = error.reason
            with contextlib.suppress(SQLAlchemyError):
                await self._offload(self._record, account.id, error.reason)
            if state.passes > passes:
                delay = self.settings.imap_backoff_initial
            log.info("imap.reconnecting", account=account.name, seconds=delay)
            if await _wait(stop, delay):
                break
            delay = min(delay * 2, self.settings.imap_backoff_max)

    async def _session(
        self, account: AccountConfig, stop: asyncio.Event, state: AccountState
    ) -> ImapError | None:
        """One connection's life: passes, then IDLE (or a timed wait) between them, until stop or failure."""
        connection = ImapConnection(account, self.settings.imap_timeout)
        try:
            uidvalidity = await self._connect(connection)
            state.connected = True
            log.info("imap.connected", account=account.name, idle=connection.supports_idle)
            while not stop.is_set():
                report = await self._sync.run(connection, account, uidvalidity, stop)
                state.passes += 1
                state.last_error = None
                await self._offload(self._record, account.id, None)
                if report.fetched or report.settled:
                    log.info("imap.pass", account=account.name, **_counts(report))
                if connection.exists_seen:
                    continue
                if connection.supports_idle:
                    state.idling = True
                    try:
                        await connection.idle(self.settings.imap_idle_timeout, stop)
                    finally:
                        state.idling = False
                else:
                    await _wait(stop, self.settings.imap_poll_interval)
            await connection.logout()
            return None
        except Exception as exc:
            error = _as_imap_error(account, exc)
            self._log_failure(account, error, exc)
            return error
        finally:
            state.connected = False
            await connection.close()


def _counts(report: PassReport) -> dict[str, int]:
    """A report's counts as log fields."""
    return asdict(report)
