"""Booking: each read document of a message becomes a purchase once (or a twin, or a duplicate of one)."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import CollecteError
from parsers.invoice import InvoiceFields, Method
from purchases.books import books_of, load_books
from purchases.import_log import document_event
from purchases.ledger import (
    derive_due_date,
    fill_from_fields,
    review,
    same_number,
    schedule_payment,
    write_entry,
)
from purchases.suppliers import Identity, MatchRule, find_or_create
from store.models import Booking, Document, DocumentStatus, ImportEventKind, RawMessage
from store.purchase_models import Purchase, PurchaseStatus


@dataclass(frozen=True)
class Booked:
    """What booking made of one document."""

    document_id: int
    booking: Booking
    purchase_id: int
    note: str


def book_message(session: Session, message: RawMessage, today: date) -> tuple[Booked, ...] | None:
    """Books every read, unbooked document of the message; None while a sibling is still being read.

    The message's documents are booked together so that a printed invoice sent with its e-invoice XML
    becomes the XML's twin rather than a second purchase.
    """
    documents = list(
        session.scalars(select(Document).where(Document.raw_message_id == message.id).order_by(Document.id))
    )
    if any(d.status == DocumentStatus.PENDING for d in documents):
        return None
    todo = [d for d in documents if d.status == DocumentStatus.READ]
    todo.sort(key=lambda d: (d.twin_of_id is not None, d.id))
    results = []
    for document in todo:
        try:
            with session.begin_nested():
                result = _book(session, message, document, today)
        except CollecteError as exc:
            _fail(session, message, document, exc)
            continue
        document.status, document.booking, document.purchase_id = (
            DocumentStatus.BOOKED,
            result.booking,
            result.purchase_id,
        )
        if result.booking != Booking.TWIN:  # the twin was logged when it was paired with its e-invoice
            _log(session, message, document, result)
        results.append(result)
        session.flush()
    return tuple(results)


def _book(session: Session, message: RawMessage, document: Document, today: date) -> Booked:
    if document.twin_of_id is not None:
        record = session.get(Document, document.twin_of_id)
        if record is not None and record.purchase_id is not None:
            return Booked(
                document.id,
                Booking.TWIN,
                record.purchase_id,
                f"printed copy of purchase {record.purchase_id}",
            )
    earlier = _same_file(session, document)
    if earlier is not None:
        return Booked(document.id, Booking.DUPLICATE, earlier, f"duplicate of purchase {earlier} (same file)")
    fields = _fields(document)
    supplier, rule = find_or_create(session, document.company_id, Identity.of(fields))
    books_row = load_books(session, document.company_id)
    books = books_of(books_row)
    purchase = Purchase(
        company_id=document.company_id,
        supplier=supplier,
        supplier_id=supplier.id if supplier else None,
        sha256=document.sha256,
        charge_account=(supplier.charge_account if supplier else None) or books.chart.default_charge_account,
        channel=message.channel,
        source_platform=message.source_platform,
        external_reference=document.external_reference,
        status=PurchaseStatus.TO_REVIEW,
        review_reasons=[],
    )
    fill_from_fields(purchase, fields)
    for other in same_number(session, purchase):
        if other.total_incl_tax in (fields.total_incl_tax, purchase.total_incl_tax):
            note = f"duplicate of purchase {other.id} (same supplier, number and total)"
            return Booked(document.id, Booking.DUPLICATE, other.id, note)
    session.add(purchase)
    session.flush()
    review(session, purchase, books, today)
    due = derive_due_date(purchase, books, printed=fields.due_date, pushed=document.due_date_hint)
    schedule_payment(session, purchase, due)
    write_entry(session, purchase, books)
    return Booked(document.id, Booking.PURCHASE, purchase.id, _created_note(purchase, rule))


def _same_file(session: Session, document: Document) -> int | None:
    """The purchase an identical file of the same company already went to."""
    query = select(Document.purchase_id).where(
        Document.company_id == document.company_id,
        Document.sha256 == document.sha256,
        Document.purchase_id.is_not(None),
        Document.id != document.id,
    )
    return session.scalar(query.order_by(Document.id).limit(1))


def _fields(document: Document) -> InvoiceFields:
    if document.extraction is not None:
        return InvoiceFields.from_record(document.extraction)
    return InvoiceFields(method=Method(document.method or Method.TEXT.value))


def _created_note(purchase: Purchase, rule: str) -> str:
    supplier = purchase.supplier
    if supplier is None:
        who = "no supplier known"
    else:
        how = "new" if rule == MatchRule.CREATED else f"matched by {rule}"
        who = f"supplier {supplier.name} ({how}, {supplier.aux_account})"
    if purchase.status == PurchaseStatus.READY:
        return f"purchase {purchase.id} created, ready; {who}"
    reasons = " ".join(r["message"].rstrip(".") + "." for r in purchase.review_reasons)
    return f"purchase {purchase.id} created, to review; {who}. {reasons}"


def _fail(session: Session, message: RawMessage, document: Document, error: CollecteError) -> None:
    """A document that cannot be booked stays visible, with the reason, for a retry after a fix."""
    document.status = DocumentStatus.FAILED
    document.failed_stage, document.failure_reason = "book", error.reason
    document.failure_traceback = "".join(traceback.format_exception(error))
    document.attempts += 1
    session.add(
        document_event(
            message, document, ImportEventKind.DOCUMENT_FAILED, reason_code="book", reason=error.reason
        )
    )


def _log(session: Session, message: RawMessage, document: Document, result: Booked) -> None:
    kinds: dict[Booking, ImportEventKind] = {
        Booking.PURCHASE: ImportEventKind.PURCHASE_CREATED,
        Booking.DUPLICATE: ImportEventKind.DUPLICATE,
    }
    session.add(
        document_event(
            message, document, kinds[result.booking], reason_code=result.booking.value, reason=result.note
        )
    )
