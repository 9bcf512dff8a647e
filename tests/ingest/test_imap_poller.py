"""The IMAP poller against a real Dovecot: pick-up, IDLE, restarts, dropped connections, refusals, routing."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ingest import imap_intake
from ingest.accept import Acceptance, Acceptor
from ingest.directory import CompanyDirectory
from ingest.imap_accounts import AccountConfig, NewAccount, add_account, remove_account
from ingest.imap_errors import ImapConnectError, ImapConnectionLost, ImapLoginError
from ingest.imap_poller import ImapPoller, PollResult
from ingest.imap_settings import ImapSettings
from ingest.settings import IngestSettings
from parsers.gate import GatePolicy, GateVerdict
from parsers.gate import judge as real_judge
from purchases.companies import add_company
from store.blobs import BlobStore
from store.db import make_engine, make_sessionmaker, migrate
from store.imap_models import ImapAccount, ImapLedgerEntry, ImapOutcome, ImapSecurity
from store.models import ImportEvent, ImportEventKind, RawMessage
from tests.dovecot import BASIC_HOST, CuttingProxy, Dovecot, start_dovecot
from tests.support import SIRETS, mail, small_pdf, zip_of

T = TypeVar("T")
PROCESSED, REFUSED = "collecte-processed", "collecte-refused"
FAST = ImapSettings(imap_poll_interval=30, imap_timeout=10, imap_backoff_initial=0.05, imap_backoff_max=0.2)


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = start_dovecot()
    yield server
    server.stop()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'collecte.db'}")
    migrate(engine)
    with make_sessionmaker(engine).begin() as session:
        add_company(session, "ACME SAS", SIRETS[0], "acme")
        add_company(session, "Boulangerie Dupont", SIRETS[1], "dupont")
    yield engine
    engine.dispose()


class Harness:
    """An ImapPoller on its own event loop thread, storing into engine and a blob folder."""

    def __init__(
        self, engine: Engine, blobs: BlobStore, settings: ImapSettings, ingest: IngestSettings
    ) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="imap-test-loop", daemon=True)
        self.thread.start()
        self.executor = ThreadPoolExecutor(4, thread_name_prefix="imap-test")
        self.accepted: list[Acceptance] = []
        self.poller = ImapPoller(
            settings,
            ingest,
            engine=engine,
            acceptor=Acceptor(engine, blobs),
            directory=CompanyDirectory(make_sessionmaker(engine), cache_seconds=0),
            executor=self.executor,
            on_accepted=self.accepted.append,
        )

    def run(self, coroutine: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def poll_once(self, *names: str) -> list[PollResult]:
        results: list[PollResult] = self.run(self.poller.poll_once(names))
        return results

    def start(self) -> None:
        self.run(self.poller.start())

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self.run(self.poller.stop())
        self.executor.shutdown()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def harness(engine: Engine, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(settings: ImapSettings = FAST, **ingest: Any) -> Harness:
        made.append(Harness(engine, BlobStore(tmp_path / "blobs"), settings, IngestSettings(**ingest)))
        return made[-1]

    yield make
    for item in made:
        item.close()


def add(engine: Engine, dovecot: Dovecot, user: str, **fields: Any) -> AccountConfig:
    values: dict[str, Any] = {
        "name": user,
        "host": "127.0.0.1",
        "port": dovecot.port,
        "security": ImapSecurity.PLAIN,
        "username": user,
        "password": "secret",
        "company_slug": "acme",
    }
    values.update(fields)
    with make_sessionmaker(engine).begin() as session:
        return add_account(session, NewAccount(**values))


def rows(engine: Engine, model: type[T], *where: Any) -> list[T]:
    with Session(engine) as session:
        return list(session.scalars(select(model).where(*where)))


def count(engine: Engine, model: type[Any]) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def invoice(marker: str, **headers: str) -> bytes:
    return mail([(f"{marker}.pdf", "application/pdf", small_pdf(marker))], subject=marker, **headers)


def test_new_message_is_stored_then_marked_seen_and_moved(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    user = dovecot.add_user()
    add(engine, dovecot, user, source_platform="GED du cabinet")
    raw = invoice("pickup")
    dovecot.append(user, raw)
    running = harness()
    [result] = running.poll_once()
    assert result.error is None
    assert result.report is not None
    assert (result.report.fetched, result.report.accepted, result.report.settled) == (1, 1, 1)
    [message] = rows(engine, RawMessage)
    assert (message.channel, message.source_platform, message.envelope_from) == (
        "imap",
        "GED du cabinet",
        "compta@fournisseur.fr",
    )
    assert message.envelope_to == ["acme@achats.factures-meg.fr"]
    assert message.peer == f"127.0.0.1:{dovecot.port}"
    assert BlobStore(Path(str(engine.url.database)).parent / "blobs").get(message.sha256) == raw
    assert [a.stored for a in running.accepted] == [(message.id,)]
    assert dovecot.messages(user) == []
    [(flags, moved)] = dovecot.messages(user, PROCESSED)
    assert "\\Seen" in flags
    assert moved == raw
    [event] = rows(engine, ImportEvent)
    assert (event.kind, event.channel, event.raw_message_id) == ("accepted", "imap", message.id)
    [entry] = rows(engine, ImapLedgerEntry)
    assert (entry.outcome, entry.settled, entry.raw_message_id) == ("accepted", True, message.id)
    assert running.poll_once()[0].report == type(result.report)()


def test_zip_message_goes_to_the_refused_folder_with_the_reason_logged(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    user = dovecot.add_user()
    add(engine, dovecot, user)
    dovecot.append(user, mail([("factures.zip", "application/zip", zip_of("f.pdf", small_pdf("z")))]))
    [result] = harness().poll_once()
    assert result.report is not None
    assert (result.report.refused, result.report.settled) == (1, 1)
    assert count(engine, RawMessage) == 0
    [refused] = rows(engine, ImportEvent, ImportEvent.kind == ImportEventKind.REFUSED)
    assert refused.reason_code == "archive"
    assert refused.reason is not None
    assert refused.reason.startswith("ZIP archives are not accepted: attach the PDF files themselves")
    assert refused.channel == "imap"
    assert dovecot.messages(user) == []
    assert dovecot.messages(user, PROCESSED) == []
    [(flags, _)] = dovecot.messages(user, REFUSED)
    assert "\\Seen" in flags


def test_idle_wakes_the_poller_when_a_message_arrives(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    user = dovecot.add_user()
    add(engine, dovecot, user)
    running = harness(ImapSettings(imap_poll_interval=60, imap_timeout=10))
    running.start()
    state = running.poller.state(user)
    assert state is not None
    wait_until(lambda: state.idling, "the poller to IDLE")
    dovecot.append(user, invoice("idle"))
    wait_until(lambda: count(engine, RawMessage) == 1, "the message, well before the 60 s poll", timeout=5)
    wait_until(lambda: len(dovecot.messages(user, PROCESSED)) == 1, "the move")
    assert state.passes >= 2
    assert state.failures == 0


def test_message_announced_at_the_end_of_a_command_is_not_left_waiting(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    """Delivered between SELECT and SEARCH, a message is announced only after the SEARCH results."""
    proxy = CuttingProxy(dovecot.port)
    try:
        user = dovecot.add_user()
        add(engine, dovecot, user, port=proxy.port)
        proxy.before = (b"UID SEARCH", lambda: dovecot.append(user, invoice("between")))
        running = harness(ImapSettings(imap_poll_interval=60, imap_timeout=10))
        running.start()
        state = running.poller.state(user)
        assert state is not None
        wait_until(lambda: state.passes >= 2 and state.idling, "a second pass, without waiting in IDLE", 5)
        assert count(engine, RawMessage) == 1
        assert len(dovecot.messages(user, PROCESSED)) == 1
        running.close()
    finally:
        proxy.close()


def test_server_without_idle_or_move_is_polled_and_messages_copied_then_expunged(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    user = dovecot.add_user()
    add(engine, dovecot, user, host=BASIC_HOST)
    running = harness(ImapSettings(imap_poll_interval=0.1, imap_timeout=10))
    running.start()
    state = running.poller.state(user)
    assert state is not None
    wait_until(lambda: state.passes >= 1, "a first pass")
    dovecot.append(user, invoice("polled"))
    wait_until(lambda: len(dovecot.messages(user, PROCESSED)) == 1, "the copy to the processed folder")
    assert dovecot.messages(user) == []
    assert not state.idling
    assert count(engine, RawMessage) == 1


def test_many_accounts_in_one_process(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    users = [dovecot.add_user() for _ in range(3)]
    for index, user in enumerate(users):
        add(engine, dovecot, user, company_slug=("acme", "dupont")[index % 2])
        dovecot.append(user, invoice(f"account-{index}"))
    harness().start()
    wait_until(lambda: count(engine, RawMessage) == 3, "one message from each account")
    assert {m.company_id for m in rows(engine, RawMessage)} == {1, 2}


def test_accounts_added_or_removed_while_running_are_seen(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    running = harness(ImapSettings(imap_poll_interval=0.1, imap_timeout=10))
    running.start()
    user = dovecot.add_user()
    dovecot.append(user, invoice("late"))
    add(engine, dovecot, user)
    wait_until(lambda: count(engine, RawMessage) == 1, "the account added after the start")
    wait_until(lambda: getattr(running.poller.state(user), "idling", False), "the poller to IDLE")
    with Session(engine) as session, session.begin():
        remove_account(session, user)
    wait_until(lambda: running.poller.state(user) is None, "the removed account's task to stop")


def test_restart_after_a_drop_before_the_move_fetches_nothing_twice(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    proxy = CuttingProxy(dovecot.port)
    try:
        user = dovecot.add_user()
        add(engine, dovecot, user, port=proxy.port)
        dovecot.append(user, invoice("first"))
        dovecot.append(user, invoice("second"))
        proxy.cut_on = b"MOVE"
        [result] = harness().poll_once()
        assert isinstance(result.error, ImapConnectionLost)
        assert count(engine, RawMessage) == 1
        [entry] = rows(engine, ImapLedgerEntry)
        assert not entry.settled
        [account] = rows(engine, ImapAccount)
        assert account.last_error is not None
        assert "connection lost" in account.last_error
        [restarted] = harness().poll_once()
        assert restarted.report is not None
        assert (restarted.report.fetched, restarted.report.settled) == (1, 2)
    finally:
        proxy.close()
    assert proxy.cuts == 1
    assert proxy.sent.count(b"BODY.PEEK[]") == 2
    assert count(engine, RawMessage) == 2
    assert rows(engine, ImportEvent, ImportEvent.kind == ImportEventKind.DUPLICATE) == []
    assert len(dovecot.messages(user, PROCESSED)) == 2
    assert dovecot.messages(user) == []
    assert rows(engine, ImapAccount)[0].last_error is None


def test_connection_dropped_mid_fetch_loses_nothing(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    proxy = CuttingProxy(dovecot.port)
    try:
        user = dovecot.add_user()
        add(engine, dovecot, user, port=proxy.port)
        sent = [mail([("big.pdf", "application/pdf", small_pdf(f"big{n}", 300_000))]) for n in range(3)]
        for raw in sent:
            dovecot.append(user, raw)
        proxy.cut_after = len(sent[0]) + len(sent[1]) // 2
        running = harness()
        running.start()
        wait_until(lambda: len(dovecot.messages(user, PROCESSED)) == 3, "every message, after reconnecting")
        state = running.poller.state(user)
        assert state is not None
        assert state.failures == 1
        running.close()
    finally:
        proxy.close()
    assert proxy.cuts == 1
    blobs = BlobStore(Path(str(engine.url.database)).parent / "blobs")
    assert sorted(blobs.get(m.sha256) for m in rows(engine, RawMessage)) == sorted(sent)
    assert len(rows(engine, ImportEvent, ImportEvent.kind == ImportEventKind.ACCEPTED)) == 3


def test_server_gone_silent_times_out_and_the_next_poll_takes_the_message(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    proxy = CuttingProxy(dovecot.port)
    try:
        user = dovecot.add_user()
        add(engine, dovecot, user, port=proxy.port)
        dovecot.append(user, invoice("silent"))
        proxy.stall_on = b"BODY.PEEK[]"
        running = harness(ImapSettings(imap_timeout=0.5))
        [stalled] = running.poll_once()
        assert isinstance(stalled.error, ImapConnectionLost)
        assert stalled.error.reason.endswith("connection lost during UID FETCH 1: no answer within 0.5 s")
        assert count(engine, RawMessage) == 0
        assert running.poll_once()[0].error is None
    finally:
        proxy.close()
    assert count(engine, RawMessage) == 1
    assert len(dovecot.messages(user, PROCESSED)) == 1


def test_uidvalidity_change_does_not_import_again(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    proxy = CuttingProxy(dovecot.port)
    try:
        user = dovecot.add_user()
        add(engine, dovecot, user, port=proxy.port, folder="Factures")
        raw = invoice("renumbered")
        dovecot.append(user, raw, "Factures")
        proxy.cut_on = b"MOVE"
        assert isinstance(harness().poll_once()[0].error, ImapConnectionLost)
        with dovecot.client(user) as client:
            client.delete("Factures")
        dovecot.append(user, raw, "Factures")
        [result] = harness().poll_once()
    finally:
        proxy.close()
    assert result.report is not None
    assert (result.report.fetched, result.report.duplicates, result.report.settled) == (1, 1, 1)
    [message] = rows(engine, RawMessage)
    [duplicate] = rows(engine, ImportEvent, ImportEvent.kind == ImportEventKind.DUPLICATE)
    assert duplicate.raw_message_id == message.id
    assert len({entry.uidvalidity for entry in rows(engine, ImapLedgerEntry)}) == 2
    assert len(dovecot.messages(user, PROCESSED)) == 1
    assert dovecot.messages(user, "Factures") == []


def test_wrong_password_is_reported_clearly(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness], capsys: pytest.CaptureFixture[str]
) -> None:
    user = dovecot.add_user()
    add(engine, dovecot, user, password="not-the-password")
    dovecot.append(user, invoice("locked"))
    [result] = harness().poll_once()
    assert isinstance(result.error, ImapLoginError)
    expected = (
        f"IMAP account {user!r}: login refused by 127.0.0.1 for user {user!r}: "
        "[AUTHENTICATIONFAILED] Authentication failed."
    )
    assert result.error.reason == expected
    assert rows(engine, ImapAccount)[0].last_error == expected
    assert count(engine, RawMessage) == 0
    assert len(dovecot.messages(user)) == 1
    output = capsys.readouterr()
    assert "not-the-password" not in output.out + output.err


def test_password_file_is_read_at_each_connection(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness], tmp_path: Path
) -> None:
    user = dovecot.add_user()
    secret = tmp_path / "imap-password"
    secret.write_text("old-password\n")
    add(engine, dovecot, user, password=None, password_file=str(secret))
    running = harness()
    assert isinstance(running.poll_once()[0].error, ImapLoginError)
    secret.write_text("secret\n")
    assert running.poll_once()[0].error is None


def test_a_message_that_crashes_intake_does_not_block_the_others(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch
) -> None:
    def judge(raw: bytes, policy: GatePolicy) -> GateVerdict:
        if b"Subject: poison" in raw:
            raise RuntimeError("bug")
        return real_judge(raw, policy)

    monkeypatch.setattr(imap_intake, "judge", judge)
    user = dovecot.add_user()
    add(engine, dovecot, user)
    dovecot.append(user, invoice("poison"))
    dovecot.append(user, invoice("healthy"))
    running = harness()
    [result] = running.poll_once()
    assert result.report is not None
    assert (result.report.failed, result.report.accepted) == (1, 1)
    assert "1 failed (left for the next poll)" in result.report.summary()
    [(flags, left)] = dovecot.messages(user)
    assert b"Subject: poison" in left
    assert flags == set()
    monkeypatch.setattr(imap_intake, "judge", real_judge)
    assert running.poll_once()[0].report == type(result.report)(fetched=1, accepted=1, settled=1)


def test_routing_by_recipient_headers(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    user = dovecot.add_user()
    add(engine, dovecot, user, company_slug=None)
    envelope = invoice("envelope", to="factures@cabinet.fr").replace(
        b"To: factures@cabinet.fr",
        b"Delivered-To: factures@cabinet.fr\r\n"
        b"X-Original-To: dupont@factures-meg.fr\r\n"
        b"To: factures@cabinet.fr",
    )
    dovecot.append(user, envelope)
    dovecot.append(
        user, invoice("both", to="acme+achats@achats.factures-meg.fr, dupont@achats.factures-meg.fr")
    )
    dovecot.append(user, invoice("stray", to="someone@example.com"))
    running = harness()
    [result] = running.poll_once()
    assert result.report is not None
    assert (result.report.accepted, result.report.unrouted) == (2, 1)
    by_subject = {(m.subject, m.company_id) for m in rows(engine, RawMessage)}
    assert by_subject == {("envelope", 2), ("both", 1), ("both", 2)}
    [unrouted] = rows(engine, ImportEvent, ImportEvent.reason_code == "unrouted")
    assert unrouted.company_id is None
    assert unrouted.reason is not None
    assert "someone@example.com" in unrouted.reason
    [(flags, left)] = dovecot.messages(user)
    assert b"Subject: stray" in left
    assert "\\Flagged" in flags
    assert "\\Seen" not in flags
    assert running.poll_once()[0].report == type(result.report)()
    assert len(rows(engine, ImportEvent, ImportEvent.reason_code == "unrouted")) == 1
    assert {e.outcome for e in rows(engine, ImapLedgerEntry)} == {ImapOutcome.ACCEPTED, ImapOutcome.UNROUTED}


def test_message_over_the_size_limit_is_refused_from_its_header(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    proxy = CuttingProxy(dovecot.port)
    try:
        user = dovecot.add_user()
        add(engine, dovecot, user, port=proxy.port)
        dovecot.append(user, mail([("scan.pdf", "application/pdf", small_pdf("huge", 2 * 1024 * 1024))]))
        [result] = harness(max_message_size=1024 * 1024).poll_once()
    finally:
        proxy.close()
    assert result.report is not None
    assert result.report.refused == 1
    assert b"BODY.PEEK[HEADER]" in proxy.sent
    assert b"BODY.PEEK[]" not in proxy.sent
    [refused] = rows(engine, ImportEvent, ImportEvent.kind == ImportEventKind.REFUSED)
    assert refused.reason_code == "too_large"
    assert refused.reason is not None
    assert (
        refused.reason.startswith("Message too big (2.") and "the limit is 1 MB per message" in refused.reason
    )
    assert len(dovecot.messages(user, REFUSED)) == 1


@pytest.mark.parametrize("security", [ImapSecurity.TLS, ImapSecurity.STARTTLS])
def test_tls_and_starttls(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness], security: ImapSecurity
) -> None:
    user = dovecot.add_user()
    port = dovecot.tls_port if security is ImapSecurity.TLS else dovecot.port
    add(engine, dovecot, user, security=security, port=port, ca_file=str(dovecot.cert))
    dovecot.append(user, invoice(f"over-{security.value}"))
    [result] = harness().poll_once()
    assert result.error is None
    assert count(engine, RawMessage) == 1


def test_untrusted_certificate_is_a_connect_error(
    dovecot: Dovecot, engine: Engine, harness: Callable[..., Harness]
) -> None:
    user = dovecot.add_user()
    add(engine, dovecot, user, security=ImapSecurity.TLS, port=dovecot.tls_port)
    [result] = harness().poll_once()
    assert isinstance(result.error, ImapConnectError)
    assert "CERTIFICATE_VERIFY_FAILED" in result.error.reason


def test_unreachable_server_is_retried_with_backoff(engine: Engine, harness: Callable[..., Harness]) -> None:
    with make_sessionmaker(engine).begin() as session:
        add_account(
            session,
            NewAccount(
                name="nowhere",
                host="127.0.0.1",
                port=1,
                security=ImapSecurity.PLAIN,
                username="x",
                password="y",
                company_slug="acme",
            ),
        )
    running = harness()
    running.start()
    state = running.poller.state("nowhere")
    assert state is not None
    wait_until(lambda: state.failures >= 3, "three attempts")
    assert state.last_error is not None
    assert "cannot connect to 127.0.0.1:1" in state.last_error
