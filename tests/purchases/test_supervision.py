"""Supervision on a database: per company the last import and the counts, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from admin.runtime import Storage
from purchases.editing import mark_paid
from purchases.supervision import CompanySupervision, supervise
from store.models import Channel, Document, DocumentStatus, ImportEvent, ImportEventKind, MessageStatus
from tests.purchases.books_db import TODAY, add_acme, book_fields, invoice, store_read
from tests.support import SIRETS


def accepted(session: Session, company_id: int, platform: str, at: datetime) -> None:
    session.add(
        ImportEvent(
            at=at,
            company_id=company_id,
            kind=ImportEventKind.ACCEPTED,
            channel=Channel.SMTP if platform == "email" else Channel.HTTP,
            source_platform=platform,
            sender="x@example.fr",
            recipients=[],
        )
    )


def fill(session: Session, company_id: int) -> None:
    """Five purchases (one paid, one to review), two failed documents, a message not unpacked, imports."""
    for number, due in (("A-1", date(2026, 11, 1)), ("A-2", date(2026, 12, 31)), ("A-3", date(2026, 10, 1))):
        book_fields(session, company_id, invoice(invoice_number=number, due_date=due), today=TODAY)
    paid = book_fields(session, company_id, invoice(invoice_number="A-4", due_date=date(2026, 9, 1)))
    mark_paid(session, company_id, paid.purchase_id, TODAY, "virement")
    unsure = invoice(invoice_number="A-5", total_incl_tax=Decimal("1250.00"), due_date=date(2027, 1, 31))
    book_fields(session, company_id, unsure, today=TODAY)
    for _ in range(2):
        message = store_read(session, company_id, invoice())
        document = session.scalars(select(Document).where(Document.raw_message_id == message.id)).one()
        document.status, document.failed_stage, document.failure_reason = DocumentStatus.FAILED, "read", "x"
    store_read(session, company_id, invoice()).status = MessageStatus.FAILED
    accepted(session, company_id, "email", datetime(2026, 11, 20, 9, tzinfo=UTC))
    accepted(session, company_id, "Welyb", datetime(2026, 11, 21, 9, tzinfo=UTC))
    accepted(session, company_id, "email", datetime(2026, 11, 2, 9, tzinfo=UTC))
    session.flush()


def test_each_company_with_its_last_import_and_counts_on_the_day(session: Session, acme: int) -> None:
    fill(session, acme)
    dupont = add_acme(session, "Boulangerie Dupont", SIRETS[1], "dupont")
    session.flush()
    assert supervise(session, [dupont, acme], TODAY) == [
        CompanySupervision(
            slug="acme",
            name="ACME SAS",
            siret=SIRETS[0],
            active=True,
            last_import_at=datetime(2026, 11, 21, 9, tzinfo=UTC),
            last_import_platform="Welyb",
            to_review=1,
            documents_in_error=2,
            messages_in_error=1,
            pending_payments=2,
            overdue_payments=2,
        ),
        CompanySupervision("dupont", "Boulangerie Dupont", SIRETS[1], True, None, None, 0, 0, 0, 0, 0),
    ]
    [later] = supervise(session, [acme], date(2027, 1, 1))
    assert (later.pending_payments, later.overdue_payments) == (1, 3)
    assert [line.slug for line in supervise(session, [dupont], TODAY)] == ["dupont"]
    assert [line.slug for line in supervise(session, None, TODAY)] == ["acme", "dupont"]
    assert supervise(session, [], TODAY) == []


@contextmanager
def counting(storage: Storage) -> Iterator[list[str]]:
    """The SELECT statements run on the storage's engine meanwhile."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            statements.append(str(args[2]))

    event.listen(storage.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(storage.engine, "before_cursor_execute", record)


def test_the_number_of_queries_does_not_grow_with_the_companies(storage: Storage) -> None:
    with storage.sessions.begin() as session:
        companies = [
            add_acme(session, f"Société {n}", siret, f"societe-{n}") for n, siret in enumerate(SIRETS)
        ]
        for company_id in companies:
            fill(session, company_id)
    with storage.sessions() as session, counting(storage) as one:
        supervise(session, companies[:1], TODAY)
    with storage.sessions() as session, counting(storage) as every:
        lines = supervise(session, companies, TODAY)
    assert len(one) == len(every) == 6
    assert {(line.to_review, line.documents_in_error, line.overdue_payments) for line in lines} == {(1, 2, 2)}
