"""Admin API, purchases and payments: list, view and edit purchases, settle and list payments, suppliers.

Purchases are listed oldest first by id, `limit` at a time: pass the `next_cursor` of a page as `cursor` to
get the next one (null on the last page). Paging by id is stable: a purchase booked meanwhile comes last, so
no page repeats or skips one. Amounts are decimal strings with two places (`"1200.00"`); in a request body
they may be strings or JSON numbers, both read exactly. Payment states are those of the day of the request.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from admin.api_access import Consulted, ReadSession, State, company_for, writing
from admin.api_json import ExactJsonRoute
from admin.api_purchase_models import (
    PaidIn,
    PaymentList,
    PaymentOut,
    PaymentTotalOut,
    PurchaseChanges,
    PurchaseList,
    PurchaseOut,
    SupplierOut,
    detail_out,
    item_out,
    payment_out,
)
from ingest.http_auth import CompanyRef
from ingest.http_push import ErrorBody
from purchases.access import Permission
from purchases.editing import PaymentState, edit_purchase, get_purchase, mark_paid
from purchases.errors import InvalidInputError
from purchases.listing import (
    PaymentFilters,
    PurchaseFilters,
    company_payment,
    company_supplier,
    find_payments,
    payment_totals,
    purchase_detail,
    purchase_page,
    supplier_rows,
)
from store.purchase_models import PaymentStatus, PurchaseStatus

_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (401, 403, 404, 422)}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The purchase is locked, or the payment was paid otherwise."}
}
router = APIRouter(prefix="/api/v1", tags=["purchases"], responses=_ERRORS, route_class=ExactJsonRoute)
Viewed = Annotated[CompanyRef, Depends(company_for(Permission.VIEW))]
Edited = Annotated[CompanyRef, Depends(company_for(Permission.EDIT))]
MAX_ID = 2**63 - 1
PurchaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="The purchase's id.")]
PaymentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The payment's id.")]
SupplierId = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="Only those of this supplier (its id).")
]


def _period(start: date | None, end: date | None, names: tuple[str, str]) -> None:
    if start is not None and end is not None and start > end:
        raise InvalidInputError(names[0], start.isoformat(), f"comes after {names[1]} {end.isoformat()}")


@router.get("/companies/{company}/purchases")
def list_purchases(
    *,
    company: Viewed,
    session: ReadSession,
    status: Annotated[PurchaseStatus | None, Query(description="Only purchases in this status.")] = None,
    supplier: SupplierId = None,
    issued_from: Annotated[date | None, Query(description="Issued on or after this day.")] = None,
    issued_to: Annotated[date | None, Query(description="Issued on or before this day.")] = None,
    platform: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="Received from this source platform (any case)."),
    ] = None,
    locked: Annotated[
        bool | None, Query(description="Only locked (validated) ones, or only unlocked.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Purchases per page.")] = 50,
    cursor: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="The `next_cursor` of the previous page.")
    ] = None,
) -> PurchaseList:
    """The company's purchases, oldest first, a page at a time (see `next_cursor`), with how many match."""
    _period(issued_from, issued_to, ("issued_from", "issued_to"))
    filters = PurchaseFilters(status, supplier, issued_from, issued_to, platform, locked)
    page = purchase_page(session, company.id, filters, after=cursor, limit=limit)
    today = date.today()
    return PurchaseList(
        purchases=[item_out(row.purchase, row.payment, row.document_id, today) for row in page.rows],
        total=page.total,
        limit=limit,
        next_cursor=page.next_cursor,
    )


@router.get("/companies/{company}/purchases/{purchase}")
def show_purchase(reached: Consulted, purchase: PurchaseId, session: ReadSession) -> PurchaseOut:
    """One purchase in full: VAT lines, its payment, its journal entry and links to its documents.
    Accounting software reaches only validated purchases (those its pull links to)."""
    validated_only = reached.permission is not Permission.VIEW
    detail = purchase_detail(session, reached.company.id, purchase, validated_only=validated_only)
    return detail_out(detail, reached.company.slug, date.today())


@router.patch("/companies/{company}/purchases/{purchase}", responses=_CONFLICT)
def edit_one_purchase(
    company: Edited, purchase: PurchaseId, changes: PurchaseChanges, state: State
) -> PurchaseOut:
    """Changes a purchase's fields, charge account, supplier or due date; the purchase is checked again and
    its payment and journal entry are rewritten. A locked purchase (validated period) answers 409."""
    wanted = changes.to_edit()
    today = date.today()
    with writing(state) as session:
        get_purchase(session, company.id, purchase)
        if (
            changes.supplier_id is not None
            and company_supplier(session, company.id, changes.supplier_id) is None
        ):
            raise InvalidInputError(
                "supplier_id", str(changes.supplier_id), "no such supplier in this company"
            )
        try:
            edit_purchase(session, company.id, purchase, wanted, today)
        except InvalidInputError as exc:
            raise InvalidInputError(changes.field_named(exc.field), exc.value, exc.why) from None
        return detail_out(purchase_detail(session, company.id, purchase), company.slug, today)


@router.get("/companies/{company}/payments")
def list_payments(
    *,
    company: Viewed,
    session: ReadSession,
    state: Annotated[PaymentState | None, Query(description="Only payments in this state today.")] = None,
    due_from: Annotated[date | None, Query(description="Due on or after this day.")] = None,
    due_to: Annotated[date | None, Query(description="Due on or before this day.")] = None,
    supplier: SupplierId = None,
) -> PaymentList:
    """Every payment of the company matching the filters, by due date (unknown last), with its state today
    and the totals of what is listed per currency."""
    _period(due_from, due_to, ("due_from", "due_to"))
    today = date.today()
    rows = find_payments(session, company.id, PaymentFilters(state, due_from, due_to, supplier), today)
    return PaymentList(
        on=today,
        payments=[payment_out(row.payment, row.purchase, today) for row in rows],
        totals=[
            PaymentTotalOut.model_validate(total, from_attributes=True) for total in payment_totals(rows)
        ],
    )


@router.post("/companies/{company}/payments/{payment}/paid", responses=_CONFLICT)
def mark_payment_paid(company: Edited, payment: PaymentId, paid: PaidIn, state: State) -> PaymentOut:
    """Records that a payment was made. Sending the same date and method again changes nothing and answers
    the payment; a payment already marked paid otherwise answers 409 with the date it was paid."""
    with writing(state) as session:
        found = company_payment(session, company.id, payment)
        again = found.status == PaymentStatus.PAID and (found.paid_on, found.method) == (
            paid.paid_on,
            paid.method,
        )
        if not again:
            mark_paid(session, company.id, found.purchase_id, paid.paid_on, paid.method)
        return payment_out(found, get_purchase(session, company.id, found.purchase_id), date.today())


@router.get("/companies/{company}/suppliers")
def list_suppliers(company: Viewed, session: ReadSession) -> list[SupplierOut]:
    """The company's suppliers by id: identifiers, accounts, terms, trust, and what is still owed to each."""
    return [SupplierOut.of(row) for row in supplier_rows(session, company.id)]
