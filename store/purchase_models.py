"""SQLAlchemy models of the books: suppliers, purchases, their payments and journal entries, per company."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models import Base, Channel, Money, enum_column, utcnow


class PurchaseStatus(enum.StrEnum):
    """To review (a reason says why) or ready to book."""

    TO_REVIEW = "to_review"
    READY = "ready"


class PaymentStatus(enum.StrEnum):
    """A payment is pending until marked paid; a pending payment past its due date is overdue."""

    PENDING = "pending"
    PAID = "paid"


class Supplier(Base):
    """A supplier of one company, matched by SIRET, SIREN, VAT number or normalized name."""

    __tablename__ = "suppliers"
    __table_args__ = (UniqueConstraint("company_id", "aux_account", name="uq_suppliers_company_aux"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    siret: Mapped[str | None] = mapped_column(String(14))
    siren: Mapped[str | None] = mapped_column(String(9), index=True)
    vat: Mapped[str | None] = mapped_column(String(20))
    iban: Mapped[str | None] = mapped_column(String(34))
    aux_account: Mapped[str] = mapped_column(String(20))
    charge_account: Mapped[str | None] = mapped_column(String(20))
    """The default charge account (6xx, or 2xx for a fixed-asset supplier); None = the company's default."""
    payment_days: Mapped[int | None] = mapped_column(Integer)
    payment_end_of_month: Mapped[bool] = mapped_column(Boolean, default=False)
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    trusted_threshold: Mapped[Decimal | None] = mapped_column(Money())
    """Purchases of a trusted supplier up to this total (TTC) are ready without review; None = no limit."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CompanyBooks(Base):
    """A company's accounting settings: journal, accounts, due-date convention, review threshold."""

    __tablename__ = "company_books"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    journal_code: Mapped[str] = mapped_column(String(8))
    journal_label: Mapped[str] = mapped_column(String(100))
    supplier_account: Mapped[str] = mapped_column(String(20))
    asset_supplier_account: Mapped[str] = mapped_column(String(20))
    default_charge_account: Mapped[str] = mapped_column(String(20))
    vat_deductible: Mapped[str] = mapped_column(String(20))
    vat_deductible_assets: Mapped[str] = mapped_column(String(20))
    vat_intra_eu_deductible: Mapped[str] = mapped_column(String(20))
    vat_intra_eu_due: Mapped[str] = mapped_column(String(20))
    vat_reverse_charge_due: Mapped[str] = mapped_column(String(20))
    self_assessed_rate: Mapped[str] = mapped_column(String(8))
    terms_convention: Mapped[str] = mapped_column(String(40))
    min_confidence: Mapped[float] = mapped_column(Float)
    next_aux_number: Mapped[int] = mapped_column(Integer, default=1)


class Purchase(Base):
    """One supplier invoice (or credit note) of a company, as read and as corrected by an accountant."""

    __tablename__ = "purchases"
    __table_args__ = (UniqueConstraint("company_id", "sha256", name="uq_purchases_company_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    """The file of the document of record (a second copy of the same file is a duplicate)."""
    supplier_name: Mapped[str | None] = mapped_column(String(200))
    invoice_number: Mapped[str | None] = mapped_column(String(100))
    number_key: Mapped[str | None] = mapped_column(String(100), index=True)
    document_type: Mapped[str] = mapped_column(String(24))
    issue_date: Mapped[date | None] = mapped_column(Date, index=True)
    currency: Mapped[str | None] = mapped_column(String(3))
    total_excl_tax: Mapped[Decimal | None] = mapped_column(Money())
    total_tax: Mapped[Decimal | None] = mapped_column(Money())
    total_incl_tax: Mapped[Decimal | None] = mapped_column(Money())
    amount_due: Mapped[Decimal | None] = mapped_column(Money())
    vat_lines: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    markers: Mapped[list[str]] = mapped_column(JSON)
    charge_account: Mapped[str] = mapped_column(String(20))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    source_platform: Mapped[str] = mapped_column(String(100), index=True)
    external_reference: Mapped[str | None] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(24))
    confidence: Mapped[float] = mapped_column(Float)
    warnings: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[PurchaseStatus] = mapped_column(enum_column(PurchaseStatus), index=True)
    review_reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    """`{"code", "message"}` objects saying why the purchase is to review; empty when ready."""
    locked_at: Mapped[datetime | None] = mapped_column()
    """Set when its period is validated: from then on the purchase and its entry never change."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    supplier: Mapped[Supplier | None] = relationship(lazy="joined")


class Payment(Base):
    """What a purchase leaves to pay (negative for a credit note), when, and whether it was paid."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchases.id"), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    amount: Mapped[Decimal | None] = mapped_column(Money())
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    due_date_source: Mapped[str] = mapped_column(String(24))
    due_date_warnings: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[PaymentStatus] = mapped_column(enum_column(PaymentStatus), index=True)
    paid_on: Mapped[date | None] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(String(40))


class JournalEntry(Base):
    """The purchase-journal entry of one ready purchase; regenerated on change until validated."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        UniqueConstraint("company_id", "number", name="uq_journal_entries_company_number"),
        Index("ix_journal_entries_company_validated", "company_id", "validated_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchases.id"), unique=True)
    journal_code: Mapped[str] = mapped_column(String(8))
    journal_label: Mapped[str] = mapped_column(String(100))
    entry_date: Mapped[date] = mapped_column(Date, index=True)
    piece_ref: Mapped[str] = mapped_column(String(100))
    piece_date: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(20))
    """EcritureNum, given when the entry is validated."""
    validated_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[EntryLine]] = relationship(
        order_by="EntryLine.position", cascade="all, delete-orphan", lazy="selectin"
    )


class EntryLine(Base):
    """One debit or credit line of a journal entry."""

    __tablename__ = "entry_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    account: Mapped[str] = mapped_column(String(20))
    account_label: Mapped[str] = mapped_column(String(100))
    aux_account: Mapped[str | None] = mapped_column(String(20))
    aux_label: Mapped[str | None] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(Text)
    debit: Mapped[Decimal] = mapped_column(Money())
    credit: Mapped[Decimal] = mapped_column(Money())


class TokenRole(enum.StrEnum):
    """What an API token may do."""

    FIRM_ADMIN = "firm_admin"
    FIRM_USER = "firm_user"
    COMPANY_ADMIN = "company_admin"
    COMPANY_USER = "company_user"
    PLATFORM = "platform"
    """A document platform (GED) pushing documents over HTTP; its name is the source platform."""
    ACCOUNTING_SOFTWARE = "accounting_software"


class ApiToken(Base):
    """An API token, stored as the SHA-256 of its secret, with a role and the companies it may reach."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[TokenRole] = mapped_column(enum_column(TokenRole))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ApiTokenCompany(Base):
    """A company an API token may reach (firm administrators reach every company without rows here)."""

    __tablename__ = "api_token_companies"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
