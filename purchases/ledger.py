"""What a purchase implies in the books: its review status, its pending payment and its journal entry."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.invoice import KEY_FIELDS, DocumentType, InvoiceFields, Method, VatLine, VatMarker, money
from purchases.books import Books
from purchases.due_dates import DueDate, due_date
from purchases.entries import PurchaseToBook, build_entry
from purchases.review import Reason, ReasonCode, review_reasons, settle_amounts
from purchases.suppliers import terms_of, trust_of
from store.purchase_models import (
    EntryLine,
    JournalEntry,
    Payment,
    PaymentStatus,
    Purchase,
    PurchaseStatus,
    Supplier,
)

_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def number_key(number: str | None) -> str | None:
    """An invoice number for duplicate checks: lower-case letters and digits ("FA 2026/01" → "fa202601")."""
    if not number:
        return None
    return _NOT_ALNUM.sub("", number.lower())[:100] or None


def fill_from_fields(purchase: Purchase, fields: InvoiceFields) -> None:
    """Copies what was read onto the purchase (totals derived where the invoice leaves one out)."""
    amounts = settle_amounts(fields)
    purchase.supplier_name = fields.supplier_name[:200] if fields.supplier_name else None
    purchase.invoice_number = fields.invoice_number[:100] if fields.invoice_number else None
    purchase.number_key = number_key(fields.invoice_number)
    purchase.document_type = fields.document_type.value
    purchase.issue_date = fields.issue_date
    purchase.currency = fields.currency[:3] if fields.currency else None
    purchase.total_excl_tax = amounts.total_excl_tax if amounts else fields.total_excl_tax
    purchase.total_tax = amounts.total_tax if amounts else fields.total_tax
    purchase.total_incl_tax = amounts.total_incl_tax if amounts else fields.total_incl_tax
    purchase.amount_due = fields.amount_due
    purchase.vat_lines = vat_line_rows(fields.vat_breakdown)
    purchase.markers = sorted(marker.value for marker in fields.markers)
    purchase.method = fields.method.value
    purchase.confidence = fields.overall_confidence
    purchase.warnings = list(fields.warnings)


def fields_of(purchase: Purchase) -> InvoiceFields:
    """The purchase as it stands (after any edit), in the shape the review checks read."""
    supplier = purchase.supplier
    return InvoiceFields(
        method=Method(purchase.method),
        supplier_name=purchase.supplier_name or (supplier.name if supplier else None),
        supplier_siret=supplier.siret if supplier else None,
        supplier_siren=supplier.siren if supplier else None,
        supplier_vat=supplier.vat if supplier else None,
        invoice_number=purchase.invoice_number,
        issue_date=purchase.issue_date,
        currency=purchase.currency,
        total_excl_tax=purchase.total_excl_tax,
        total_tax=purchase.total_tax,
        total_incl_tax=purchase.total_incl_tax,
        amount_due=purchase.amount_due,
        vat_breakdown=vat_lines_of(purchase),
        document_type=DocumentType(purchase.document_type),
        markers=frozenset(VatMarker(m) for m in purchase.markers),
        confidence=dict.fromkeys(KEY_FIELDS, purchase.confidence),
        warnings=tuple(purchase.warnings),
    )


def vat_line_rows(lines: tuple[VatLine, ...]) -> list[dict[str, str]]:
    """VAT lines as stored on a purchase (JSON): rate as read, base and amount with two decimals."""
    return [
        {"rate": str(line.rate), "base": str(money(line.base)), "amount": str(money(line.amount))}
        for line in lines
    ]


def vat_lines_of(purchase: Purchase) -> tuple[VatLine, ...]:
    """The purchase's VAT breakdown as typed lines."""
    return tuple(
        VatLine(Decimal(line["rate"]), Decimal(line["base"]), Decimal(line["amount"]))
        for line in purchase.vat_lines
    )


def review(session: Session, purchase: Purchase, books: Books, today: date) -> None:
    """Sets the purchase's status: ready, or to review with every reason why; derivable totals are filled."""
    fields = fields_of(purchase)
    amounts = settle_amounts(fields)
    if amounts is not None:
        purchase.total_excl_tax = amounts.total_excl_tax
        purchase.total_tax = amounts.total_tax
        purchase.total_incl_tax = amounts.total_incl_tax
    reasons = review_reasons(
        fields,
        today=today,
        trust=trust_of(purchase.supplier),
        policy=books.review,
        extra=number_clash(session, purchase),
    )
    purchase.review_reasons = [{"code": r.code, "message": r.message} for r in reasons]
    purchase.status = PurchaseStatus.TO_REVIEW if reasons else PurchaseStatus.READY


def same_number(session: Session, purchase: Purchase) -> list[Purchase]:
    """Other purchases of the company from the same supplier, of the same type, with the same number."""
    if purchase.supplier_id is None or purchase.number_key is None:
        return []
    query = select(Purchase).where(
        Purchase.company_id == purchase.company_id,
        Purchase.supplier_id == purchase.supplier_id,
        Purchase.number_key == purchase.number_key,
        Purchase.document_type == purchase.document_type,
    )
    if purchase.id is not None:
        query = query.where(Purchase.id != purchase.id)
    return list(session.scalars(query.order_by(Purchase.id)))


def number_clash(session: Session, purchase: Purchase) -> tuple[Reason, ...]:
    """A reason to review when another purchase has this supplier and number but a different total."""
    for other in same_number(session, purchase):
        if other.total_incl_tax != purchase.total_incl_tax:
            message = (
                f"purchase {other.id} from this supplier has the same number {purchase.invoice_number} "
                f"with a different total ({money(other.total_incl_tax)} vs {money(purchase.total_incl_tax)})"
            )
            return (Reason(ReasonCode.DUPLICATE_NUMBER.value, message),)
    return ()


def schedule_payment(session: Session, purchase: Purchase, due: DueDate) -> Payment:
    """Creates or updates the purchase's pending payment: what is left to pay (negative for a credit note)."""
    payment = session.scalar(select(Payment).where(Payment.purchase_id == purchase.id))
    if payment is None:
        payment = Payment(
            purchase_id=purchase.id, company_id=purchase.company_id, status=PaymentStatus.PENDING
        )
        session.add(payment)
    amount = purchase.amount_due if purchase.amount_due is not None else purchase.total_incl_tax
    if amount is not None and purchase.document_type == DocumentType.CREDIT_NOTE.value:
        amount = -abs(amount)
    payment.supplier_id = purchase.supplier_id
    payment.amount = amount
    payment.due_date, payment.due_date_source = due.date, due.source.value
    payment.due_date_warnings = list(due.warnings)
    return payment


def derive_due_date(
    purchase: Purchase, books: Books, *, printed: date | None, pushed: date | None
) -> DueDate:
    """The due date of a purchase from what was printed or pushed, else its supplier's terms, else the law."""
    return due_date(
        issue_date=purchase.issue_date,
        printed=printed,
        pushed=pushed,
        terms=terms_of(purchase.supplier),
        convention=books.convention,
    )


def write_entry(session: Session, purchase: Purchase, books: Books) -> JournalEntry | None:
    """Replaces the purchase's unvalidated entry by the current one (none unless the purchase is ready)."""
    existing = session.scalar(select(JournalEntry).where(JournalEntry.purchase_id == purchase.id))
    if existing is not None:
        if existing.validated_at is not None:
            return existing
        session.delete(existing)
        session.flush()
    if purchase.status != PurchaseStatus.READY or purchase.supplier is None:
        return None
    draft = build_entry(_to_book(purchase, purchase.supplier), books.chart)
    entry = JournalEntry(
        company_id=purchase.company_id,
        purchase_id=purchase.id,
        journal_code=draft.journal_code,
        journal_label=draft.journal_label,
        entry_date=draft.entry_date,
        piece_ref=draft.piece_ref,
        piece_date=draft.piece_date,
        label=draft.label[:200],
        lines=[
            EntryLine(
                position=position,
                account=line.account,
                account_label=line.account_label[:100],
                aux_account=line.aux_account,
                aux_label=line.aux_label,
                label=line.label,
                debit=line.debit,
                credit=line.credit,
            )
            for position, line in enumerate(draft.lines, start=1)
        ],
    )
    session.add(entry)
    return entry


def _to_book(purchase: Purchase, supplier: Supplier) -> PurchaseToBook:
    assert purchase.issue_date is not None and purchase.invoice_number is not None
    assert purchase.total_excl_tax is not None and purchase.total_tax is not None
    assert purchase.total_incl_tax is not None
    return PurchaseToBook(
        document_type=DocumentType(purchase.document_type),
        markers=frozenset(VatMarker(m) for m in purchase.markers),
        invoice_number=purchase.invoice_number,
        issue_date=purchase.issue_date,
        supplier_name=supplier.name,
        supplier_aux=supplier.aux_account,
        charge_account=purchase.charge_account,
        total_excl_tax=purchase.total_excl_tax,
        total_tax=purchase.total_tax,
        total_incl_tax=purchase.total_incl_tax,
        vat_lines=vat_lines_of(purchase),
    )
