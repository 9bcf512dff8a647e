"""Accountants' changes: an edited purchase is re-checked, its payment and entry follow; payments settled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parsers.invoice import DocumentType, VatLine
from purchases.editing import (
    PaymentState,
    PurchaseEdit,
    edit_purchase,
    get_purchase,
    lock,
    mark_paid,
    payment_state,
)
from purchases.errors import ConflictError, InvalidInputError, NotFoundError
from purchases.suppliers import Identity, find_or_create
from store.purchase_models import JournalEntry, Payment, PaymentStatus, Purchase, PurchaseStatus
from tests.purchases.books_db import TODAY, add_acme, book_fields, invoice

ISSUED = date(2026, 11, 2)


def entries(session: Session, purchase_id: int) -> list[JournalEntry]:
    return list(session.scalars(select(JournalEntry).where(JournalEntry.purchase_id == purchase_id)))


def lines(entry: JournalEntry) -> list[tuple[str, str | None, Decimal, Decimal]]:
    return [(line.account, line.aux_account, line.debit, line.credit) for line in entry.lines]


def payment_of(session: Session, purchase_id: int) -> Payment:
    payment = session.scalar(select(Payment).where(Payment.purchase_id == purchase_id))
    assert payment is not None
    return payment


def booked(session: Session, company_id: int, **changes: object) -> Purchase:
    result = book_fields(session, company_id, invoice(**changes))
    return get_purchase(session, company_id, result.purchase_id)


def edit(session: Session, company_id: int, purchase: Purchase, **changes: object) -> Purchase:
    return edit_purchase(session, company_id, purchase.id, PurchaseEdit(**changes), TODAY)  # type: ignore[arg-type]


def test_adding_the_missing_number_makes_the_purchase_ready_with_a_balanced_entry(
    session: Session, acme: int
) -> None:
    purchase = booked(session, acme, invoice_number=None)
    assert purchase.status == PurchaseStatus.TO_REVIEW
    assert [r["code"] for r in purchase.review_reasons] == ["missing_invoice_number"]
    assert entries(session, purchase.id) == []
    edited = edit(session, acme, purchase, invoice_number=" FA 2026/77 ")
    assert edited is purchase
    assert (purchase.status, purchase.review_reasons) == (PurchaseStatus.READY, [])
    assert (purchase.invoice_number, purchase.number_key, purchase.confidence) == (
        "FA 2026/77",
        "fa202677",
        1.0,
    )
    [entry] = entries(session, purchase.id)
    assert (entry.journal_code, entry.piece_ref, entry.entry_date) == ("HA", "FA 2026/77", ISSUED)
    assert lines(entry) == [
        ("604000", None, Decimal("1000.00"), Decimal("0.00")),
        ("445660", None, Decimal("200.00"), Decimal("0.00")),
        ("401000", "F00001", Decimal("0.00"), Decimal("1200.00")),
    ]
    assert sum(line.debit for line in entry.lines) == sum(line.credit for line in entry.lines)


def test_a_new_charge_account_regenerates_the_one_entry(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    [before] = entries(session, purchase.id)
    assert lines(before)[0][0] == "604000"
    edit(session, acme, purchase, charge_account=" 606400 ")
    assert purchase.charge_account == "606400"
    [after] = entries(session, purchase.id)
    assert lines(after) == [
        ("606400", None, Decimal("1000.00"), Decimal("0.00")),
        ("445660", None, Decimal("200.00"), Decimal("0.00")),
        ("401000", "F00001", Decimal("0.00"), Decimal("1200.00")),
    ]
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == 1


def test_a_fixed_asset_account_books_on_the_asset_accounts(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    edit(session, acme, purchase, charge_account="218300")
    [entry] = entries(session, purchase.id)
    assert [line.account for line in entry.lines] == ["218300", "445620", "404000"]


def test_totals_that_do_not_add_up_send_it_back_to_review_without_entry(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    assert len(entries(session, purchase.id)) == 1
    edit(session, acme, purchase, total_incl_tax=Decimal("1300.00"))
    assert purchase.status == PurchaseStatus.TO_REVIEW
    assert purchase.review_reasons == [
        {
            "code": "totals_mismatch",
            "message": "HT 1000.00 + VAT 200.00 = 1200.00, but the printed TTC is 1300.00.",
        }
    ]
    assert entries(session, purchase.id) == []
    assert payment_of(session, purchase.id).amount == Decimal("1300.00")


def test_a_locked_purchase_cannot_change(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    [entry] = entries(session, purchase.id)
    lock(purchase, datetime(2026, 12, 5, 9, 30, tzinfo=UTC))
    lock(purchase, datetime(2027, 1, 1, tzinfo=UTC))
    assert purchase.locked_at == datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    with pytest.raises(ConflictError) as raised:
        edit(session, acme, purchase, invoice_number="OTHER", charge_account="606400")
    assert raised.value.reason == f"purchase {purchase.id} is locked: its period was validated on 2026-12-05"
    assert (purchase.invoice_number, purchase.charge_account) == ("FA-2026-001", "604000")
    assert entries(session, purchase.id) == [entry]
    assert entry.lines[0].account == "604000"


def test_an_edited_due_date_is_kept_through_later_edits(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    assert (payment_of(session, purchase.id).due_date, payment_of(session, purchase.id).due_date_source) == (
        date(2026, 12, 2),
        "legal_default",
    )
    edit(session, acme, purchase, due_date=date(2026, 12, 20))
    payment = payment_of(session, purchase.id)
    assert (payment.due_date, payment.due_date_source, payment.due_date_warnings) == (
        date(2026, 12, 20),
        "edited",
        [],
    )
    edit(session, acme, purchase, issue_date=date(2026, 11, 10))
    assert (payment.due_date, payment.due_date_source) == (date(2026, 12, 20), "edited")


def test_a_derived_due_date_follows_the_issue_date(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    edit(session, acme, purchase, issue_date=date(2026, 11, 10))
    payment = payment_of(session, purchase.id)
    assert (payment.due_date, payment.due_date_source) == (date(2026, 12, 10), "legal_default")
    [entry] = entries(session, purchase.id)
    assert entry.entry_date == date(2026, 11, 10)


def test_a_printed_due_date_stays_when_the_issue_date_changes(session: Session, acme: int) -> None:
    purchase = booked(session, acme, due_date=date(2026, 12, 15))
    edit(session, acme, purchase, issue_date=date(2026, 11, 10))
    payment = payment_of(session, purchase.id)
    assert (payment.due_date, payment.due_date_source) == (date(2026, 12, 15), "printed")


def test_a_future_issue_date_is_to_review(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    edit(session, acme, purchase, issue_date=date(2026, 11, 23))
    assert [r["code"] for r in purchase.review_reasons] == ["future_issue_date"]
    assert entries(session, purchase.id) == []


def test_a_number_already_used_with_another_total_is_to_review(session: Session, acme: int) -> None:
    first = booked(session, acme, invoice_number="FA-1")
    second = booked(
        session,
        acme,
        invoice_number="FA-2",
        total_excl_tax=Decimal("50.00"),
        total_tax=Decimal("10.00"),
        total_incl_tax=Decimal("60.00"),
        vat_breakdown=(VatLine(Decimal("20"), Decimal("50.00"), Decimal("10.00")),),
    )
    assert second.status == PurchaseStatus.READY
    edit(session, acme, second, invoice_number="fa 1")
    assert second.review_reasons == [
        {
            "code": "duplicate_number",
            "message": f"purchase {first.id} from this supplier has the same number fa 1 "
            "with a different total (1200.00 vs 60.00)",
        }
    ]
    assert entries(session, second.id) == []
    assert first.status == PurchaseStatus.READY


def test_another_supplier_of_the_company_rebooks_on_its_account(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    other, _ = find_or_create(session, acme, Identity("Papeterie Durand", None, None, "DE123456789"))
    assert other is not None
    edit(session, acme, purchase, supplier_id=other.id)
    assert (purchase.supplier_id, purchase.supplier_name) == (other.id, "Papeterie Durand")
    [entry] = entries(session, purchase.id)
    assert lines(entry)[-1] == ("401000", "F00002", Decimal("0.00"), Decimal("1200.00"))
    assert payment_of(session, purchase.id).supplier_id == other.id


def test_another_company_s_supplier_is_not_found(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    other_company = add_acme(session, "Other SARL", "35600000000048", "other")
    theirs, _ = find_or_create(session, other_company, Identity("Papeterie Durand", None, None, None))
    assert theirs is not None
    supplier_id = purchase.supplier_id
    with pytest.raises(NotFoundError) as raised:
        edit(session, acme, purchase, supplier_id=theirs.id)
    assert raised.value.reason == f"no supplier {theirs.id} in this company"
    assert purchase.supplier_id == supplier_id


def test_another_company_s_purchase_is_not_found(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    other_company = add_acme(session, "Other SARL", "35600000000048", "other")
    with pytest.raises(NotFoundError) as raised:
        edit(session, other_company, purchase, invoice_number="X")
    assert raised.value.reason == f"no purchase {purchase.id} in this company"
    with pytest.raises(NotFoundError):
        mark_paid(session, other_company, purchase.id, TODAY, "transfer")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"total_excl_tax": Decimal("-1000.00")},
            "invalid total excl tax '-1000.00': amounts are positive, even on a credit note",
        ),
        (
            {"amount_due": Decimal("-1")},
            "invalid amount due '-1': amounts are positive, even on a credit note",
        ),
        ({"invoice_number": "   "}, "invalid invoice number '   ': must not be empty"),
        (
            {"charge_account": "401000"},
            "invalid charge account '401000': a class 6 (or class 2, fixed assets) account number",
        ),
    ],
)
def test_invalid_edits_are_refused(
    session: Session, acme: int, changes: dict[str, object], reason: str
) -> None:
    purchase = booked(session, acme)
    with pytest.raises(InvalidInputError) as raised:
        edit(session, acme, purchase, **changes)
    assert raised.value.reason == reason
    assert (purchase.total_excl_tax, purchase.amount_due, purchase.charge_account) == (
        Decimal("1000.00"),
        None,
        "604000",
    )


def test_a_refused_edit_changes_nothing_even_the_valid_parts(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    with pytest.raises(InvalidInputError):
        edit(session, acme, purchase, invoice_number="FA-NEW", total_tax=Decimal("-1"))
    session.flush()
    assert (purchase.invoice_number, purchase.total_tax) == ("FA-2026-001", Decimal("200.00"))


def test_mark_paid_once(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    paid = mark_paid(session, acme, purchase.id, date(2026, 12, 1), " transfer ")
    assert paid is payment_of(session, purchase.id)
    assert (paid.status, paid.paid_on, paid.method) == (PaymentStatus.PAID, date(2026, 12, 1), "transfer")
    with pytest.raises(ConflictError) as raised:
        mark_paid(session, acme, purchase.id, date(2026, 12, 3), "card")
    assert (
        raised.value.reason == f"the payment of purchase {purchase.id} was already marked paid on 2026-12-01"
    )
    assert (paid.paid_on, paid.method) == (date(2026, 12, 1), "transfer")


def test_mark_paid_needs_a_method(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    with pytest.raises(InvalidInputError) as raised:
        mark_paid(session, acme, purchase.id, date(2026, 12, 1), "  ")
    assert (
        raised.value.reason == "invalid payment method '  ': say how it was paid (transfer, card, cheque...)"
    )
    payment = payment_of(session, purchase.id)
    assert (payment.status, payment.paid_on, payment.method) == (PaymentStatus.PENDING, None, None)


def test_payment_state_on_given_days(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    payment = payment_of(session, purchase.id)
    assert payment.due_date == date(2026, 12, 2)
    assert payment_state(payment, date(2026, 12, 1)) is PaymentState.PENDING
    assert payment_state(payment, date(2026, 12, 2)) is PaymentState.PENDING
    assert payment_state(payment, date(2026, 12, 3)) is PaymentState.OVERDUE
    mark_paid(session, acme, purchase.id, date(2026, 12, 20), "transfer")
    assert payment_state(payment, date(2026, 12, 3)) is PaymentState.PAID
    assert payment_state(payment, date(2027, 6, 1)) is PaymentState.PAID


def test_a_payment_without_due_date_is_never_overdue(session: Session, acme: int) -> None:
    purchase = booked(session, acme, issue_date=None)
    payment = payment_of(session, purchase.id)
    assert (payment.due_date, payment.due_date_source) == (None, "legal_default")
    assert payment_state(payment, date(2099, 1, 1)) is PaymentState.PENDING


def test_a_credit_note_s_payment_is_negative(session: Session, acme: int) -> None:
    purchase = booked(session, acme, invoice_number="AV-1", document_type=DocumentType.CREDIT_NOTE)
    assert purchase.status == PurchaseStatus.READY
    assert payment_of(session, purchase.id).amount == Decimal("-1200.00")
    [entry] = entries(session, purchase.id)
    assert lines(entry) == [
        ("604000", None, Decimal("0.00"), Decimal("1000.00")),
        ("445660", None, Decimal("0.00"), Decimal("200.00")),
        ("401000", "F00001", Decimal("1200.00"), Decimal("0.00")),
    ]


def test_turning_an_invoice_into_a_credit_note_reverses_its_payment(session: Session, acme: int) -> None:
    purchase = booked(session, acme)
    edit(session, acme, purchase, document_type=DocumentType.CREDIT_NOTE, amount_due=Decimal("1000.00"))
    assert payment_of(session, purchase.id).amount == Decimal("-1000.00")
    [entry] = entries(session, purchase.id)
    assert lines(entry)[-1] == ("401000", "F00001", Decimal("1200.00"), Decimal("0.00"))
