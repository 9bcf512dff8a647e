"""Supervision for the firm: per company, its last import and what waits for someone, in grouped counts.

Whatever the number of companies, a supervision is six queries, each grouped by company: the companies, their
last imports, purchases to review, failed documents, messages that could not be unpacked, payments.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Integer, and_, case, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from purchases.document_status import PublicStatus, status_condition
from purchases.import_log import last_imports
from store.models import Company, Document, MessageStatus, RawMessage
from store.purchase_models import Payment, PaymentStatus, Purchase, PurchaseStatus


@dataclass(frozen=True)
class CompanySupervision:
    """One company at a glance: its last import, and what waits for someone there."""

    slug: str
    name: str
    siret: str
    active: bool
    last_import_at: datetime | None
    """When the company last received a message or push that was accepted (None: never)."""
    last_import_platform: str | None
    """Where that last import came from: "email", or the name of the platform that pushed it."""
    to_review: int
    """Purchases to review."""
    documents_in_error: int
    """Documents that failed (read, OCR or booking) and wait for a retry."""
    messages_in_error: int
    """Messages that could not be unpacked."""
    pending_payments: int
    """Payments not made yet and not overdue (due today or later, or with no known due date)."""
    overdue_payments: int
    """Payments not made whose due date is past."""


def _counts(
    session: Session,
    company: InstrumentedAttribute[int],
    condition: ColumnElement[bool],
    company_ids: Collection[int],
) -> dict[int, int]:
    """How many rows match condition, per company (one grouped query)."""
    query = select(company, func.count()).where(company.in_(company_ids), condition).group_by(company)
    return {int(key): int(count) for key, count in session.execute(query)}


def _payments(session: Session, company_ids: Collection[int], today: date) -> dict[int, tuple[int, int]]:
    """(pending, overdue) payments per company, on the day today (one grouped query)."""
    pending = Payment.status == PaymentStatus.PENDING
    overdue = and_(pending, Payment.due_date < today)
    not_due = and_(pending, or_(Payment.due_date.is_(None), Payment.due_date >= today))
    query = (
        select(
            Payment.company_id,
            func.sum(case((not_due, 1), else_=0), type_=Integer),
            func.sum(case((overdue, 1), else_=0), type_=Integer),
        )
        .where(Payment.company_id.in_(company_ids), pending)
        .group_by(Payment.company_id)
    )
    return {int(key): (int(due or 0), int(late or 0)) for key, due, late in session.execute(query)}


def supervise(session: Session, company_ids: Collection[int] | None, today: date) -> list[CompanySupervision]:
    """Every company of company_ids (None: all), by slug, with its last import and counts on the day today."""
    query = select(Company).order_by(Company.slug)
    if company_ids is not None:
        query = query.where(Company.id.in_(list(company_ids)))
    companies = list(session.scalars(query))
    ids = [company.id for company in companies]
    last: dict[str, tuple[datetime, str]] = {}
    for item in last_imports(session, company_ids=ids):
        if item.company not in last or item.at > last[item.company][0]:
            last[item.company] = (item.at, item.platform)
    to_review = _counts(session, Purchase.company_id, Purchase.status == PurchaseStatus.TO_REVIEW, ids)
    failed = _counts(session, Document.company_id, status_condition(PublicStatus.FAILED), ids)
    unpacked = _counts(session, RawMessage.company_id, RawMessage.status == MessageStatus.FAILED, ids)
    payments = _payments(session, ids, today)
    return [
        CompanySupervision(
            slug=company.slug,
            name=company.name,
            siret=company.siret,
            active=company.active,
            last_import_at=last.get(company.slug, (None, None))[0],
            last_import_platform=last.get(company.slug, (None, None))[1],
            to_review=to_review.get(company.id, 0),
            documents_in_error=failed.get(company.id, 0),
            messages_in_error=unpacked.get(company.id, 0),
            pending_payments=payments.get(company.id, (0, 0))[0],
            overdue_payments=payments.get(company.id, (0, 0))[1],
        )
        for company in companies
    ]
