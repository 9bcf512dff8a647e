"""Admin API, supervision: per company the last import and what waits for someone, for the firm."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from admin.api_access import CurrentCaller, ReadSession, company_for
from ingest.http_auth import CompanyRef
from purchases.access import Permission, allowed, switches_of
from purchases.supervision import CompanySupervision, supervise
from store.models import Company

router = APIRouter(tags=["supervision"])
Viewed = Annotated[CompanyRef, Depends(company_for(Permission.VIEW))]


@router.get("/supervision")
def supervision(caller: CurrentCaller, session: ReadSession) -> list[CompanySupervision]:
    """Every company the caller may view, by slug: its last accepted import (when, from which platform),
    purchases to review, documents and messages in error, pending and overdue payments (on the day of the
    request). Empty for platform and accounting-software tokens."""
    query = select(Company.id)
    if not caller.all_companies:
        query = query.where(Company.id.in_(caller.company_ids))
    ids = list(session.scalars(query))
    tables = switches_of(session, ids)
    viewed = [company_id for company_id in ids if allowed(caller.role, Permission.VIEW, tables[company_id])]
    return supervise(session, viewed, date.today())


@router.get("/companies/{company}/supervision")
def company_supervision(company: Viewed, session: ReadSession) -> CompanySupervision:
    """One company's supervision line (see `GET /supervision`)."""
    [line] = supervise(session, [company.id], date.today())
    return line
