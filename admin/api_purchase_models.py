"""What the purchases and payments endpoints answer and take: pydantic models, and their making from rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from admin.api_entry_models import EntryOut, entry_out
from ingest.errors import ApiError
from parsers.invoice import DocumentType, VatLine, VatMarker
from purchases.editing import PaymentState, PurchaseEdit, payment_state
from purchases.journals import entry_view
from purchases.listing import PurchaseDetail, SupplierRow
from store.models import Booking, Channel
from store.purchase_models import Payment, Purchase, PurchaseStatus

MAX_AMOUNT = Decimal("999999999999.99")
Amount = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, decimal_places=2, description='e.g. "1200.00"')]
Rate = Annotated[Decimal, Field(ge=0, le=100, decimal_places=3, description="VAT rate in percent, e.g. 5.5")]
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]


class Out(BaseModel):
    """Base of the answers: frozen."""

    model_config = ConfigDict(frozen=True)


class SupplierRef(Out):
    """The supplier of a purchase: its id once matched or created (else null) and its name."""

    id: int | None
    name: str | None


class Reason(Out):
    """Why a purchase is to review: a stable code and a sentence."""

    code: str
    message: str


class Source(Out):
    """Where the purchase came from: the channel and the source platform of its message."""

    channel: Channel
    platform: str


class PurchaseItem(Out):
    """A purchase as listed."""

    id: int
    supplier: SupplierRef
    invoice_number: str | None
    document_type: str
    issue_date: date | None
    total_excl_tax: Decimal | None
    total_tax: Decimal | None
    total_incl_tax: Decimal | None
    amount_due: Decimal | None
    currency: str | None
    status: PurchaseStatus
    review_reasons: list[Reason]
    charge_account: str
    payment_state: PaymentState | None
    locked_at: datetime | None
    source: Source
    document_id: int | None


class PurchaseList(Out):
    """A page of purchases, how many match in all, and the cursor of the next page (null on the last)."""

    purchases: list[PurchaseItem]
    total: int
    limit: int
    next_cursor: int | None


class VatLineOut(Out):
    """One line of the VAT breakdown."""

    rate: Decimal
    base: Decimal
    amount: Decimal


class PaymentOut(Out):
    """A payment: amount (negative for a credit note), due date and where it comes from, state, settlement."""

    id: int
    purchase_id: int
    supplier: SupplierRef
    invoice_number: str | None
    currency: str | None
    amount: Decimal | None
    due_date: date | None
    due_date_source: str
    due_date_warnings: list[str]
    state: PaymentState
    paid_on: date | None
    method: str | None


class DocumentLink(Out):
    """A document of the purchase (the one it was booked from, a printed twin, a duplicate) and its bytes."""

    id: int
    filename: str | None
    booking: Booking | None
    download: str


class PurchaseOut(PurchaseItem):
    """A purchase in full."""

    vat_lines: list[VatLineOut]
    markers: list[str]
    warnings: list[str]
    method: str
    confidence: float
    external_reference: str | None
    payment: PaymentOut | None
    entry: EntryOut | None
    documents: list[DocumentLink]


class PaymentTotalOut(Out):
    """The totals of the listed payments in one currency (null: not read); unknown amounts are not summed."""

    currency: str | None
    count: int
    amount: Decimal
    pending: Decimal
    overdue: Decimal
    paid: Decimal


class PaymentList(Out):
    """Payments by due date, their states on the day `on`, and their totals per currency."""

    on: date
    payments: list[PaymentOut]
    totals: list[PaymentTotalOut]


class SupplierOut(Out):
    """A supplier: identifiers, accounts, payment terms, trust, and what the company still owes it."""

    id: int
    name: str
    siret: str | None
    siren: str | None
    vat: str | None
    aux_account: str
    charge_account: str
    default_charge_account: bool
    payment_days: int | None
    payment_end_of_month: bool
    trusted: bool
    trusted_threshold: Decimal | None
    owed: Decimal

    @classmethod
    def of(cls, row: SupplierRow) -> SupplierOut:
        """The supplier of a listing row."""
        item = row.supplier
        return cls(
            id=item.id,
            name=item.name,
            siret=item.siret,
            siren=item.siren,
            vat=item.vat,
            aux_account=item.aux_account,
            charge_account=row.charge_account,
            default_charge_account=row.default_charge,
            payment_days=item.payment_days,
            payment_end_of_month=item.payment_end_of_month,
            trusted=item.trusted,
            trusted_threshold=item.trusted_threshold,
            owed=row.owed,
        )


class VatLineIn(BaseModel):
    """One line of the VAT breakdown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate: Rate
    base: Amount
    amount: Amount


class PurchaseChanges(BaseModel):
    """Changes to a purchase: a field left out (or null) stays as it is; give at least one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    invoice_number: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    issue_date: Day | None = None
    due_date: Day | None = Field(None, description="The due date of its payment.")
    document_type: DocumentType | None = None
    total_excl_tax: Amount | None = None
    total_tax: Amount | None = None
    total_incl_tax: Amount | None = None
    amount_due: Amount | None = None
    vat_lines: Annotated[list[VatLineIn], Field(max_length=20)] | None = None
    markers: Annotated[list[VatMarker], Field(max_length=4)] | None = None
    charge_account: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    supplier_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    currency: Annotated[str, Field(pattern="^[A-Za-z]{3}$")] | None = None

    def to_edit(self) -> PurchaseEdit:
        """The edit to apply; ApiError 422 when there is nothing to change."""
        given = {name: getattr(self, name) for name in type(self).model_fields}
        if all(value is None for value in given.values()):
            reason = "nothing to change: give at least one field of the purchase"
            raise ApiError(422, "invalid_input", reason, details={"field": "body"})
        if self.vat_lines is not None:
            given["vat_lines"] = tuple(VatLine(v.rate, v.base, v.amount) for v in self.vat_lines)
        if self.markers is not None:
            given["markers"] = frozenset(self.markers)
        return PurchaseEdit(**given)

    @classmethod
    def field_named(cls, label: str) -> str:
        """The field of the body a business error's label names ("total excl tax": total_excl_tax)."""
        name = label.replace(" ", "_")
        return name if name in cls.model_fields else label


def _supplier(purchase: Purchase) -> SupplierRef:
    supplier = purchase.supplier
    if supplier is not None:
        return SupplierRef(id=supplier.id, name=supplier.name)
    return SupplierRef(id=None, name=purchase.supplier_name)


def item_fields(
    purchase: Purchase, payment: Payment | None, document_id: int | None, today: date
) -> dict[str, object]:
    """The fields of a purchase as listed."""
    return {
        "id": purchase.id,
        "supplier": _supplier(purchase),
        "invoice_number": purchase.invoice_number,
        "document_type": purchase.document_type,
        "issue_date": purchase.issue_date,
        "total_excl_tax": purchase.total_excl_tax,
        "total_tax": purchase.total_tax,
        "total_incl_tax": purchase.total_incl_tax,
        "amount_due": purchase.amount_due,
        "currency": purchase.currency,
        "status": purchase.status,
        "review_reasons": [Reason(code=r["code"], message=r["message"]) for r in purchase.review_reasons],
        "charge_account": purchase.charge_account,
        "payment_state": None if payment is None else payment_state(payment, today),
        "locked_at": purchase.locked_at,
        "source": Source(channel=purchase.channel, platform=purchase.source_platform),
        "document_id": document_id,
    }


def item_out(
    purchase: Purchase, payment: Payment | None, document_id: int | None, today: date
) -> PurchaseItem:
    """A purchase as listed."""
    return PurchaseItem.model_validate(item_fields(purchase, payment, document_id, today))


def payment_out(payment: Payment, purchase: Purchase, today: date) -> PaymentOut:
    """A payment with its purchase's supplier, number and currency, and its state on the day today."""
    return PaymentOut(
        id=payment.id,
        purchase_id=purchase.id,
        supplier=_supplier(purchase),
        invoice_number=purchase.invoice_number,
        currency=purchase.currency,
        amount=payment.amount,
        due_date=payment.due_date,
        due_date_source=payment.due_date_source,
        due_date_warnings=list(payment.due_date_warnings),
        state=payment_state(payment, today),
        paid_on=payment.paid_on,
        method=payment.method,
    )


def document_url(slug: str, document_id: int) -> str:
    """Where a document's bytes are downloaded (path of the admin API)."""
    return f"/api/v1/companies/{slug}/documents/{document_id}/file"


def detail_out(detail: PurchaseDetail, slug: str, today: date) -> PurchaseOut:
    """A purchase in full, its documents' links naming the company by slug."""
    purchase, payment = detail.purchase, detail.payment
    return PurchaseOut.model_validate(
        {
            **item_fields(purchase, payment, detail.document_id, today),
            "vat_lines": [VatLineOut.model_validate(line) for line in purchase.vat_lines],
            "markers": list(purchase.markers),
            "warnings": list(purchase.warnings),
            "method": purchase.method,
            "confidence": purchase.confidence,
            "external_reference": purchase.external_reference,
            "payment": None if payment is None else payment_out(payment, purchase, today),
            "entry": None if detail.entry is None else entry_out(entry_view(detail.entry)),
            "documents": [
                DocumentLink(
                    id=d.id, filename=d.filename, booking=d.booking, download=document_url(slug, d.id)
                )
                for d in detail.documents
            ],
        }
    )


class PaidIn(BaseModel):
    """A payment made: the day and how (transfer, card, cheque, direct_debit...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    paid_on: Day
    method: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
