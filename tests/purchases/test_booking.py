"""Booking rules in the database: entry patterns of golden invoices, due dates, review, duplicates, trust."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parsers.extract import read_without_ocr
from parsers.filetype import sniff
from parsers.invoice import KEY_FIELDS, DocumentType, InvoiceFields, Method
from purchases.editing import mark_paid, owed_by_supplier
from purchases.suppliers import SupplierSettings, update_supplier
from store.models import Booking, Channel, ImportEvent, ImportEventKind
from store.purchase_models import JournalEntry, Payment, Purchase, PurchaseStatus, Supplier
from tests.purchases.books_db import book_fields, invoice

INVOICES = Path(__file__).parents[2] / "fixtures" / "invoices"
DOMESTIC = [("604000", "D"), ("445660", "D"), ("401000", "C")]
PATTERNS = {
    "facture-simple": DOMESTIC,
    "facture-acompte": DOMESTIC,
    "facture-deux-pages": DOMESTIC,
    "invoice-english": DOMESTIC,
    "facture-multi-taux": [("604000", "D")] * 3 + [("445660", "D")] * 3 + [("401000", "C")],
    "autoliquidation-btp": [("604000", "D"), ("445660", "D"), ("445700", "C"), ("401000", "C")],
    "intra-ue": [("604000", "D"), ("445662", "D"), ("445200", "C"), ("401000", "C")],
    "franchise-293b": [("604000", "D"), ("401000", "C")],
    "avoir": [("604000", "C"), ("445660", "C"), ("401000", "D")],
}


def read(case: str) -> InvoiceFields:
    data = (INVOICES / f"{case}.pdf").read_bytes()
    fields = read_without_ocr(data, sniff(data).kind)
    assert fields is not None
    return fields


def purchase_of(session: Session, purchase_id: int) -> Purchase:
    purchase = session.get(Purchase, purchase_id)
    assert purchase is not None
    return purchase


def entry_of(session: Session, purchase_id: int) -> JournalEntry | None:
    return session.scalar(select(JournalEntry).where(JournalEntry.purchase_id == purchase_id))


def payment_of(session: Session, purchase_id: int) -> Payment:
    return session.scalars(select(Payment).where(Payment.purchase_id == purchase_id)).one()


def codes(purchase: Purchase) -> list[str]:
    return [reason["code"] for reason in purchase.review_reasons]


@pytest.mark.parametrize("case", sorted(PATTERNS))
def test_golden_invoices_book_to_their_entry_pattern(session: Session, acme: int, case: str) -> None:
    fields = read(case)
    result = book_fields(session, acme, fields)
    purchase = purchase_of(session, result.purchase_id)
    assert purchase.status == PurchaseStatus.READY, purchase.review_reasons
    entry = entry_of(session, purchase.id)
    assert entry is not None
    assert [(line.account, "D" if line.debit else "C") for line in entry.lines] == PATTERNS[case]
    assert sum(line.debit for line in entry.lines) == sum(line.credit for line in entry.lines)
    supplier_line = entry.lines[-1]
    assert supplier_line.aux_account == "F00001"
    assert (supplier_line.debit or supplier_line.credit) == purchase.total_incl_tax
    assert all(line.aux_account is None for line in entry.lines[:-1])
    assert (entry.piece_ref, entry.piece_date) == (fields.invoice_number, fields.issue_date)


def test_the_amount_due_is_what_is_left_after_the_prepayment(session: Session, acme: int) -> None:
    fields = read("facture-acompte")
    assert fields.amount_due is not None and fields.total_incl_tax is not None
    assert fields.amount_due < fields.total_incl_tax
    result = book_fields(session, acme, fields)
    assert payment_of(session, result.purchase_id).amount == fields.amount_due


def test_printed_due_date_is_used(session: Session, acme: int) -> None:
    result = book_fields(session, acme, invoice(due_date=date(2026, 12, 15)))
    payment = payment_of(session, result.purchase_id)
    assert (payment.due_date, payment.due_date_source) == (date(2026, 12, 15), "printed")


def test_a_pushed_due_date_wins_over_the_printed_one(session: Session, acme: int) -> None:
    result = book_fields(
        session,
        acme,
        invoice(due_date=date(2026, 12, 15)),
        channel=Channel.HTTP,
        due_date_hint=date(2026, 12, 1),
    )
    payment = payment_of(session, result.purchase_id)
    assert (payment.due_date, payment.due_date_source) == (date(2026, 12, 1), "pushed")


def test_without_a_printed_date_the_legal_default_is_30_days_and_marked_derived(
    session: Session, acme: int
) -> None:
    result = book_fields(session, acme, invoice())
    payment = payment_of(session, result.purchase_id)
    assert (payment.due_date, payment.due_date_source) == (date(2026, 12, 2), "legal_default")


def test_supplier_terms_end_of_month(session: Session, acme: int) -> None:
    first = book_fields(session, acme, invoice(due_date=date(2026, 12, 2)))
    supplier_id = purchase_of(session, first.purchase_id).supplier_id
    assert supplier_id is not None
    update_supplier(session, acme, supplier_id, SupplierSettings(payment_days=30, payment_end_of_month=True))
    second = book_fields(session, acme, invoice(invoice_number="FA-2026-002", issue_date=date(2026, 11, 5)))
    payment = payment_of(session, second.purchase_id)
    assert (payment.due_date, payment.due_date_source) == (date(2026, 12, 31), "supplier_terms")


def test_a_missing_number_sends_the_purchase_to_review_without_entry(session: Session, acme: int) -> None:
    result = book_fields(session, acme, invoice(invoice_number=None))
    purchase = purchase_of(session, result.purchase_id)
    assert purchase.status == PurchaseStatus.TO_REVIEW
    assert codes(purchase) == ["missing_invoice_number"]
    assert entry_of(session, purchase.id) is None
    assert payment_of(session, purchase.id).amount == Decimal("1200.00")
    [event] = session.scalars(select(ImportEvent).where(ImportEvent.kind == ImportEventKind.PURCHASE_CREATED))
    assert event.reason is not None and event.reason.endswith(
        "to review; supplier Bâti-Sud SAS (new, F00001). No invoice number was read."
    )


def test_totals_that_do_not_add_up_and_low_confidence_are_both_reasons(session: Session, acme: int) -> None:
    fields = invoice(total_incl_tax=Decimal("1250.00"), confidence=dict.fromkeys(KEY_FIELDS, 0.3))
    purchase = purchase_of(session, book_fields(session, acme, fields).purchase_id)
    assert codes(purchase) == ["totals_mismatch", "low_confidence"]
    assert entry_of(session, purchase.id) is None


def test_nothing_known_of_the_supplier_is_a_reason(session: Session, acme: int) -> None:
    fields = invoice(supplier_name=None, supplier_siret=None, supplier_vat=None)
    purchase = purchase_of(session, book_fields(session, acme, fields).purchase_id)
    assert purchase.supplier is None
    assert "missing_supplier" in codes(purchase)


def test_a_trusted_supplier_skips_soft_reasons_under_its_threshold(session: Session, acme: int) -> None:
    first = purchase_of(session, book_fields(session, acme, invoice()).purchase_id)
    assert first.supplier_id is not None
    update_supplier(
        session, acme, first.supplier_id, SupplierSettings(trusted=True, trusted_threshold=Decimal(1500))
    )
    doubtful = dict.fromkeys(KEY_FIELDS, 0.3)
    under = book_fields(session, acme, invoice(invoice_number="FA-2", confidence=doubtful))
    assert purchase_of(session, under.purchase_id).status == PurchaseStatus.READY
    over = invoice(
        invoice_number="FA-3",
        total_excl_tax=Decimal("2000.00"),
        total_tax=Decimal("400.00"),
        total_incl_tax=Decimal("2400.00"),
        vat_breakdown=(),
        confidence=doubtful,
    )
    assert codes(purchase_of(session, book_fields(session, acme, over).purchase_id)) == ["low_confidence"]


def test_the_second_invoice_of_a_supplier_finds_it(session: Session, acme: int) -> None:
    book_fields(session, acme, invoice())
    book_fields(
        session, acme, invoice(invoice_number="FA-2026-002", supplier_name="BATI SUD", supplier_siret=None)
    )
    assert session.scalar(select(func.count()).select_from(Supplier)) == 1


def test_same_file_is_a_duplicate_across_channels(session: Session, acme: int) -> None:
    first = book_fields(session, acme, invoice(), sha256="a" * 64)
    again = book_fields(session, acme, invoice(), sha256="a" * 64, channel=Channel.HTTP, platform="Welyb")
    assert (again.booking, again.purchase_id) == (Booking.DUPLICATE, first.purchase_id)
    assert again.note == f"duplicate of purchase {first.purchase_id} (same file)"


def test_same_supplier_number_and_total_is_a_duplicate(session: Session, acme: int) -> None:
    first = book_fields(session, acme, invoice(invoice_number="FA 2026/001"))
    again = book_fields(session, acme, replace(invoice(invoice_number="fa-2026-001"), method=Method.OCR))
    assert (again.booking, again.purchase_id) == (Booking.DUPLICATE, first.purchase_id)
    assert session.scalar(select(func.count()).select_from(Purchase)) == 1
    [event] = session.scalars(select(ImportEvent).where(ImportEvent.kind == ImportEventKind.DUPLICATE))
    assert event.reason == f"duplicate of purchase {first.purchase_id} (same supplier, number and total)"


def test_same_number_with_another_total_is_booked_but_reviewed(session: Session, acme: int) -> None:
    first = book_fields(session, acme, invoice())
    other = invoice(
        total_excl_tax=Decimal("500.00"), total_tax=Decimal("100.00"), total_incl_tax=Decimal("600.00")
    )
    second = book_fields(session, acme, replace(other, vat_breakdown=()))
    assert second.booking == Booking.PURCHASE
    purchase = purchase_of(session, second.purchase_id)
    assert codes(purchase) == ["duplicate_number"]
    assert f"purchase {first.purchase_id}" in purchase.review_reasons[0]["message"]


def test_a_credit_note_with_the_invoice_number_is_not_a_duplicate(session: Session, acme: int) -> None:
    book_fields(session, acme, invoice())
    credit = book_fields(session, acme, invoice(document_type=DocumentType.CREDIT_NOTE))
    assert credit.booking == Booking.PURCHASE
    assert payment_of(session, credit.purchase_id).amount == Decimal("-1200.00")


def test_a_credit_note_reduces_what_is_owed_to_its_supplier(session: Session, acme: int) -> None:
    invoice_id = book_fields(session, acme, invoice()).purchase_id
    book_fields(
        session,
        acme,
        invoice(
            document_type=DocumentType.CREDIT_NOTE,
            invoice_number="AV-1",
            total_excl_tax=Decimal("100.00"),
            total_tax=Decimal("20.00"),
            total_incl_tax=Decimal("120.00"),
            vat_breakdown=(),
        ),
    )
    supplier_id = purchase_of(session, invoice_id).supplier_id
    assert supplier_id is not None
    assert owed_by_supplier(session, acme) == {supplier_id: Decimal("1080.00")}
    mark_paid(session, acme, invoice_id, date(2026, 11, 30), "transfer")
    assert owed_by_supplier(session, acme) == {supplier_id: Decimal("-120.00")}


def test_the_same_number_from_another_supplier_is_not_a_duplicate(session: Session, acme: int) -> None:
    book_fields(session, acme, invoice())
    other = invoice(supplier_name="Papeterie Durand", supplier_siret="73282932000074", supplier_vat=None)
    assert book_fields(session, acme, other).booking == Booking.PURCHASE
