"""Admin API, companies: those a caller sees, one company, its access switches, and the caller itself."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.api_access import CurrentCaller, ReadSession, State, company_for, writing
from ingest.addresses import collection_addresses
from ingest.http_auth import CompanyRef
from ingest.http_push import ErrorBody
from ingest.tokens import Caller
from purchases.access import (
    CompanySwitches,
    Permission,
    allowed,
    permissions,
    set_switch,
    switches_for,
    switches_of,
)
from store.access_models import AccessProfile
from store.models import Company
from store.purchase_models import TokenRole

_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (401, 403, 404, 422)}
router = APIRouter(prefix="/api/v1", tags=["companies"], responses=_ERRORS)
Viewed = Annotated[CompanyRef, Depends(company_for(Permission.VIEW))]
Managed = Annotated[CompanyRef, Depends(company_for(Permission.MANAGE))]


class CompanyOut(BaseModel):
    """A company: its names, SIRET, state and the addresses its suppliers send invoices to."""

    model_config = ConfigDict(frozen=True)

    slug: str
    name: str
    siret: str
    active: bool
    collection_addresses: list[str]


class CallerCompany(BaseModel):
    """A company the caller reaches, and what it may do there."""

    model_config = ConfigDict(frozen=True)

    slug: str
    name: str
    siret: str
    permissions: list[Permission]


class Me(BaseModel):
    """The caller: its token's name and role, and the companies it reaches."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: TokenRole
    all_companies: bool
    companies: list[CallerCompany]


class ProfileSwitch(BaseModel):
    """Whether one profile sees exports, and VAT and accounting pages."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exports: bool
    accounting: bool


class AccessTable(BaseModel):
    """A company's access switches, one per profile (firm administrators see everything)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    firm_user: ProfileSwitch
    company_admin: ProfileSwitch
    company_user: ProfileSwitch

    @classmethod
    def of(cls, switches: CompanySwitches) -> AccessTable:
        """The table as the API shows it."""
        return cls.model_validate({profile.value: asdict(switches.of(profile)) for profile in AccessProfile})


def _reached(session: Session, caller: Caller) -> list[Company]:
    query = select(Company).order_by(Company.slug)
    if not caller.all_companies:
        query = query.where(Company.id.in_(caller.company_ids))
    return list(session.scalars(query))


def _company_out(company: Company | CompanyRef, domains: tuple[str, ...]) -> CompanyOut:
    return CompanyOut(
        slug=company.slug,
        name=company.name,
        siret=company.siret,
        active=company.active,
        collection_addresses=collection_addresses(company.slug, domains),
    )


@router.get("/me")
def me(caller: CurrentCaller, session: ReadSession) -> Me:
    """The caller's token (name, role) and the companies it reaches, with what it may do in each."""
    companies = _reached(session, caller)
    tables = switches_of(session, (company.id for company in companies))
    return Me(
        name=caller.name,
        role=caller.role,
        all_companies=caller.all_companies,
        companies=[
            CallerCompany(
                slug=company.slug,
                name=company.name,
                siret=company.siret,
                permissions=list(permissions(caller.role, tables[company.id])),
            )
            for company in companies
        ],
    )


@router.get("/companies")
def list_companies(caller: CurrentCaller, session: ReadSession, state: State) -> list[CompanyOut]:
    """The companies the caller may view, by slug (empty for platform and accounting software tokens)."""
    companies = _reached(session, caller)
    tables = switches_of(session, (company.id for company in companies))
    return [
        _company_out(company, state.mail_domains)
        for company in companies
        if allowed(caller.role, Permission.VIEW, tables[company.id])
    ]


@router.get("/companies/{company}")
def show_company(company: Viewed, state: State) -> CompanyOut:
    """One company, named by slug or SIRET."""
    return _company_out(company, state.mail_domains)


@router.get("/companies/{company}/access")
def show_access(company: Managed, session: ReadSession) -> AccessTable:
    """Which profiles see the company's exports and its VAT and accounting pages (firm administrators)."""
    return AccessTable.of(switches_for(session, company.id))


@router.put("/companies/{company}/access")
def set_access(company: Managed, table: AccessTable, state: State) -> AccessTable:
    """Sets the company's whole table of switches (firm administrators); answers the table as stored."""
    with writing(state) as session:
        for profile in AccessProfile:
            switch: ProfileSwitch = getattr(table, profile.value)
            set_switch(session, company.id, profile, exports=switch.exports, accounting=switch.accounting)
        return AccessTable.of(switches_for(session, company.id))
