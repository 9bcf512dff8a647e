"""Test data of the dashboards: purchases and arrivals booked into a company, and the figures expected.

The expected figures are computed here from the lists of what was made, with plain Python over those lists,
never with the queries under test.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.invoice import DocumentType, VatLine
from purchases.booking import book_message
from purchases.editing import get_purchase, mark_paid
from store.models import Channel, Document, DocumentStatus, ImportEvent, ImportEventKind, MessageStatus
from store.models import RawMessage as Message
from tests.purchases.books_db import TODAY, book_fields, invoice, store_read, unique_sha256

PARIS = ZoneInfo("Europe/Paris")
ZERO = Decimal("0.00")
_numbers = itertools.count(1)


def month_of(day: date, months: int = 0) -> date:
    """The first day of the month of day, moved by months."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def noon(day: date) -> datetime:
    """Noon in Paris on day, in UTC."""
    return datetime.combine(day, time(12), PARIS).astimezone(UTC)


def french_month(at: datetime) -> str:
    """YYYY-MM of an instant in Paris."""
    return at.astimezone(PARIS).strftime("%Y-%m")


@dataclass(frozen=True)
class Made:
    """A purchase to book: supplier, issue date, amounts (positive), account, due date, and the rest."""

    supplier: str
    issued: date | None
    excl: Decimal
    vat: Decimal
    account: str = "604000"
    credit_note: bool = False
    due: date | None = None
    currency: str = "EUR"
    paid: bool = False
    platform: str = "email"

    @property
    def incl(self) -> Decimal:
        """Its total including tax."""
        return self.excl + self.vat

    @property
    def sign(self) -> int:
        """-1 for a credit note."""
        return -1 if self.credit_note else 1

    @property
    def euro(self) -> bool:
        """Whether it is in euros (summed) or not (only counted)."""
        return self.currency == "EUR"

    @property
    def received(self) -> datetime:
        """When its message arrived: noon on its issue date (the first of this month when it has none)."""
        return noon(self.issued or month_of(TODAY))


def scenario(month: date, today: date) -> tuple[Made, ...]:
    """Purchases around the month (its first day): three suppliers and accounts, a credit note, a foreign
    invoice, one without a date, last year's same month, other months of the series; payments due in several
    weeks from today, an overdue one, a late one, a paid one."""
    this, last = month, month_of(month, -12)

    def d(days: int) -> date:
        return today + timedelta(days=days)

    half, far, next_month = month_of(month, -6), month_of(month, -18), month_of(month, 1)
    bati, papeterie, roux = "Bâti-Sud SAS", "Papeterie Martin", "Transports Roux"
    return (
        made(bati, on(this, 1), "1000.00", "200.00", due=d(3)),
        made(bati, on(this, 4), "250.40", "50.08", "615200", due=d(10)),
        made(papeterie, on(this, 2), "300.00", "60.00", "606400", due=d(0)),
        made(papeterie, on(this, 6), "45.50", "9.10", "606400", due=d(-9)),
        made(roux, on(this, 9), "500.00", "100.00", "624100", due=d(17)),
        made(roux, on(this, 11), "80.00", "16.00", "624100", paid=True),
        made(bati, on(this, 13), "100.00", "20.00", credit_note=True, due=d(24)),
        made("Global Parts Inc", on(this, 3), "700.00", "0.00", currency="USD", due=d(31)),
        made(bati, None, "60.00", "12.00", platform="Welyb"),
        made(bati, on(last, 7), "800.00", "160.00", paid=True),
        made(roux, on(last, 20), "400.00", "80.00", "624100", paid=True),
        made("Imprimerie Nord", on(last, 5), "90.00", "18.00", "606400", paid=True),
        made(papeterie, on(half, 4), "120.00", "24.00", "606400", due=d(70), platform="Welyb"),
        made(papeterie, on(far, 4), "75.00", "15.00", "606400", paid=True),
        made(bati, on(next_month, 1), "999.00", "199.80", due=d(45)),
    )


def on(month: date, days: int) -> date:
    """So many days after the first of the month."""
    return month + timedelta(days=days)


def made(
    supplier: str, issued: date | None, excl: str, vat: str, account: str = "604000", **rest: Any
) -> Made:
    """A purchase (amounts as text)."""
    return Made(supplier, issued, Decimal(excl), Decimal(vat), account, **rest)


@dataclass(frozen=True)
class Booked:
    """A purchase made, its id and the SHA-256 of its document."""

    made: Made
    purchase_id: int
    sha256: str


def book_all(session: Session, company_id: int, made: Iterable[Made], today: date = TODAY) -> list[Booked]:
    """Books each purchase (its message received at `Made.received`), sets its account, pays the paid."""
    booked = []
    for item in made:
        fields = invoice(
            supplier_name=item.supplier,
            supplier_siret=None,
            supplier_vat=None,
            invoice_number=f"DB-{next(_numbers):04d}",
            issue_date=item.issued,
            currency=item.currency,
            total_excl_tax=item.excl,
            total_tax=item.vat,
            total_incl_tax=item.incl,
            vat_breakdown=(VatLine(Decimal("20") if item.vat else Decimal("0"), item.excl, item.vat),),
            document_type=DocumentType.CREDIT_NOTE if item.credit_note else DocumentType.INVOICE,
        )
        sha256 = unique_sha256()
        result = book_fields(
            session,
            company_id,
            fields,
            sha256=sha256,
            platform=item.platform,
            due_date_hint=item.due,
            today=today,
        )
        purchase = get_purchase(session, company_id, result.purchase_id)
        purchase.charge_account = item.account
        document = session.get_one(Document, result.document_id)
        session.get_one(Message, document.raw_message_id).received_at = item.received
        if item.paid:
            mark_paid(session, company_id, purchase.id, today, "virement")
        booked.append(Booked(item, purchase.id, sha256))
    session.flush()
    return booked


@dataclass(frozen=True)
class Arrival:
    """Something that arrived from a platform and what became of it (see `arrive`)."""

    platform: str
    at: datetime
    outcome: str
    """duplicate, failed, failed_message, in_progress, repeated or refused."""


def arrivals(month: date, platform: str = "Welyb") -> tuple[Arrival, ...]:
    """Arrivals of every outcome in the month, on email and a platform, plus two just outside the month."""

    def day(days: int) -> datetime:
        return noon(month + timedelta(days=days))

    return (
        Arrival("email", day(1), "duplicate"),
        Arrival("email", day(2), "failed"),
        Arrival("email", day(3), "failed_message"),
        Arrival("email", day(4), "repeated"),
        Arrival("email", day(5), "refused"),
        Arrival(platform, day(1), "failed"),
        Arrival(platform, day(2), "failed"),
        Arrival(platform, day(3), "in_progress"),
        Arrival(platform, day(4), "duplicate"),
        Arrival(platform, day(6), "repeated"),
        # 23:30 UTC on the eve of the 1st is 00:30 (or 01:30) in Paris on the 1st: in the month
        Arrival(platform, datetime.combine(month - timedelta(days=1), time(23, 30), UTC), "failed"),
        # 23:30 UTC on the last day is already the next month in Paris: not in the month
        Arrival(
            platform, datetime.combine(month_of(month, 1) - timedelta(days=1), time(23, 30), UTC), "failed"
        ),
    )


def arrive(session: Session, company_id: int, arrivals: Iterable[Arrival], copy_of: str) -> None:
    """Stores each arrival as the pipeline leaves it; a duplicate is a second copy of the file copy_of."""
    for arrival in arrivals:
        if arrival.outcome in ("repeated", "refused"):
            _event(session, company_id, arrival)
            continue
        sha256 = copy_of if arrival.outcome == "duplicate" else None
        fields = invoice(invoice_number=f"ARR-{arrival.at:%Y%m%d%H%M}-{arrival.outcome}")
        message = store_read(session, company_id, fields, sha256=sha256, platform=arrival.platform)
        message.received_at = arrival.at
        document = session.scalars(select(Document).where(Document.raw_message_id == message.id)).one()
        if arrival.outcome == "duplicate":
            book_message(session, message, TODAY)
            assert document.booking is not None and document.booking.value == "duplicate"
        elif arrival.outcome == "failed":
            document.status, document.failed_stage, document.failure_reason = (
                DocumentStatus.FAILED,
                "read",
                "no text layer and OCR found nothing",
            )
        elif arrival.outcome == "failed_message":
            session.delete(document)
            message.status, message.failure_reason = MessageStatus.FAILED, "unpack: broken MIME structure"
    session.flush()


def _event(session: Session, company_id: int, arrival: Arrival) -> None:
    kind = ImportEventKind.DUPLICATE if arrival.outcome == "repeated" else ImportEventKind.REFUSED
    session.add(
        ImportEvent(
            at=arrival.at,
            company_id=company_id,
            kind=kind,
            channel=Channel.SMTP,
            source_platform=arrival.platform,
            sender="compta@fournisseur.fr",
            recipients=["acme@achats.factures-meg.fr"],
            reason="same message already received" if kind == ImportEventKind.DUPLICATE else "a ZIP archive",
        )
    )


# The figures expected, computed from the lists above.


@dataclass
class Expected:
    """Totals of purchases as a test computes them: counts, and amounts signed, in euros only."""

    purchases: int = 0
    credit_notes: int = 0
    foreign_currency: int = 0
    excl_tax: Decimal = ZERO
    vat: Decimal = ZERO
    incl_tax: Decimal = ZERO

    def add(self, item: Made) -> None:
        """Counts one purchase in."""
        self.purchases += 1
        self.credit_notes += item.credit_note
        self.foreign_currency += not item.euro
        if item.euro:
            self.excl_tax += item.sign * item.excl
            self.vat += item.sign * item.vat
            self.incl_tax += item.sign * item.incl


def in_month(made: Iterable[Made], month: date) -> list[Made]:
    """The purchases issued in the month of `month`."""
    return [m for m in made if m.issued is not None and month_of(m.issued) == month_of(month)]


def expected_totals(made: Iterable[Made], month: date) -> Expected:
    """The totals of the month."""
    totals = Expected()
    for item in in_month(made, month):
        totals.add(item)
    return totals


def expected_by(made: Sequence[Made], month: date, key: str) -> dict[str, Expected]:
    """The totals of the month by supplier name or by account (`key`: "supplier" or "account")."""
    found: dict[str, Expected] = defaultdict(Expected)
    for item in in_month(made, month):
        found[getattr(item, key)].add(item)
    return dict(found)


@dataclass
class Due:
    """Pending payments expected in a bucket."""

    payments: int = 0
    amount: Decimal = ZERO


def cash_bucket(item: Made, today: date) -> str | None:
    """overdue, week0..week7, later, undated, or None when paid."""
    if item.paid:
        return None
    if item.due is None:
        return "undated"
    if item.due < today:
        return "overdue"
    week = (item.due - (today - timedelta(days=today.weekday()))).days // 7
    return f"week{week}" if week < 8 else "later"


def expected_cash(made: Iterable[Made], today: date) -> dict[str, Due]:
    """Pending payments by bucket (credit notes negative, foreign currencies counted but not summed)."""
    found: dict[str, Due] = defaultdict(Due)
    for item in made:
        bucket = cash_bucket(item, today)
        if bucket is not None:
            found[bucket].payments += 1
            found[bucket].amount += item.sign * item.incl if item.euro else ZERO
    return dict(found)


ACTIVITY = (
    "messages",
    "repeated_messages",
    "refused_messages",
    "failed_messages",
    "documents",
    "purchases",
    "duplicates",
    "twins",
    "failed",
    "in_progress",
)
_COUNTS = {
    "duplicate": ("messages", "documents", "duplicates"),
    "failed": ("messages", "documents", "failed"),
    "failed_message": ("messages", "failed_messages"),
    "in_progress": ("messages", "documents", "in_progress"),
    "repeated": ("repeated_messages",),
    "refused": ("refused_messages",),
    "purchase": ("messages", "documents", "purchases"),
}


@dataclass
class ExpectedActivity:
    """Import activity of one platform as a test counts it."""

    counts: Counter[str] = field(default_factory=Counter)

    @property
    def error_rate(self) -> float | None:
        """Failed over received, messages that failed to unpack counting as one item each."""
        items = self.counts["documents"] + self.counts["failed_messages"]
        failed = self.counts["failed"] + self.counts["failed_messages"]
        return None if items == 0 else round(failed / items, 4)


def expected_activity(
    made: Iterable[Made], arrived: Iterable[Arrival], month: date
) -> dict[str, ExpectedActivity]:
    """What each platform brought in the month (French time): the purchases' messages and the arrivals."""
    found: dict[str, ExpectedActivity] = defaultdict(ExpectedActivity)
    wanted = month.strftime("%Y-%m")
    items = [(m.platform, m.received, "purchase") for m in made]
    items += [(a.platform, a.at, a.outcome) for a in arrived]
    for platform, at, outcome in items:
        if french_month(at) == wanted:
            found[platform].counts.update(_COUNTS[outcome])
    return dict(found)
