"""Changes accountants make: edit a purchase (re-checked, entry regenerated) and settle its payment."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parsers.invoice import DocumentType, VatLine, VatMarker
from purchases.books import books_of, charge_account, load_books
from purchases.errors import ConflictError, InvalidInputError, NotFoundError
from purchases.ledger import derive_due_date, number_key, review, schedule_payment, vat_line_rows, write_entry
from store.purchase_models import Payment, PaymentStatus, Purchase, Supplier

REVIEWED = 1.0
"""The confidence of a purchase once a person has edited it."""
_GIVEN = ("printed", "pushed", "edited")


class PaymentState(enum.StrEnum):
    """A payment as shown: pending, overdue (pending past its due date) or paid."""

    PENDING = "pending"
    OVERDUE = "overdue"
    PAID = "paid"


def payment_state(payment: Payment, today: date) -> PaymentState:
    """Pending, overdue or paid, on a given day."""
    if payment.status == PaymentStatus.PAID:
        return PaymentState.PAID
    if payment.due_date is not None and payment.due_date < today:
        return PaymentState.OVERDUE
    return PaymentState.PENDING


@dataclass(frozen=True)
class PurchaseEdit:
    """Changes to a purchase; None leaves a field as it is."""

    invoice_number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    document_type: DocumentType | None = None
    total_excl_tax: Decimal | None = None
    total_tax: Decimal | None = None
    total_incl_tax: Decimal | None = None
    amount_due: Decimal | None = None
    vat_lines: tuple[VatLine, ...] | None = None
    markers: frozenset[VatMarker] | None = None
    charge_account: str | None = None
    supplier_id: int | None = None
    currency: str | None = None


def get_purchase(session: Session, company_id: int, purchase_id: int) -> Purchase:
    """One of the company's purchases."""
    purchase = session.get(Purchase, purchase_id)
    if purchase is None or purchase.company_id != company_id:
        raise NotFoundError(f"no purchase {purchase_id} in this company")
    return purchase


def edit_purchase(
    session: Session, company_id: int, purchase_id: int, edit: PurchaseEdit, today: date
) -> Purchase:
    """Applies an accountant's changes, then re-checks the purchase and regenerates its payment and entry."""
    purchase = get_purchase(session, company_id, purchase_id)
    if purchase.locked_at is not None:
        raise ConflictError(
            f"purchase {purchase.id} is locked: its period was validated on {purchase.locked_at:%Y-%m-%d}"
        )
    with session.begin_nested():  # a refused change leaves nothing half-applied
        _apply(session, purchase, edit)
    purchase.confidence = REVIEWED
    books = books_of(load_books(session, company_id))
    session.flush()
    review(session, purchase, books, today)
    payment = session.scalar(select(Payment).where(Payment.purchase_id == purchase.id))
    kept = payment is not None and payment.due_date_source in _GIVEN
    given = edit.due_date or (payment.due_date if payment is not None and kept else None)
    source = (
        "edited" if edit.due_date else (payment.due_date_source if payment is not None and kept else None)
    )
    payment = schedule_payment(
        session, purchase, derive_due_date(purchase, books, printed=None, pushed=given)
    )
    if source is not None:
        payment.due_date_source = source
    write_entry(session, purchase, books)
    session.flush()
    return purchase


def _apply(session: Session, purchase: Purchase, edit: PurchaseEdit) -> None:
    if edit.invoice_number is not None:
        number = edit.invoice_number.strip()
        if not number:
            raise InvalidInputError("invoice number", edit.invoice_number, "must not be empty")
        purchase.invoice_number, purchase.number_key = number[:100], number_key(number)
    for name in ("issue_date", "total_excl_tax", "total_tax", "total_incl_tax", "amount_due"):
        value = getattr(edit, name)
        if isinstance(value, Decimal) and value < 0:
            raise InvalidInputError(
                name.replace("_", " "), str(value), "amounts are positive, even on a credit note"
            )
        if value is not None:
            setattr(purchase, name, value)
    if edit.document_type is not None:
        purchase.document_type = edit.document_type.value
    if edit.vat_lines is not None:
        purchase.vat_lines = vat_line_rows(edit.vat_lines)
    if edit.markers is not None:
        purchase.markers = sorted(marker.value for marker in edit.markers)
    if edit.currency is not None:
        purchase.currency = edit.currency.strip().upper()[:3] or None
    _apply_booking(session, purchase, edit)


def _apply_booking(session: Session, purchase: Purchase, edit: PurchaseEdit) -> None:
    if edit.charge_account is not None:
        purchase.charge_account = charge_account(edit.charge_account)
    if edit.supplier_id is not None:
        supplier = session.get(Supplier, edit.supplier_id)
        if supplier is None or supplier.company_id != purchase.company_id:
            raise NotFoundError(f"no supplier {edit.supplier_id} in this company")
        purchase.supplier = supplier
        purchase.supplier_name = supplier.name


def mark_paid(session: Session, company_id: int, purchase_id: int, paid_on: date, method: str) -> Payment:
    """Records that the purchase's payment was made (date and method)."""
    purchase = get_purchase(session, company_id, purchase_id)
    payment = session.scalar(select(Payment).where(Payment.purchase_id == purchase.id))
    if payment is None:
        raise NotFoundError(f"purchase {purchase_id} has no payment")
    if payment.status == PaymentStatus.PAID:
        raise ConflictError(
            f"the payment of purchase {purchase_id} was already marked paid on {payment.paid_on}"
        )
    if not method.strip():
        raise InvalidInputError("payment method", method, "say how it was paid (transfer, card, cheque...)")
    payment.status, payment.paid_on, payment.method = PaymentStatus.PAID, paid_on, method.strip()[:40]
    return payment


def owed_by_supplier(session: Session, company_id: int) -> dict[int, Decimal]:
    """What the company still owes each supplier: its pending payments, less its credit notes."""
    query = (
        select(Payment.supplier_id, func.sum(Payment.amount))
        .where(Payment.company_id == company_id, Payment.status == PaymentStatus.PENDING)
        .where(Payment.supplier_id.is_not(None), Payment.amount.is_not(None))
        .group_by(Payment.supplier_id)
    )
    rows = session.execute(query)
    return {supplier: total for supplier, total in rows if supplier is not None and total is not None}


def lock(purchase: Purchase, at: datetime) -> None:
    """Locks a purchase for good (its period was validated)."""
    purchase.locked_at = purchase.locked_at or at
