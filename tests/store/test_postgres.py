"""The database-facing code on a real PostgreSQL: migrations, acceptance, booking, editing, concurrency."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from psycopg.errors import UniqueViolation
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ingest.accept import Acceptor
from ingest.delivery import Delivery
from parsers.filetype import FileKind
from parsers.gate import GatePolicy, judge
from parsers.invoice import InvoiceFields, VatLine, VatMarker
from purchases.booking import Booked, book_message
from purchases.editing import PurchaseEdit, edit_purchase
from purchases.errors import NotFoundError
from purchases.pipeline import Pipeline, Readers
from purchases.suppliers import Identity, find_or_create
from store.blobs import BlobStore
from store.db import alembic_config, make_engine, make_sessionmaker, migrate
from store.models import (
    Base,
    Booking,
    Channel,
    Document,
    DocumentStatus,
    ImportEvent,
    ImportEventKind,
    MessageStatus,
    RawMessage,
)
from store.purchase_models import JournalEntry, Payment, Purchase, PurchaseStatus, Supplier
from tests.postgres_server import wait_for_a_lock_waiter
from tests.purchases.books_db import (
    SUPPLIER_SIREN,
    TODAY,
    add_acme,
    book_fields,
    invoice,
    store_read,
    unique_sha256,
)
from tests.support import SIRETS, mail, small_pdf, zip_of

MAIL = Path(__file__).parents[2] / "fixtures" / "mail"
TO = "acme@achats.factures-meg.fr"
Line = tuple[str, str | None, Decimal, Decimal]


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    """A migrated engine on a fresh PostgreSQL database."""
    made = make_engine(pg_url)
    migrate(made)
    yield made
    made.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One session (flushes; commits only where a test does)."""
    with sessions() as opened:
        yield opened


@pytest.fixture
def acme(session: Session) -> int:
    return add_acme(session)


def lines(entry: JournalEntry) -> list[Line]:
    return [(line.account, line.aux_account, line.debit, line.credit) for line in entry.lines]


def purchase_of(session: Session, purchase_id: int) -> Purchase:
    purchase = session.get(Purchase, purchase_id)
    assert purchase is not None
    return purchase


def entry_of(session: Session, purchase_id: int) -> JournalEntry | None:
    return session.scalar(select(JournalEntry).where(JournalEntry.purchase_id == purchase_id))


def count(session: Session, model: type[Base]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# Migrations


def test_migrations_match_models_on_postgres(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.dialect.name == "postgresql"
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_then_upgrade_on_postgres(engine: Engine) -> None:
    migrate(engine)
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate(engine)
    names = set(inspect(engine).get_table_names())
    assert {
        "companies",
        "raw_messages",
        "documents",
        "purchases",
        "journal_entries",
        "imap_accounts",
    } <= names


# Acceptance


def test_acceptance_stores_a_message_once_per_company(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions.begin() as session:
        acme = add_acme(session)
        other = add_acme(session, "Other SARL", SIRETS[1], "other")
    raw = (MAIL / "single-pdf.eml").read_bytes()
    verdict = judge(raw, GatePolicy())
    acceptor = Acceptor(engine, BlobStore(tmp_path / "blobs"))
    received = datetime(2026, 11, 22, 9, 30, 15, 123456, tzinfo=UTC)

    def deliver(*company_ids: int) -> Delivery:
        return Delivery(raw, "a@b.fr", (TO,), company_ids, "127.0.0.1", "h", Channel.SMTP, "email", received)

    first = acceptor.accept(deliver(acme), verdict)
    assert len(first.stored) == 1 and first.duplicates == ()
    second = acceptor.accept(deliver(acme), verdict)
    assert (second.stored, second.duplicates) == ((), first.stored)
    both = acceptor.accept(deliver(acme, other), verdict)
    assert both.duplicates == first.stored and len(both.stored) == 1
    with sessions() as session:
        messages = list(session.scalars(select(RawMessage).order_by(RawMessage.id)))
        assert [(m.company_id, m.sha256) for m in messages] == [(acme, first.sha256), (other, first.sha256)]
        assert messages[0].received_at == received
        assert messages[0].received_at.tzinfo is UTC  # the server answers in Europe/Paris
        assert messages[0].envelope_to == [TO]
        assert messages[0].status == MessageStatus.ACCEPTED
        kinds = list(session.scalars(select(ImportEvent.kind).order_by(ImportEvent.id)))
        accepted, duplicate = ImportEventKind.ACCEPTED, ImportEventKind.DUPLICATE
        assert kinds == [accepted, duplicate, duplicate, accepted]
        reason = session.scalar(
            select(ImportEvent.reason).where(ImportEvent.kind == ImportEventKind.DUPLICATE)
        )
        assert reason == f"same message already received as message {first.stored[0]}"
    assert (tmp_path / "blobs" / first.sha256[:2] / first.sha256[2:4] / first.sha256).read_bytes() == raw


def never_read(data: bytes, kind: FileKind) -> InvoiceFields:
    raise AssertionError("unpacking reads nothing")


def test_long_envelope_values_and_file_names_are_cut_to_their_columns(
    engine: Engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """PostgreSQL refuses a text longer than its column (SQLite keeps it): they are cut, not refused."""
    with sessions.begin() as session:
        acme = add_acme(session)
    raw = mail(
        [
            ("f" * 296 + ".pdf", "application/pdf", small_pdf("long name")),
            ("z" * 296 + ".zip", "application/zip", zip_of("a.pdf", small_pdf("zipped"))),
        ]
    )
    long_from, long_helo = "a" * 400 + "@b.fr", "h" * 400
    delivery = Delivery(
        raw, long_from, (TO,), (acme,), "127.0.0.1", long_helo, Channel.SMTP, "email", datetime.now(UTC)
    )
    blobs = BlobStore(tmp_path / "blobs")
    [message_id] = Acceptor(engine, blobs).accept(delivery, judge(raw, GatePolicy())).stored
    pipeline = Pipeline(engine, blobs, GatePolicy(), Readers(fast=never_read, ocr=never_read))
    [document_id] = pipeline.unpack(message_id)
    with sessions() as session:
        message = session.get(RawMessage, message_id)
        assert message is not None
        assert (message.envelope_from, message.helo) == (long_from[:320], long_helo[:255])
        refused = session.scalars(
            select(ImportEvent).where(ImportEvent.kind == ImportEventKind.PART_REFUSED)
        ).one()
        assert (refused.filename, refused.sender) == ("z" * 255, long_from[:320])
        document = session.get(Document, document_id)
        assert document is not None
        assert document.filename == "f" * 255


def test_long_read_values_are_cut_to_their_columns(session: Session, acme: int) -> None:
    name = "Bâti-Sud " + "x" * 250
    result = book_fields(session, acme, invoice(supplier_name=name, currency="EURO"))
    session.commit()
    session.expire_all()
    purchase = purchase_of(session, result.purchase_id)
    assert (purchase.supplier_name, purchase.currency) == (name[:200], "EUR")
    assert purchase.status == PurchaseStatus.READY, purchase.review_reasons
    entry = entry_of(session, purchase.id)
    assert entry is not None
    assert entry.lines[-1].aux_label == name[:200]


# Booking


def test_a_ready_purchase_with_its_balanced_entry_round_trips_exactly(session: Session, acme: int) -> None:
    fields = invoice(
        total_excl_tax=Decimal("98765432.10"),
        total_tax=Decimal("19753086.42"),
        total_incl_tax=Decimal("118518518.52"),
        vat_breakdown=(VatLine(Decimal("20"), Decimal("98765432.10"), Decimal("19753086.42")),),
        markers=frozenset({VatMarker.DEBITS}),
    )
    result = book_fields(session, acme, fields)
    assert result.booking == Booking.PURCHASE
    session.commit()
    session.expire_all()
    purchase = purchase_of(session, result.purchase_id)
    assert purchase.status == PurchaseStatus.READY, purchase.review_reasons
    assert (purchase.total_excl_tax, purchase.total_tax, purchase.total_incl_tax) == (
        Decimal("98765432.10"),
        Decimal("19753086.42"),
        Decimal("118518518.52"),
    )
    assert str(purchase.total_incl_tax) == "118518518.52"
    assert purchase.vat_lines == [{"rate": "20", "base": "98765432.10", "amount": "19753086.42"}]
    assert (purchase.markers, purchase.review_reasons, purchase.channel) == (["debits"], [], Channel.SMTP)
    entry = entry_of(session, purchase.id)
    assert entry is not None
    assert lines(entry) == [
        ("604000", None, Decimal("98765432.10"), Decimal("0.00")),
        ("445660", None, Decimal("19753086.42"), Decimal("0.00")),
        ("401000", "F00001", Decimal("0.00"), Decimal("118518518.52")),
    ]
    assert sum(line.debit for line in entry.lines) == sum(line.credit for line in entry.lines)
    payment = session.scalars(select(Payment).where(Payment.purchase_id == purchase.id)).one()
    assert (payment.amount, payment.due_date, payment.due_date_source) == (
        Decimal("118518518.52"),
        date(2026, 12, 2),
        "legal_default",
    )
    document = session.scalars(select(Document).where(Document.purchase_id == purchase.id)).one()
    assert document.status == DocumentStatus.BOOKED
    assert document.extraction is not None
    assert InvoiceFields.from_record(document.extraction) == fields


def test_duplicates_by_file_and_by_number_make_no_second_purchase(session: Session, acme: int) -> None:
    first = book_fields(session, acme, invoice())
    same_file = book_fields(
        session, acme, invoice(invoice_number="OTHER"), sha256=purchase_sha(session, first)
    )
    assert (same_file.booking, same_file.purchase_id) == (Booking.DUPLICATE, first.purchase_id)
    assert same_file.note == f"duplicate of purchase {first.purchase_id} (same file)"
    same_number = book_fields(session, acme, invoice(invoice_number="fa 2026 001"))
    assert (same_number.booking, same_number.purchase_id) == (Booking.DUPLICATE, first.purchase_id)
    assert same_number.note.endswith("(same supplier, number and total)")
    assert count(session, Purchase) == 1
    assert count(session, JournalEntry) == 1


def purchase_sha(session: Session, booked: Booked) -> str:
    return purchase_of(session, booked.purchase_id).sha256


def test_an_invoice_without_number_is_to_review_without_entry(session: Session, acme: int) -> None:
    result = book_fields(session, acme, invoice(invoice_number=None))
    session.commit()
    session.expire_all()
    purchase = purchase_of(session, result.purchase_id)
    assert purchase.status == PurchaseStatus.TO_REVIEW
    assert [reason["code"] for reason in purchase.review_reasons] == ["missing_invoice_number"]
    assert entry_of(session, purchase.id) is None
    assert "to review" in result.note


def test_a_refused_edit_leaves_nothing_half_applied(
    sessions: sessionmaker[Session], session: Session, acme: int
) -> None:
    purchase_id = book_fields(session, acme, invoice()).purchase_id
    edit_purchase(session, acme, purchase_id, PurchaseEdit(charge_account="606400"), TODAY)
    refused = PurchaseEdit(invoice_number="FA-9", total_incl_tax=Decimal("5.00"), supplier_id=999_999)
    with pytest.raises(NotFoundError):
        edit_purchase(session, acme, purchase_id, refused, TODAY)
    purchase = purchase_of(session, purchase_id)
    assert (purchase.invoice_number, purchase.total_incl_tax) == ("FA-2026-001", Decimal("1200.00"))
    session.commit()
    with sessions() as fresh:
        stored = purchase_of(fresh, purchase_id)
        assert (stored.invoice_number, stored.total_incl_tax, stored.charge_account, stored.confidence) == (
            "FA-2026-001",
            Decimal("1200.00"),
            "606400",
            1.0,
        )
        entry = entry_of(fresh, purchase_id)
        assert entry is not None
        assert lines(entry) == [
            ("606400", None, Decimal("1000.00"), Decimal("0.00")),
            ("445660", None, Decimal("200.00"), Decimal("0.00")),
            ("401000", "F00001", Decimal("0.00"), Decimal("1200.00")),
        ]
        assert count(fresh, JournalEntry) == 1


def test_a_supplier_is_matched_by_siren(session: Session, acme: int) -> None:
    first = book_fields(session, acme, invoice())
    other_establishment = invoice(
        supplier_name="Bati Sud Agence Lyon",
        supplier_siret=None,
        supplier_vat=None,
        supplier_siren=SUPPLIER_SIREN,
        invoice_number="FA-2026-002",
    )
    second = book_fields(session, acme, other_establishment)
    assert "matched by SIREN" in second.note
    assert (
        purchase_of(session, second.purchase_id).supplier_id
        == purchase_of(session, first.purchase_id).supplier_id
    )
    assert count(session, Supplier) == 1


# Two workers booking the same file at once


def store_document(
    sessions: sessionmaker[Session], company_id: int, fields: InvoiceFields, sha256: str
) -> int:
    """Commits a processed message with one read document (the file sha256) and returns the message id."""
    with sessions.begin() as session:
        return store_read(session, company_id, fields, sha256=sha256).id


def book(sessions: sessionmaker[Session], message_id: int) -> Booked:
    """Books a message in a transaction of its own, as the pipeline's book step does."""
    with sessions.begin() as session:
        message = session.get(RawMessage, message_id)
        assert message is not None
        [booked] = book_message(session, message, TODAY) or ()
        return booked


def test_two_concurrent_bookings_of_one_file_make_one_purchase(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        acme = add_acme(session)
        find_or_create(session, acme, Identity.of(invoice()))
    sha256 = unique_sha256()
    first_id = store_document(sessions, acme, invoice(), sha256)
    second_id = store_document(sessions, acme, invoice(), sha256)
    first_flushed = threading.Event()

    def first() -> Booked:
        """Books, then commits only once the second booking is blocked behind its uncommitted purchase."""
        with sessions.begin() as session:
            message = session.get(RawMessage, first_id)
            assert message is not None
            [booked] = book_message(session, message, TODAY) or ()
            first_flushed.set()
            wait_for_a_lock_waiter(engine, "the second booking")
        return booked

    def second() -> Booked | IntegrityError:
        assert first_flushed.wait(10)
        try:
            return book(sessions, second_id)
        except IntegrityError as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        first_run, second_run = pool.submit(first), pool.submit(second)
        booked, outcome = first_run.result(30), second_run.result(30)
    assert booked.booking == Booking.PURCHASE
    assert isinstance(outcome, IntegrityError), outcome
    assert isinstance(outcome.orig, UniqueViolation)
    assert outcome.orig.diag.constraint_name == "uq_purchases_company_sha256"
    retried = book(sessions, second_id)
    assert (retried.booking, retried.purchase_id) == (Booking.DUPLICATE, booked.purchase_id)
    assert retried.note == f"duplicate of purchase {booked.purchase_id} (same file)"
    with sessions() as session:
        assert count(session, Purchase) == 1
        assert count(session, JournalEntry) == 1
        documents = list(session.scalars(select(Document).order_by(Document.id)))
        assert [(d.status, d.booking, d.purchase_id) for d in documents] == [
            (DocumentStatus.BOOKED, Booking.PURCHASE, booked.purchase_id),
            (DocumentStatus.BOOKED, Booking.DUPLICATE, booked.purchase_id),
        ]
