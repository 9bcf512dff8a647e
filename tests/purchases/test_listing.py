"""The listings of the books on a database: purchases (filters, pages), one purchase, payments, suppliers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from parsers.invoice import DocumentType
from purchases.editing import PaymentState, get_purchase, lock, mark_paid
from purchases.errors import NotFoundError
from purchases.listing import (
    PaymentFilters,
    PurchaseFilters,
    company_payment,
    company_supplier,
    default_charge_account,
    find_payments,
    payment_totals,
    purchase_detail,
    purchase_page,
    supplier_rows,
)
from purchases.suppliers import SupplierSettings, update_supplier
from store.models import Booking, Channel
from store.purchase_models import Payment, PurchaseStatus
from tests.purchases.books_db import TODAY, add_acme, book_fields, invoice

OTHER_SIRET = "35600000000048"
PAPETERIE_SIRET = "55208131700018"


def book(session: Session, company_id: int, **options: object) -> int:
    """Books an invoice (`invoice` changes, plus channel, platform, sha256) and returns its purchase."""
    keys = ("channel", "platform", "sha256")
    booking = {key: options.pop(key) for key in keys if key in options}
    return book_fields(session, company_id, invoice(**options), today=TODAY, **booking).purchase_id  # type: ignore[arg-type]


@pytest.fixture
def books(session: Session, acme: int) -> dict[str, int]:
    """ACME's purchases: ready by mail, to review pushed by Welyb, a locked credit note; one elsewhere."""
    ids = {
        "ready": book(session, acme, due_date=date(2026, 12, 31)),
        "review": book(
            session,
            acme,
            supplier_name="Papeterie Durand",
            supplier_siret=PAPETERIE_SIRET,
            supplier_vat=None,
            invoice_number=None,
            issue_date=date(2026, 11, 5),
            channel=Channel.HTTP,
            platform="Welyb",
        ),
        "credit": book(
            session,
            acme,
            invoice_number="AV-1",
            document_type=DocumentType.CREDIT_NOTE,
            issue_date=date(2026, 9, 1),
            due_date=date(2026, 10, 1),
        ),
    }
    lock(get_purchase(session, acme, ids["credit"]), datetime(2026, 11, 1, tzinfo=UTC))
    other = add_acme(session, "Other SARL", OTHER_SIRET, "other")
    ids["elsewhere"] = book(session, other)
    ids["other"] = other
    session.flush()
    return ids


def listed(session: Session, company_id: int, **filters: object) -> list[int]:
    page = purchase_page(session, company_id, PurchaseFilters(**filters))  # type: ignore[arg-type]
    assert page.total == len(page.rows) and page.next_cursor is None
    return [row.purchase.id for row in page.rows]


def test_every_purchase_filter(session: Session, acme: int, books: dict[str, int]) -> None:
    ready, review, credit = books["ready"], books["review"], books["credit"]
    papeterie = get_purchase(session, acme, review).supplier_id
    assert listed(session, acme) == [ready, review, credit]
    assert listed(session, acme, status=PurchaseStatus.TO_REVIEW) == [review]
    assert listed(session, acme, status=PurchaseStatus.READY) == [ready, credit]
    assert listed(session, acme, supplier_id=papeterie) == [review]
    assert listed(session, acme, issued_from=date(2026, 11, 2)) == [ready, review]
    assert listed(session, acme, issued_to=date(2026, 11, 1)) == [credit]
    assert listed(session, acme, issued_from=date(2026, 9, 1), issued_to=date(2026, 11, 2)) == [ready, credit]
    assert listed(session, acme, platform="welyb") == [review]
    assert listed(session, acme, platform="email") == [ready, credit]
    assert listed(session, acme, platform="nowhere") == []
    assert listed(session, acme, locked=True) == [credit]
    assert listed(session, acme, locked=False) == [ready, review]
    assert listed(session, acme, status=PurchaseStatus.READY, locked=False, platform="email") == [ready]
    assert listed(session, books["other"]) == [books["elsewhere"]]


def test_a_listed_purchase_comes_with_its_payment_and_document(
    session: Session, acme: int, books: dict[str, int]
) -> None:
    row = purchase_page(session, acme).rows[0]
    assert row.payment is not None and row.payment.purchase_id == books["ready"]
    detail = purchase_detail(session, acme, books["ready"])
    assert row.document_id == detail.document_id == detail.documents[0].id


def test_pages_neither_repeat_nor_skip_while_purchases_are_booked(
    session: Session, acme: int, books: dict[str, int]
) -> None:
    first = purchase_page(session, acme, limit=2)
    assert [row.purchase.id for row in first.rows] == [books["ready"], books["review"]]
    assert (first.total, first.next_cursor) == (3, books["review"])
    late = book(session, acme, invoice_number="FA-LATE")
    second = purchase_page(session, acme, after=first.next_cursor, limit=2)
    assert [row.purchase.id for row in second.rows] == [books["credit"], late]
    assert (second.total, second.next_cursor) == (4, None)
    exact = purchase_page(session, acme, limit=4)
    assert len(exact.rows) == 4 and exact.next_cursor is None
    only_ready = purchase_page(session, acme, PurchaseFilters(status=PurchaseStatus.READY), limit=1)
    assert (only_ready.total, only_ready.next_cursor) == (3, books["ready"])


def test_one_purchase_in_full_with_its_duplicate(session: Session, acme: int, books: dict[str, int]) -> None:
    detail = purchase_detail(session, acme, books["ready"])
    record = detail.documents[0]
    duplicate = book_fields(session, acme, invoice(), sha256=record.sha256, today=TODAY)
    assert (duplicate.booking, duplicate.purchase_id) == (Booking.DUPLICATE, books["ready"])
    detail = purchase_detail(session, acme, books["ready"])
    assert [(d.id, d.booking) for d in detail.documents] == [
        (record.id, Booking.PURCHASE),
        (duplicate.document_id, Booking.DUPLICATE),
    ]
    assert detail.document_id == record.id
    assert detail.entry is not None and sum(line.debit for line in detail.entry.lines) == Decimal("1200.00")
    assert detail.payment is not None and detail.payment.due_date == date(2026, 12, 31)
    review = purchase_detail(session, acme, books["review"])
    assert review.entry is None and review.payment is not None


def test_a_purchase_of_another_company_is_not_found(
    session: Session, acme: int, books: dict[str, int]
) -> None:
    with pytest.raises(NotFoundError, match=f"no purchase {books['elsewhere']} in this company"):
        purchase_detail(session, acme, books["elsewhere"])
    elsewhere = purchase_detail(session, books["other"], books["elsewhere"])
    assert elsewhere.payment is not None
    with pytest.raises(NotFoundError, match=f"no payment {elsewhere.payment.id} in this company"):
        company_payment(session, acme, elsewhere.payment.id)
    assert company_payment(session, books["other"], elsewhere.payment.id) is elsewhere.payment
    assert elsewhere.purchase.supplier_id is not None
    assert company_supplier(session, acme, elsewhere.purchase.supplier_id) is None


def payments(session: Session, company_id: int, today: date = TODAY, **filters: object) -> list[int]:
    found = find_payments(session, company_id, PaymentFilters(**filters), today)  # type: ignore[arg-type]
    return [row.payment.purchase_id for row in found]


def test_every_payment_filter_and_the_state_on_the_day(
    session: Session, acme: int, books: dict[str, int]
) -> None:
    ready, review, credit = books["ready"], books["review"], books["credit"]
    assert payments(session, acme) == [credit, review, ready]  # due 2026-10-01, 2026-12-05, 2026-12-31
    assert payments(session, acme, state=PaymentState.OVERDUE) == [credit]
    assert payments(session, acme, state=PaymentState.PENDING) == [review, ready]
    assert payments(session, acme, state=PaymentState.PAID) == []
    assert payments(session, acme, date(2026, 12, 6), state=PaymentState.OVERDUE) == [credit, review]
    assert payments(session, acme, date(2026, 10, 1), state=PaymentState.OVERDUE) == []  # due today: not yet
    assert payments(session, acme, due_from=date(2026, 12, 5)) == [review, ready]
    assert payments(session, acme, due_to=date(2026, 12, 5)) == [credit, review]
    supplier = get_purchase(session, acme, review).supplier_id
    assert payments(session, acme, supplier_id=supplier) == [review]
    mark_paid(session, acme, credit, date(2026, 11, 20), "transfer")
    assert payments(session, acme, state=PaymentState.OVERDUE) == []
    assert payments(session, acme, state=PaymentState.PAID) == [credit]
    assert payments(session, books["other"]) == [books["elsewhere"]]


def test_payment_totals_by_currency_and_state(session: Session, acme: int, books: dict[str, int]) -> None:
    dollars = book(session, acme, invoice_number="US-1", currency="USD", total_incl_tax=Decimal("1200.00"))
    mark_paid(session, acme, books["ready"], date(2026, 11, 20), "card")
    rows = find_payments(session, acme, None, TODAY)
    totals = {total.currency: total for total in payment_totals(rows)}
    euros = totals["EUR"]
    assert (euros.count, euros.paid, euros.overdue, euros.pending) == (
        3,
        Decimal("1200.00"),
        Decimal("-1200.00"),  # the credit note, due 2026-10-01
        Decimal("1200.00"),  # the purchase to review (its total is read)
    )
    assert euros.amount == euros.paid + euros.overdue + euros.pending == Decimal("1200.00")
    assert (totals["USD"].count, totals["USD"].amount) == (1, Decimal("1200.00"))
    assert [row.purchase.id for row in rows if row.purchase.currency == "USD"] == [dollars]
    assert payment_totals([]) == []


def test_suppliers_with_their_charge_account_and_what_is_owed(
    session: Session, acme: int, books: dict[str, int]
) -> None:
    bati, papeterie = supplier_rows(session, acme)
    assert (bati.supplier.name, papeterie.supplier.name) == ("Bâti-Sud SAS", "Papeterie Durand")
    assert default_charge_account(session, acme) == bati.charge_account == "604000"
    assert bati.default_charge and papeterie.default_charge
    assert bati.owed == Decimal("0.00")  # 1200.00 to pay, less the 1200.00 credit note
    assert papeterie.owed == Decimal("1200.00")
    update_supplier(session, acme, papeterie.supplier.id, SupplierSettings(charge_account="606400"))
    mark_paid(session, acme, books["review"], TODAY, "transfer")
    changed = supplier_rows(session, acme)[1]
    assert (changed.charge_account, changed.default_charge, changed.owed) == (
        "606400",
        False,
        Decimal("0.00"),
    )
    assert supplier_rows(session, books["other"])[0].supplier.id not in {
        bati.supplier.id,
        papeterie.supplier.id,
    }


def test_nothing_listed_for_a_company_without_books(session: Session, acme: int) -> None:
    assert purchase_page(session, acme, limit=10) == purchase_page(session, acme)
    assert purchase_page(session, acme).rows == () and purchase_page(session, acme).total == 0
    assert find_payments(session, acme, None, TODAY + timedelta(days=1)) == []
    assert supplier_rows(session, acme) == []
    assert session.get(Payment, 1) is None
