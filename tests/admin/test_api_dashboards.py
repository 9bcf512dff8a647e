"""The dashboard endpoint over a real server: its JSON equals the sums computed from the purchases booked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ingest.tokens import create_token
from store.purchase_models import TokenRole
from tests.admin.api_matrix import bearer
from tests.purchases.dashboard_books import (
    ACTIVITY,
    Arrival,
    Expected,
    Made,
    arrivals,
    arrive,
    book_all,
    expected_activity,
    expected_by,
    expected_cash,
    expected_totals,
    month_of,
    scenario,
)
from tests.support import SIRETS, RunningServer, start_server

AMOUNT = re.compile(r"^-?[0-9]+\.[0-9]{2}$")


@dataclass(frozen=True)
class Books:
    """The server, the tokens, and what was booked for acme in the current month."""

    server: RunningServer
    tokens: dict[TokenRole, str]
    month: date
    made: tuple[Made, ...]
    arrived: tuple[Arrival, ...]

    def get(
        self, path: str, role: TokenRole = TokenRole.FIRM_ADMIN, query: dict[str, str] | None = None
    ) -> httpx.Response:
        url = f"{self.server.api_url}/api/v1{path}"
        return httpx.get(url, params=query, headers=bearer(self.tokens[role]), timeout=30)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Books]:
    """One server: acme with the dashboard scenario around the current month, other with nothing."""
    server = start_server(tmp_path_factory.mktemp("dashboards") / "var")
    try:
        acme = server.add_company("ACME SAS", SIRETS[0], "acme")
        server.add_company("Other SARL", SIRETS[1], "other")
        today = date.today()
        month = month_of(today)
        made, arrived = scenario(month, today), arrivals(month)
        with server.storage.sessions.begin() as session:
            tokens = {
                role: create_token(
                    session,
                    name=role.value,
                    role=role,
                    company_ids=() if role == TokenRole.FIRM_ADMIN else (acme,),
                )
                for role in (TokenRole.FIRM_ADMIN, TokenRole.FIRM_USER, TokenRole.COMPANY_USER)
            }
            booked = book_all(session, acme, made, today)
            arrive(session, acme, arrived, copy_of=booked[0].sha256)
        yield Books(server, tokens, month, made, arrived)
    finally:
        server.stop()


def amounts(totals: dict[str, Any]) -> dict[str, Any]:
    return {
        key: totals[key]
        for key in ("purchases", "credit_notes", "foreign_currency", "excl_tax", "vat", "incl_tax")
    }


def wanted(expected: Expected, vat: bool = True) -> dict[str, Any]:
    return {
        "purchases": expected.purchases,
        "credit_notes": expected.credit_notes,
        "foreign_currency": expected.foreign_currency,
        "excl_tax": f"{expected.excl_tax:.2f}",
        "vat": f"{expected.vat:.2f}" if vat else None,
        "incl_tax": f"{expected.incl_tax:.2f}",
    }


def test_the_current_month_by_default_with_totals_against_last_year(books: Books) -> None:
    answer = books.get("/companies/acme/dashboard")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["company"], body["month"], body["vat_shown"]) == ("acme", f"{books.month:%Y-%m}", True)
    now, then = (
        expected_totals(books.made, books.month),
        expected_totals(books.made, month_of(books.month, -12)),
    )
    assert amounts(body["totals"]["current"]) == wanted(now)
    assert amounts(body["totals"]["previous"]) == wanted(then)
    assert body["totals"]["change"]["excl_tax"] == f"{now.excl_tax - then.excl_tax:.2f}"
    assert (
        body["totals"]["current"]["excl_tax"] == "2075.90"
    )  # hand-checked in tests/purchases/test_dashboard.py
    growth = (now.excl_tax - then.excl_tax) * 100 / then.excl_tax
    assert body["totals"]["growth_percent"] == float(growth.quantize(Decimal("0.1")))
    assert [point["month"] for point in body["series"]][-1] == body["month"]
    assert len(body["series"]) == 12
    for point in body["series"]:
        first = date.fromisoformat(point["month"] + "-01")
        assert amounts(point["current"]) == wanted(expected_totals(books.made, first))
        assert amounts(point["previous"]) == wanted(expected_totals(books.made, month_of(first, -12)))


def test_the_same_answer_by_siret(books: Books) -> None:
    assert (
        books.get(f"/companies/{SIRETS[0]}/dashboard").json() == books.get("/companies/acme/dashboard").json()
    )


def test_by_supplier_and_account_with_top_and_others(books: Books) -> None:
    body = books.get("/companies/acme/dashboard", query={"top": "2"}).json()
    now = expected_by(books.made, books.month, "supplier")
    lines = body["by_supplier"]["lines"]
    assert [line["label"] for line in lines] == ["Bâti-Sud SAS", "Transports Roux"]
    for line in lines:
        assert amounts(line["current"]) == wanted(now[line["label"]])
    others = Expected()
    for name, totals in now.items():
        if name not in {"Bâti-Sud SAS", "Transports Roux"}:
            for field in ("purchases", "credit_notes", "foreign_currency", "excl_tax", "vat", "incl_tax"):
                setattr(others, field, getattr(others, field) + getattr(totals, field))
    assert amounts(body["by_supplier"]["others"]["current"]) == wanted(others)
    assert body["by_supplier"]["others_count"] == 3
    accounts = books.get("/companies/acme/dashboard").json()["by_account"]
    by_account = expected_by(books.made, books.month, "account")
    assert {line["key"]: amounts(line["current"]) for line in accounts["lines"]} == {
        key: wanted(value) for key, value in by_account.items()
    }
    assert {line["key"]: line["label"] for line in accounts["lines"]}[
        "606400"
    ] == "Fournitures administratives"


def test_cash_out_by_iso_week_from_today(books: Books) -> None:
    before = date.today()
    cash = books.get("/companies/acme/dashboard").json()["cash_out"]
    as_of = date.fromisoformat(cash["as_of"])
    assert as_of in (before, date.today())
    expected = expected_cash(books.made, as_of)
    found = {"overdue": cash["overdue"], "later": cash["later"], "undated": cash["undated"]}
    found |= {f"week{number}": week for number, week in enumerate(cash["weeks"])}
    for name, bucket in found.items():
        want = expected.get(name)
        payments, amount = (want.payments, want.amount) if want else (0, Decimal("0.00"))
        assert (bucket["payments"], bucket["amount"]) == (payments, f"{amount:.2f}"), name
    assert len(cash["weeks"]) == 8
    monday = date.fromisoformat(cash["weeks"][0]["start"])
    assert monday.weekday() == 0 and 0 <= (as_of - monday).days < 7
    assert cash["weeks"][0]["week"] == f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
    assert cash["overdue"]["payments"] == 1 and cash["foreign_currency"] == 1


def test_import_activity_by_platform_with_the_error_rate(books: Books) -> None:
    body = books.get("/companies/acme/dashboard").json()
    expected = expected_activity(books.made, books.arrived, books.month)
    assert {a["platform"] for a in body["imports"]} == set(expected)
    for activity in body["imports"]:
        want = expected[activity["platform"]]
        assert {name: activity[name] for name in ACTIVITY} == {name: want.counts[name] for name in ACTIVITY}
        assert activity["error_rate"] == want.error_rate
    assert body["imports_total"]["documents"] == sum(a["documents"] for a in body["imports"])


def _values(node: Any, key: str) -> list[Any]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == key] + [x for v in node.values() for x in _values(v, key)]
    if isinstance(node, list):
        return [x for v in node for x in _values(v, key)]
    return []


def test_vat_only_for_those_who_see_the_accounting_pages(books: Books) -> None:
    full = books.get("/companies/acme/dashboard").json()
    user = books.get("/companies/acme/dashboard", TokenRole.COMPANY_USER).json()
    firm_user = books.get("/companies/acme/dashboard", TokenRole.FIRM_USER).json()
    assert (full["vat_shown"], firm_user["vat_shown"], user["vat_shown"]) == (True, True, False)
    vats = _values(user, "vat")
    # 24 comparisons (the month, 12 months, 4 accounts + others, 5 suppliers + others) of 3 totals each
    assert len(vats) == 72 and set(vats) == {None}
    assert all(value is not None for value in _values(full, "vat"))
    assert _values(user, "excl_tax") == _values(full, "excl_tax")
    assert _values(user, "incl_tax") == _values(full, "incl_tax")


def test_every_amount_is_a_string_with_two_decimals(books: Books) -> None:
    body = books.get("/companies/acme/dashboard").json()
    found = [v for key in ("excl_tax", "vat", "incl_tax", "amount") for v in _values(body, key)]
    assert len(found) == 72 * 3 + 11  # every totals' three amounts, and the 11 buckets of cash-out
    assert all(isinstance(value, str) and AMOUNT.match(value) for value in found), found
    assert "0.00" in found and any(value.startswith("-") for value in found)


def test_another_month_and_another_company(books: Books) -> None:
    last_year = month_of(books.month, -12)
    body = books.get("/companies/acme/dashboard", query={"month": f"{last_year:%Y-%m}"}).json()
    assert body["month"] == f"{last_year:%Y-%m}"
    assert amounts(body["totals"]["current"]) == wanted(expected_totals(books.made, last_year))
    assert body["totals"]["previous"]["purchases"] == 0 and body["totals"]["growth_percent"] is None
    other = books.get("/companies/other/dashboard").json()
    assert other["totals"]["current"]["purchases"] == 0 and other["imports"] == []
    assert other["by_supplier"]["lines"] == [] and other["cash_out"]["overdue"]["payments"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-1"}, "month"),
        ({"month": "11-2026"}, "month"),
        ({"top": "0"}, "top"),
        ({"top": "51"}, "top"),
    ],
)
def test_a_bad_month_or_top_is_refused_with_the_reason(
    books: Books, params: dict[str, str], field: str
) -> None:
    answer = books.get("/companies/acme/dashboard", query=params)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_request"
    assert body["reason"].startswith(f"{field}: ")


def test_openapi_documents_the_dashboard(books: Books) -> None:
    schema = httpx.get(f"{books.server.api_url}/openapi.json", timeout=30).json()
    operation = schema["paths"]["/api/v1/companies/{company}/dashboard"]["get"]
    assert set(operation["responses"]) >= {"200", "401", "403", "404", "422"}
    assert {"DashboardOut", "TotalsOut", "CashOutOut", "ActivityOut"} <= set(schema["components"]["schemas"])
    pages = {"/login", "/logout", "/dashboards", "/companies/{company}/dashboard"}
    assert not pages & set(schema["paths"])
