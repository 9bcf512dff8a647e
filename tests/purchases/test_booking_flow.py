"""Booking end to end: mail over SMTP, real workers read and book; duplicates, twins, credit notes, reruns."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select

from store.models import Booking, Document, DocumentStatus, ImportEvent, ImportEventKind
from store.purchase_models import JournalEntry, Payment, Purchase, PurchaseStatus, Supplier
from tests.support import RunningServer, mail

ROOT = Path(__file__).parents[2]
INVOICES = ROOT / "fixtures" / "invoices"
EINVOICES = ROOT / "fixtures" / "einvoices"
TO = "acme@achats.factures-meg.fr"


def send(server: RunningServer, attachments: list[tuple[str, str, bytes]], subject: str) -> None:
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
        client.sendmail("compta@fournisseur.fr", [TO], mail(attachments, subject=subject))


def pdf(case: str) -> tuple[str, str, bytes]:
    return (f"{case}.pdf", "application/pdf", (INVOICES / f"{case}.pdf").read_bytes())


def booked(server: RunningServer, count: int) -> Callable[[], bool]:
    def check() -> bool:
        with server.storage.sessions() as session:
            documents = list(session.scalars(select(Document)))
        done = (DocumentStatus.BOOKED, DocumentStatus.FAILED)
        return len(documents) >= count and all(d.status in done for d in documents)

    return check


def wait_for(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def count(server: RunningServer, model: type[object]) -> int:
    with server.storage.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def events(server: RunningServer, kind: ImportEventKind) -> list[ImportEvent]:
    with server.storage.sessions() as session:
        return list(
            session.scalars(select(ImportEvent).where(ImportEvent.kind == kind).order_by(ImportEvent.id))
        )


def test_an_emailed_invoice_becomes_a_ready_purchase_with_payment_and_entry(server: RunningServer) -> None:
    send(server, [pdf("facture-simple")], "Facture FA-2026-0017")
    wait_for(booked(server, 1))
    with server.storage.sessions() as session:
        [purchase] = session.scalars(select(Purchase))
        [document] = session.scalars(select(Document))
        payment = session.scalars(select(Payment)).one()
        entry = session.scalars(select(JournalEntry)).one()
        assert purchase.status == PurchaseStatus.READY, purchase.review_reasons
        assert (purchase.invoice_number, purchase.total_incl_tax) == ("FA-2026-0017", Decimal("4224.00"))
        assert (purchase.channel, purchase.source_platform) == ("smtp", "email")
        assert purchase.supplier is not None and purchase.supplier.aux_account == "F00001"
        assert (document.booking, document.purchase_id) == (Booking.PURCHASE, purchase.id)
        assert (payment.amount, payment.due_date_source, payment.status) == (
            Decimal("4224.00"),
            "printed",
            "pending",
        )
        assert str(payment.due_date) == "2026-02-11"
        lines = [(line.account, line.debit, line.credit, line.aux_account) for line in entry.lines]
        assert lines == [
            ("604000", Decimal("3520.00"), Decimal("0.00"), None),
            ("445660", Decimal("704.00"), Decimal("0.00"), None),
            ("401000", Decimal("0.00"), Decimal("4224.00"), "F00001"),
        ]
        assert (entry.journal_code, entry.piece_ref, str(entry.entry_date)) == (
            "HA",
            "FA-2026-0017",
            "2026-01-12",
        )
    [created] = events(server, ImportEventKind.PURCHASE_CREATED)
    assert (
        created.reason is not None
        and created.reason
        == f"purchase {purchase.id} created, ready; supplier Conseil Martin & Associés (new, F00001)"
    )


def test_the_same_file_sent_again_is_a_duplicate_not_a_second_purchase(server: RunningServer) -> None:
    send(server, [pdf("facture-simple")], "Facture")
    wait_for(booked(server, 1))
    send(server, [pdf("facture-simple")], "TR: Facture (relance)")
    wait_for(booked(server, 2))
    assert count(server, Purchase) == 1
    [duplicate] = events(server, ImportEventKind.DUPLICATE)
    assert duplicate.reason == "duplicate of purchase 1 (same file)"
    assert duplicate.document_id == 2


def test_the_same_invoice_as_an_e_invoice_is_a_duplicate_by_supplier_and_number(
    server: RunningServer,
) -> None:
    send(server, [pdf("facture-simple")], "Facture PDF")
    wait_for(booked(server, 1))
    xml = (EINVOICES / "facture-simple.cii.xml").read_bytes()
    send(server, [("facture.xml", "text/xml", xml)], "Facture XML")
    wait_for(booked(server, 2))
    assert count(server, Purchase) == 1
    [duplicate] = events(server, ImportEventKind.DUPLICATE)
    assert duplicate.reason == "duplicate of purchase 1 (same supplier, number and total)"


def test_a_pdf_with_its_xml_is_one_purchase_from_the_xml(server: RunningServer) -> None:
    xml = (EINVOICES / "facture-simple.cii.xml").read_bytes()
    send(server, [pdf("facture-simple"), ("factur-x.xml", "text/xml", xml)], "Facture + XML")
    wait_for(booked(server, 2))
    with server.storage.sessions() as session:
        printed, structured = session.scalars(select(Document).order_by(Document.id))
        [purchase] = session.scalars(select(Purchase))
        assert (structured.booking, printed.booking) == (Booking.PURCHASE, Booking.TWIN)
        assert printed.purchase_id == structured.purchase_id == purchase.id
        assert purchase.method == "xml"
    assert events(server, ImportEventKind.DUPLICATE) == []


def test_a_credit_note_is_not_a_duplicate_and_reduces_what_is_owed(server: RunningServer) -> None:
    send(server, [pdf("avoir")], "Avoir")
    wait_for(booked(server, 1))
    with server.storage.sessions() as session:
        [purchase] = session.scalars(select(Purchase))
        payment = session.scalars(select(Payment)).one()
        entry = session.scalars(select(JournalEntry)).one()
        assert purchase.document_type == "credit_note"
        assert payment.amount is not None and payment.amount < 0
        supplier_line = entry.lines[-1]
        assert (supplier_line.account, supplier_line.debit) == ("401000", purchase.total_incl_tax)
        assert sum(line.debit for line in entry.lines) == sum(line.credit for line in entry.lines)


def test_booking_again_creates_nothing_twice(server: RunningServer) -> None:
    send(server, [pdf("facture-multi-taux"), pdf("franchise-293b")], "Deux factures")
    wait_for(booked(server, 2))
    before = [count(server, model) for model in (Purchase, Payment, JournalEntry, Supplier, ImportEvent)]
    pipeline, actors = server.runtime.pipeline, server.runtime.actors
    assert pipeline is not None and actors is not None
    assert pipeline.book(1) == ()
    for document_id in (1, 2):
        actors.read_document.send(document_id)
        actors.book_document.send(document_id)
    broker = actors.book_document.broker
    assert isinstance(broker, StubBroker)
    broker.join("default", timeout=30_000)
    after = [count(server, model) for model in (Purchase, Payment, JournalEntry, Supplier, ImportEvent)]
    assert after == before
    assert before[:3] == [2, 2, 2]
