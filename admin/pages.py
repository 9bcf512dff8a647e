"""The pages for people: sign in and out, the companies one may see, and each company's dashboard with charts.

Server-rendered HTML (Jinja2 templates in admin/templates) with the charts as inline SVG: no JavaScript, no
file fetched from elsewhere (the Content-Security-Policy allows none). Outside /api/v1 and the OpenAPI schema.
A page without a valid sign-in cookie redirects (303) to `/login?next=...`; a company out of the caller's
scope gets the same 404 page as one that does not exist, with no data; missing permission gets a 403 page.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from admin.api_access import State
from admin.api_dashboards import vat_shown
from admin.pages_auth import check_token, forget, local_path, remember, same_origin, signed_in, to_login
from admin.pages_charts import count, euros, month_name, months_chart, percent, short_day, weeks_chart
from ingest.errors import ApiError
from ingest.http_auth import permitted_company
from ingest.tokens import Caller
from purchases.access import Permission, allowed, switches_of
from purchases.dashboard import Month, dashboard
from purchases.errors import InvalidInputError
from store.models import Company

router = APIRouter(include_in_schema=False)
TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))
TEMPLATES.env.filters.update(euros=euros, count=count, percent=percent, month_name=month_name, day=short_day)
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
"""Every page: no script or outside resource at all, never framed, never cached (it shows the books)."""
Next = Annotated[str | None, Query(alias="next")]


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status, headers=HEADERS)


def _error(
    request: Request, status: int, title: str, reason: str, caller: Caller | None = None
) -> HTMLResponse:
    return _page(request, "error.html", {"title": title, "reason": reason, "caller": caller}, status)


@router.get("/login")
def login_form(request: Request, next_page: Next = None) -> HTMLResponse:
    """The sign-in form: paste an API token."""
    return _page(request, "login.html", {"next": local_path(next_page), "error": None, "caller": None})


@router.post("/login", response_model=None)
def login(
    request: Request,
    state: State,
    token: Annotated[str, Form()] = "",
    next_page: Annotated[str, Form(alias="next")] = "",
) -> Response:
    """Checks the token; if valid, sets the cookie and goes on to `next` (a local path only)."""
    if not same_origin(request):
        return _error(request, 403, "Requête refusée", "Ce formulaire a été envoyé depuis un autre site.")
    caller = check_token(state, token) if token.strip() else None
    if caller is None:
        error = "Jeton inconnu ou révoqué." if token.strip() else "Collez votre jeton d'accès."
        context = {"next": local_path(next_page), "error": error, "caller": None}
        return _page(request, "login.html", context, 401)
    response = RedirectResponse(local_path(next_page), status_code=303)
    remember(request, response, token)
    return response


@router.post("/logout", response_model=None)
def logout(request: Request) -> Response:
    """Clears the cookie and goes back to the sign-in form."""
    if not same_origin(request):
        return _error(request, 403, "Requête refusée", "Ce formulaire a été envoyé depuis un autre site.")
    response = RedirectResponse("/login", status_code=303)
    forget(request, response)
    return response


@router.get("/dashboards", response_model=None)
def companies_page(request: Request, state: State) -> Response:
    """The companies whose dashboard the signed-in caller may see."""
    caller = signed_in(request, state)
    if caller is None:
        return to_login(request)
    with state.sessions() as session:
        query = select(Company).order_by(Company.slug)
        if not caller.all_companies:
            query = query.where(Company.id.in_(caller.company_ids))
        companies = list(session.scalars(query))
        tables = switches_of(session, (company.id for company in companies))
        visible = [c for c in companies if allowed(caller.role, Permission.VIEW, tables[c.id])]
    return _page(request, "companies.html", {"companies": visible, "caller": caller})


@router.get("/companies/{company}/dashboard", response_model=None)
def dashboard_page(request: Request, company: str, state: State, month: str | None = None) -> Response:
    """A company's month: totals against last year, charts of twelve months and of cash-out, breakdowns."""
    caller = signed_in(request, state)
    if caller is None:
        return to_login(request)
    try:
        chosen = Month.parse(month) if month else Month.of(date.today())
    except InvalidInputError as error:
        return _error(request, 422, "Mois invalide", error.reason, caller)
    with state.sessions() as session:
        try:
            ref = permitted_company(session, company, caller, (Permission.VIEW,))
        except ApiError as error:
            title = "Entreprise introuvable" if error.status == 404 else "Accès refusé"
            return _error(request, error.status, title, error.reason, caller)
        board = dashboard(session, ref.id, chosen, date.today())
        vat = vat_shown(session, caller, ref.id)
    context = {
        "caller": caller,
        "company": ref,
        "board": board,
        "vat": vat,
        "previous_month": chosen.shifted(-1),
        "next_month": chosen.shifted(1),
        "months_chart": months_chart(board.series),
        "weeks_chart": weeks_chart(board.cash_out),
    }
    return _page(request, "dashboard.html", context)
