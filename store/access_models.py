"""SQLAlchemy model of the access switches: per company, which profiles see exports and accounting pages."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, ForeignKey, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, enum_column


class AccessProfile(enum.StrEnum):
    """A profile whose access to exports and accounting pages the firm administrator switches per company."""

    FIRM_USER = "firm_user"
    COMPANY_ADMIN = "company_admin"
    COMPANY_USER = "company_user"


class CompanyAccess(Base):
    """The switches of one profile in one company; without a row, the profile's defaults apply."""

    __tablename__ = "company_access"
    __table_args__ = (PrimaryKeyConstraint("company_id", "profile", name="pk_company_access"),)

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", name="fk_company_access_company_id_companies")
    )
    profile: Mapped[AccessProfile] = mapped_column(enum_column(AccessProfile))
    exports: Mapped[bool] = mapped_column(Boolean)
    """May see the journals, preview, validate and download exports (FEC, CSV)."""
    accounting: Mapped[bool] = mapped_column(Boolean)
    """May see the VAT and accounting pages (entries, VAT figures)."""
