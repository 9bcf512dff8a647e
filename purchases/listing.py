"""Listings of a company's books: purchases (filtered, paged), one purchase in full, payments, suppliers.

The admin CLI and the admin API read through these queries, so that both show the same things. Everything
here only reads: no row is created or changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from purchases.accounts import ChartOfAccounts
from purchases.editing import PaymentState, get_purchase, owed_by_supplier, payment_state
from purchases.errors import NotFoundError
from store.models import Booking, Document
from store.purchase_models import (
    CompanyBooks,
    JournalEntry,
    Payment,
    PaymentStatus,
    Purchase,
    PurchaseStatus,
    Supplier,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PurchaseFilters:
    """Which purchases to list; None leaves a criterion out. Issue dates are inclusive bounds."""

    status: PurchaseStatus | None = None
    supplier_id: int | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    platform: str | None = None
    """The source platform of the message the purchase came from ("email" for mail), any case."""
    locked: bool | None = None


@dataclass(frozen=True)
class PurchaseRow:
    """A listed purchase, its payment (None until scheduled) and the id of its document of record."""

    purchase: Purchase
    payment: Payment | None
    document_id: int | None


@dataclass(frozen=True)
class PurchasePage:
    """Purchases by id, how many match in all, and the cursor of the next page (None on the last one)."""

    rows: tuple[PurchaseRow, ...]
    total: int
    next_cursor: int | None


def _record_document() -> ColumnElement[int | None]:
    """The id of the document a purchase was booked from (its printed twins and duplicates left out)."""
    return (
        select(func.min(Document.id))
        .where(Document.purchase_id == Purchase.id, Document.booking == Booking.PURCHASE)
        .correlate(Purchase)
        .scalar_subquery()
    )


def _purchase_conditions(company_id: int, filters: PurchaseFilters) -> list[ColumnElement[bool]]:
    conditions = [Purchase.company_id == company_id]
    if filters.status is not None:
        conditions.append(Purchase.status == filters.status)
    if filters.supplier_id is not None:
        conditions.append(Purchase.supplier_id == filters.supplier_id)
    if filters.issued_from is not None:
        conditions.append(Purchase.issue_date >= filters.issued_from)
    if filters.issued_to is not None:
        conditions.append(Purchase.issue_date <= filters.issued_to)
    if filters.platform is not None:
        conditions.append(func.lower(Purchase.source_platform) == filters.platform.strip().lower())
    if filters.locked is not None:
        locked = Purchase.locked_at.is_not(None)
        conditions.append(locked if filters.locked else Purchase.locked_at.is_(None))
    return conditions


def purchase_page(
    session: Session,
    company_id: int,
    filters: PurchaseFilters | None = None,
    *,
    after: int | None = None,
    limit: int | None = None,
) -> PurchasePage:
    """The company's purchases matching filters, oldest first (by id), `limit` of them after id `after`.

    Paging by id is stable: a purchase booked meanwhile comes last, so no page repeats or skips one.
    """
    conditions = _purchase_conditions(company_id, filters or PurchaseFilters())
    total = int(session.scalar(select(func.count(Purchase.id)).where(*conditions)) or 0)
    query = (
        select(Purchase, Payment, _record_document())
        .outerjoin(Payment, Payment.purchase_id == Purchase.id)
        .where(*conditions)
        .order_by(Purchase.id)
    )
    if after is not None:
        query = query.where(Purchase.id > after)
    if limit is not None:
        query = query.limit(limit + 1)
    rows = [
        PurchaseRow(purchase, payment, document) for purchase, payment, document in session.execute(query)
    ]
    more = limit is not None and len(rows) > limit
    shown = rows[:limit] if limit is not None else rows
    return PurchasePage(tuple(shown), total, shown[-1].purchase.id if more and shown else None)


@dataclass(frozen=True)
class PurchaseDetail:
    """One purchase in full: its payment, its journal entry (once ready) and its documents."""

    purchase: Purchase
    payment: Payment | None
    entry: JournalEntry | None
    documents: tuple[Document, ...]
    """The document of record first, then its printed twins and the duplicates that were received."""

    @property
    def document_id(self) -> int | None:
        """The id of the document the purchase was booked from."""
        return next((d.id for d in self.documents if d.booking == Booking.PURCHASE), None)


_BOOKING_ORDER = {Booking.PURCHASE: 0, Booking.TWIN: 1, Booking.DUPLICATE: 2}


def purchase_detail(
    session: Session, company_id: int, purchase_id: int, *, validated_only: bool = False
) -> PurchaseDetail:
    """One of the company's purchases in full; NotFoundError when the company has no such purchase (or,
    validated_only, when its entry is not validated yet)."""
    purchase = get_purchase(session, company_id, purchase_id)
    if validated_only and purchase.locked_at is None:
        raise NotFoundError(f"no validated purchase {purchase_id} in this company")
    payment = session.scalar(select(Payment).where(Payment.purchase_id == purchase.id))
    entry = session.scalar(select(JournalEntry).where(JournalEntry.purchase_id == purchase.id))
    documents = session.scalars(
        select(Document).where(Document.purchase_id == purchase.id, Document.company_id == company_id)
    )
    ordered = sorted(documents, key=lambda d: (_BOOKING_ORDER.get(d.booking, 3) if d.booking else 3, d.id))
    return PurchaseDetail(purchase, payment, entry, tuple(ordered))


@dataclass(frozen=True)
class PaymentFilters:
    """Which payments to list; None leaves a criterion out. Due dates are inclusive bounds."""

    state: PaymentState | None = None
    due_from: date | None = None
    due_to: date | None = None
    supplier_id: int | None = None


@dataclass(frozen=True)
class PaymentRow:
    """A listed payment, its purchase, and its state on the day asked."""

    payment: Payment
    purchase: Purchase
    state: PaymentState


def _state_condition(state: PaymentState, today: date) -> ColumnElement[bool]:
    """The payments that `payment_state` puts in state on the day `today`."""
    pending = Payment.status == PaymentStatus.PENDING
    if state == PaymentState.PAID:
        return Payment.status == PaymentStatus.PAID
    if state == PaymentState.OVERDUE:
        return and_(pending, Payment.due_date < today)
    return and_(pending, or_(Payment.due_date.is_(None), Payment.due_date >= today))


def find_payments(
    session: Session, company_id: int, filters: PaymentFilters | None, today: date
) -> list[PaymentRow]:
    """The company's payments matching filters, by due date (unknown last) then id, with their state today."""
    chosen = filters or PaymentFilters()
    query = (
        select(Payment, Purchase)
        .join(Purchase, Payment.purchase_id == Purchase.id)
        .where(Payment.company_id == company_id)
    )
    if chosen.state is not None:
        query = query.where(_state_condition(chosen.state, today))
    if chosen.due_from is not None:
        query = query.where(Payment.due_date >= chosen.due_from)
    if chosen.due_to is not None:
        query = query.where(Payment.due_date <= chosen.due_to)
    if chosen.supplier_id is not None:
        query = query.where(Payment.supplier_id == chosen.supplier_id)
    ordered = query.order_by(Payment.due_date.is_(None), Payment.due_date, Payment.id)
    return [
        PaymentRow(payment, purchase, payment_state(payment, today))
        for payment, purchase in session.execute(ordered).unique()
    ]


@dataclass(frozen=True)
class PaymentTotal:
    """The sums of listed payments in one currency (None: not read), in all and by state."""

    currency: str | None
    count: int
    amount: Decimal
    pending: Decimal
    overdue: Decimal
    paid: Decimal


def payment_totals(rows: Iterable[PaymentRow]) -> list[PaymentTotal]:
    """The totals of rows per currency (payments of unknown amount counted, not summed), by currency."""
    sums: dict[str | None, dict[str, Decimal]] = {}
    counts: dict[str | None, int] = {}
    for row in rows:
        currency = row.purchase.currency
        counts[currency] = counts.get(currency, 0) + 1
        by_state = sums.setdefault(currency, dict.fromkeys((s.value for s in PaymentState), ZERO))
        by_state[row.state.value] += row.payment.amount or ZERO
    return [
        PaymentTotal(
            currency=currency,
            count=counts[currency],
            amount=sum(by_state.values(), ZERO),
            pending=by_state[PaymentState.PENDING.value],
            overdue=by_state[PaymentState.OVERDUE.value],
            paid=by_state[PaymentState.PAID.value],
        )
        for currency, by_state in sorted(sums.items(), key=lambda item: item[0] or "")
    ]


def company_payment(session: Session, company_id: int, payment_id: int) -> Payment:
    """One of the company's payments; NotFoundError when the company has no such payment."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.company_id != company_id:
        raise NotFoundError(f"no payment {payment_id} in this company")
    return payment


@dataclass(frozen=True)
class SupplierRow:
    """A supplier, the charge account of its purchases (its own, else the default), and what is owed."""

    supplier: Supplier
    charge_account: str
    default_charge: bool
    owed: Decimal


def default_charge_account(session: Session, company_id: int) -> str:
    """The company's default charge account (the standard one until its books are set)."""
    books = session.get(CompanyBooks, company_id)
    return books.default_charge_account if books is not None else ChartOfAccounts().default_charge_account


def supplier_rows(session: Session, company_id: int) -> list[SupplierRow]:
    """The company's suppliers by id, with their charge account and what the company still owes them."""
    default = default_charge_account(session, company_id)
    owed = owed_by_supplier(session, company_id)
    suppliers = session.scalars(
        select(Supplier).where(Supplier.company_id == company_id).order_by(Supplier.id)
    )
    return [
        SupplierRow(item, item.charge_account or default, not item.charge_account, owed.get(item.id, ZERO))
        for item in suppliers
    ]


def company_supplier(session: Session, company_id: int, supplier_id: int) -> Supplier | None:
    """One of the company's suppliers, None when the company has no such supplier."""
    supplier = session.get(Supplier, supplier_id)
    return supplier if supplier is not None and supplier.company_id == company_id else None
