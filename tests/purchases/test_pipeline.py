"""Pipeline end to end: SMTP in, documents unpacked and read by real workers, in-process and via Redis."""

from __future__ import annotations

import io
import json
import os
import smtplib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from admin.runtime import Storage
from fixtures.tnef import winmail_dat
from ingest.accept import Acceptor
from ingest.delivery import Delivery
from parsers.gate import GatePolicy, judge
from purchases.companies import add_company
from purchases.settings import PipelineSettings
from store.models import (
    Channel,
    Document,
    DocumentStatus,
    ImportEvent,
    ImportEventKind,
    MessageStatus,
    RawMessage,
)
from store.settings import StoreSettings
from tests.redis_server import RedisServer
from tests.support import SIRETS, RunningServer, mail, render_page, start_server

ROOT = Path(__file__).parents[2]
INVOICES = ROOT / "fixtures" / "invoices"
MAIL = ROOT / "fixtures" / "mail"
TO = "acme@achats.factures-meg.fr"


def wait_for(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def documents(storage: Storage) -> list[Document]:
    with storage.sessions() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def settled(storage: Storage, count: int) -> Callable[[], bool]:
    def check() -> bool:
        found = documents(storage)
        return len(found) >= count and all(
            d.status in (DocumentStatus.BOOKED, DocumentStatus.FAILED) for d in found
        )

    return check


def send(port: int, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail("compta@fournisseur.fr", [TO], raw)


def expected(case: str) -> dict[str, object]:
    return dict(json.loads((INVOICES / f"{case}.expected.json").read_text()))


def test_mail_to_read_documents_in_process(server: RunningServer) -> None:
    send(server.port, (MAIL / "several-pdfs.eml").read_bytes())
    wait_for(settled(server.storage, 3))
    found = documents(server.storage)
    assert [d.status for d in found] == [DocumentStatus.BOOKED] * 3
    assert all(d.method == "text" and d.fields is not None for d in found)
    numbers = {str(d.fields["invoice_number"]) for d in found if d.fields}
    assert len(numbers) == 3
    with server.storage.sessions() as session:
        [message] = session.scalars(select(RawMessage))
        assert message.status == MessageStatus.PROCESSED
        read = session.scalars(select(ImportEvent).where(ImportEvent.kind == ImportEventKind.DOCUMENT_READ))
        assert len(list(read)) == 3


def test_unreadable_document_is_a_recorded_failure(server: RunningServer) -> None:
    send(server.port, mail([("casse.pdf", "application/pdf", b"%PDF-1.4\n" + b"\x00garbage" * 500)]))
    wait_for(settled(server.storage, 1))
    [document] = documents(server.storage)
    assert document.status == DocumentStatus.FAILED
    assert document.failed_stage == "read"
    assert document.failure_reason
    assert document.failure_traceback
    with server.storage.sessions() as session:
        [failed] = session.scalars(
            select(ImportEvent).where(ImportEvent.kind == ImportEventKind.DOCUMENT_FAILED)
        )
        assert failed.document_id == document.id
        assert failed.reason == document.failure_reason


def test_message_without_document_after_unpacking_is_logged(server: RunningServer) -> None:
    send(server.port, mail([("winmail.dat", "application/ms-tnef", winmail_dat([]))]))

    def logged() -> bool:
        with server.storage.sessions() as session:
            return (
                session.scalar(select(ImportEvent).where(ImportEvent.kind == ImportEventKind.NO_DOCUMENT))
                is not None
            )

    wait_for(logged)
    assert documents(server.storage) == []


def test_steps_are_idempotent(server: RunningServer) -> None:
    send(server.port, (MAIL / "single-pdf.eml").read_bytes())
    wait_for(settled(server.storage, 1))
    pipeline = server.runtime.pipeline
    assert pipeline is not None
    [message_id] = [d.raw_message_id for d in documents(server.storage)]
    assert pipeline.unpack(message_id) == ()
    [document] = documents(server.storage)
    assert pipeline.read(document.id, allow_ocr=False) == "already_done"
    assert len(documents(server.storage)) == 1


def store_without_workers(data_dir: Path, raw: bytes) -> None:
    """Accepts a message the way SMTP does, but with no worker running (as if the broker lost it)."""
    storage = Storage.open(StoreSettings(data_dir=data_dir))
    with storage.sessions.begin() as session:
        company_id = add_company(session, "ACME SAS", SIRETS[0], "acme").id
    delivery = Delivery(
        raw, "a@b.fr", (TO,), (company_id,), "127.0.0.1", "h", Channel.SMTP, "email", datetime.now(UTC)
    )
    Acceptor(storage.engine, storage.blobs).accept(delivery, judge(raw, GatePolicy()))
    storage.engine.dispose()


def test_unfinished_messages_are_sent_again_on_start(tmp_path: Path) -> None:
    store_without_workers(tmp_path / "var", (MAIL / "single-pdf.eml").read_bytes())
    running = start_server(tmp_path / "var")
    try:
        wait_for(settled(running.storage, 1))
        [document] = documents(running.storage)
        assert document.status == DocumentStatus.BOOKED
        assert document.fields is not None
        assert document.fields["invoice_number"] == expected("facture-simple")["invoice_number"]
    finally:
        running.stop()


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


def test_redis_broker_with_worker_processes(tmp_path: Path, redis: RedisServer) -> None:
    data_dir = tmp_path / "var"
    running = start_server(data_dir, pipeline=PipelineSettings(broker_url=redis.url))
    env = {**os.environ, "COLLECTE_DATA_DIR": str(data_dir), "COLLECTE_BROKER_URL": redis.url}
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("collecte")), "worker", "--processes", "2", "--threads", "1"],
        env=env,
    )
    try:
        assert running.runtime.worker is None
        running.add_company("ACME SAS", SIRETS[0], "acme")
        send(running.port, (MAIL / "several-pdfs.eml").read_bytes())
        wait_for(settled(running.storage, 3))
        assert [d.status for d in documents(running.storage)] == [DocumentStatus.BOOKED] * 3
    finally:
        worker.terminate()
        assert worker.wait(30) == 0
        running.stop()


def test_scanned_image_goes_through_ocr(server: RunningServer) -> None:
    image = render_page(INVOICES / "facture-simple.pdf", 200)
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PNG")
    send(server.port, mail([("scan.png", "image/png", buffer.getvalue())]))
    wait_for(settled(server.storage, 1), timeout=120)
    [document] = documents(server.storage)
    assert document.status == DocumentStatus.BOOKED, document.failure_reason
    assert document.method == "ocr"
    assert document.fields is not None
    assert document.fields["total_incl_tax"] == expected("facture-simple")["total_incl_tax"]


def test_pdf_and_its_xml_twin_are_one_invoice(server: RunningServer) -> None:
    raw = mail(
        [
            ("FA-2026-0017.pdf", "application/pdf", (INVOICES / "facture-simple.pdf").read_bytes()),
            (
                "factur-x.xml",
                "text/xml",
                (ROOT / "fixtures" / "einvoices" / "facture-simple.cii.xml").read_bytes(),
            ),
        ]
    )
    send(server.port, raw)
    wait_for(settled(server.storage, 2))
    pdf, xml = documents(server.storage)
    assert (pdf.method, xml.method) == ("text", "xml")
    assert pdf.twin_of_id == xml.id
    assert xml.twin_of_id is None
    with server.storage.sessions() as session:
        [twin] = session.scalars(select(ImportEvent).where(ImportEvent.kind == ImportEventKind.TWIN))
        assert twin.document_id == pdf.id


def test_two_different_invoices_are_not_twins(server: RunningServer) -> None:
    raw = mail(
        [
            ("a.pdf", "application/pdf", (INVOICES / "facture-simple.pdf").read_bytes()),
            ("b.xml", "text/xml", (ROOT / "fixtures" / "einvoices" / "avoir.ubl.xml").read_bytes()),
        ]
    )
    send(server.port, raw)
    wait_for(settled(server.storage, 2))
    assert [d.twin_of_id for d in documents(server.storage)] == [None, None]


def test_messages_stored_while_serving_without_hand_off_are_swept(tmp_path: Path) -> None:
    running = start_server(tmp_path / "var", pipeline=PipelineSettings(broker_url="", requeue_after=1))
    try:
        store_without_workers(tmp_path / "var", (MAIL / "single-pdf.eml").read_bytes())
        wait_for(settled(running.storage, 1), timeout=30)
        assert [d.status for d in documents(running.storage)] == [DocumentStatus.BOOKED]
    finally:
        running.stop()
