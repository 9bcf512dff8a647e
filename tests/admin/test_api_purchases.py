"""The purchases and payments endpoints over real sockets: filters, pages, one purchase, edits, payments.

Purchases are booked straight into the server's database; the states of payments are those of the day the
tests run (the server's `date.today()`), so every date here is counted from that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ingest.tokens import create_token
from parsers.invoice import DocumentType, VatMarker
from purchases.editing import get_purchase, lock
from store.models import Channel
from store.purchase_models import TokenRole
from tests.admin.api_matrix import bearer
from tests.purchases.books_db import book_fields, invoice
from tests.support import RunningServer, start_server

TODAY = date.today()
PAPETERIE_SIRET = "55208131700018"
SIRETS = {
    "books": "12345678200010",
    "edits": "87654321600017",
    "elsewhere": "11223344000018",
    "pages": "55667788800019",
    "dues": "73282932000074",
}
"""One company per concern, so that the tests that change things do not move what others count."""


@dataclass(frozen=True)
class Api:
    """The running server, its companies' ids and a firm administrator's token."""

    server: RunningServer
    companies: dict[str, int]
    token: str

    def url(self, path: str) -> str:
        return f"{self.server.api_url}/api/v1/companies/{path}"

    def get(self, path: str, **params: Any) -> httpx.Response:
        return httpx.get(self.url(path), params=params, headers=bearer(self.token), timeout=30)

    def ok(self, path: str, **params: Any) -> Any:
        answer = self.get(path, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def patch(self, path: str, body: object) -> httpx.Response:
        return httpx.patch(self.url(path), json=body, headers=bearer(self.token), timeout=30)

    def patch_raw(self, path: str, text: str) -> httpx.Response:
        headers = {**bearer(self.token), "Content-Type": "application/json"}
        return httpx.patch(self.url(path), content=text.encode(), headers=headers, timeout=30)

    def paid(self, slug: str, payment: int, paid_on: date, method: str) -> httpx.Response:
        body = {"paid_on": paid_on.isoformat(), "method": method}
        url = self.url(f"{slug}/payments/{payment}/paid")
        return httpx.post(url, json=body, headers=bearer(self.token), timeout=30)

    def book(self, slug: str, **options: Any) -> int:
        """Books an invoice (`invoice` changes, plus channel and platform) and returns its purchase."""
        booking = {key: options.pop(key) for key in ("channel", "platform") if key in options}
        with self.server.storage.sessions.begin() as session:
            fields = invoice(**{"issue_date": TODAY - timedelta(days=20), **options})
            return book_fields(session, self.companies[slug], fields, today=TODAY, **booking).purchase_id


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    server = start_server(tmp_path_factory.mktemp("purchases") / "var")
    try:
        companies = {
            slug: server.add_company(f"{slug.title()} SAS", siret, slug) for slug, siret in SIRETS.items()
        }
        with server.storage.sessions.begin() as session:
            token = create_token(session, name="Cabinet", role=TokenRole.FIRM_ADMIN, company_ids=())
        yield Api(server, companies, token)
    finally:
        server.stop()


@dataclass(frozen=True)
class Books:
    """The purchases of company `books`, which no test changes."""

    ready: int
    review: int
    credit: int
    papeterie: int


@pytest.fixture(scope="module")
def books(api: Api) -> Books:
    """A ready purchase by mail, one to review pushed by Welyb (another supplier), a locked credit note."""
    ready = api.book("books", due_date=TODAY + timedelta(days=30), issue_date=TODAY - timedelta(days=5))
    review = api.book(
        "books",
        supplier_name="Papeterie Durand",
        supplier_siret=PAPETERIE_SIRET,
        supplier_vat=None,
        invoice_number=None,
        issue_date=TODAY - timedelta(days=10),
        channel=Channel.HTTP,
        platform="Welyb",
    )
    credit = api.book(
        "books",
        invoice_number="AV-1",
        document_type=DocumentType.CREDIT_NOTE,
        issue_date=TODAY - timedelta(days=60),
        due_date=TODAY - timedelta(days=1),
    )
    with api.server.storage.sessions.begin() as session:
        lock(get_purchase(session, api.companies["books"], credit), datetime(2026, 10, 31, 18, tzinfo=UTC))
        papeterie = get_purchase(session, api.companies["books"], review).supplier_id
    assert papeterie is not None
    return Books(ready, review, credit, papeterie)


def ids(api: Api, path: str, **params: Any) -> list[int]:
    body = api.ok(path, **params)
    key = "purchases" if "purchases" in body else "payments"
    return [item["id"] for item in body[key]]


def test_a_listed_purchase_says_everything_asked(api: Api, books: Books) -> None:
    body = api.ok("books/purchases")
    assert (body["total"], body["limit"], body["next_cursor"]) == (3, 50, None)
    first = body["purchases"][0]
    assert first == {
        "id": books.ready,
        "supplier": {"id": first["supplier"]["id"], "name": "Bâti-Sud SAS"},
        "invoice_number": "FA-2026-001",
        "document_type": "invoice",
        "issue_date": (TODAY - timedelta(days=5)).isoformat(),
        "total_excl_tax": "1000.00",
        "total_tax": "200.00",
        "total_incl_tax": "1200.00",
        "amount_due": None,
        "currency": "EUR",
        "status": "ready",
        "review_reasons": [],
        "charge_account": "604000",
        "payment_state": "pending",
        "locked_at": None,
        "source": {"channel": "smtp", "platform": "email"},
        "document_id": first["document_id"],
    }
    assert isinstance(first["document_id"], int)
    review, credit = body["purchases"][1:]
    assert review["review_reasons"] == [
        {"code": "missing_invoice_number", "message": "No invoice number was read."}
    ]
    assert review["source"] == {"channel": "http", "platform": "Welyb"}
    assert (credit["locked_at"], credit["payment_state"]) == ("2026-10-31T18:00:00Z", "overdue")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "to_review"}, ["review"]),
        ({"status": "ready"}, ["ready", "credit"]),
        ({"supplier": "papeterie"}, ["review"]),
        ({"issued_from": -10}, ["ready", "review"]),
        ({"issued_to": -11}, ["credit"]),
        ({"issued_from": -60, "issued_to": -10}, ["review", "credit"]),
        ({"issued_from": -4}, []),
        ({"platform": "WELYB"}, ["review"]),
        ({"platform": "email"}, ["ready", "credit"]),
        ({"locked": "true"}, ["credit"]),
        ({"locked": "false"}, ["ready", "review"]),
        ({"status": "ready", "platform": "email", "locked": "false"}, ["ready"]),
    ],
    ids=str,
)
def test_every_purchase_filter(api: Api, books: Books, params: dict[str, Any], expected: list[str]) -> None:
    query = dict(params)
    for key in ("issued_from", "issued_to"):
        if key in query:
            query[key] = (TODAY + timedelta(days=query[key])).isoformat()
    if "supplier" in query:
        query["supplier"] = books.papeterie
    body = api.ok("books/purchases", **query)
    assert [item["id"] for item in body["purchases"]] == [getattr(books, name) for name in expected]
    assert body["total"] == len(expected)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"issued_from": "2026-02-30"}, "issued_from"),
        ({"issued_from": "2026-11-02", "issued_to": "2026-11-01"}, "issued_from"),
        ({"supplier": "papeterie"}, "supplier"),
        ({"locked": "perhaps"}, "locked"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"cursor": -1}, "cursor"),
        ({"cursor": 2**63}, "cursor"),
    ],
    ids=str,
)
def test_a_bad_filter_is_refused_naming_it(api: Api, params: dict[str, Any], field: str) -> None:
    answer = api.get("books/purchases", **params)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    named = body.get("field") or body["details"][0]["field"]
    assert named == field, body
    assert field in body["reason"]


def test_pages_neither_repeat_nor_skip_while_purchases_are_booked(api: Api) -> None:
    booked = [api.book("pages", invoice_number=f"P-{n}") for n in range(5)]
    first = api.ok("pages/purchases", limit=2)
    assert [item["id"] for item in first["purchases"]] == booked[:2]
    assert (first["total"], first["next_cursor"]) == (5, booked[1])
    late = api.book("pages", invoice_number="P-late")
    second = api.ok("pages/purchases", limit=2, cursor=first["next_cursor"])
    third = api.ok("pages/purchases", limit=2, cursor=second["next_cursor"])
    assert [item["id"] for item in second["purchases"] + third["purchases"]] == [*booked[2:], late]
    assert (third["total"], third["next_cursor"]) == (6, None)
    assert api.ok("pages/purchases", limit=2, cursor=first["next_cursor"]) == second
    assert api.ok("pages/purchases", cursor=late)["purchases"] == []


def test_one_purchase_in_full(api: Api, books: Books) -> None:
    detail = api.ok(f"books/purchases/{books.ready}")
    listed = api.ok("books/purchases", limit=1)["purchases"][0]
    assert {key: detail[key] for key in listed} == listed
    assert detail["vat_lines"] == [{"rate": "20", "base": "1000.00", "amount": "200.00"}]
    assert (detail["markers"], detail["method"], detail["confidence"]) == ([], "facturx", 1.0)
    payment = detail["payment"]
    assert (payment["amount"], payment["due_date"], payment["due_date_source"], payment["state"]) == (
        "1200.00",
        (TODAY + timedelta(days=30)).isoformat(),
        "printed",
        "pending",
    )
    entry = detail["entry"]
    assert [
        (line["account"], line["aux_account"], line["debit"], line["credit"]) for line in entry["lines"]
    ] == [
        ("604000", None, "1000.00", "0.00"),
        ("445660", None, "200.00", "0.00"),
        ("401000", "F00001", "0.00", "1200.00"),
    ]
    assert entry["total_debit"] == entry["total_credit"] == "1200.00"
    assert (entry["number"], entry["validated_at"], entry["piece_ref"]) == (None, None, "FA-2026-001")
    assert detail["documents"][0]["filename"].startswith("facture-")
    assert detail["documents"] == [
        {
            "id": detail["document_id"],
            "filename": detail["documents"][0]["filename"],
            "booking": "purchase",
            "download": f"/api/v1/companies/books/documents/{detail['document_id']}/file",
        }
    ]
    by_siret = api.ok(f"{SIRETS['books']}/purchases/{books.ready}")
    assert by_siret == detail  # links name the company by slug however it was named
    review = api.ok(f"books/purchases/{books.review}")
    assert (review["entry"], review["payment"]["state"]) == (None, "pending")


def test_an_unknown_purchase_or_one_of_another_company_is_not_found(api: Api, books: Books) -> None:
    theirs = api.book("elsewhere", invoice_number="THEIRS")
    before = api.ok(f"elsewhere/purchases/{theirs}")
    for purchase in (theirs, 10**9):
        reason = f"no purchase {purchase} in this company"
        for answer in (
            api.get(f"books/purchases/{purchase}"),
            api.patch(f"books/purchases/{purchase}", {"charge_account": "606400"}),
        ):
            assert answer.status_code == 404, answer.text
            assert answer.json() == {"error": "not_found", "reason": reason}
    payment = before["payment"]["id"]
    refused = api.paid("books", payment, TODAY, "transfer")
    assert refused.status_code == 404
    assert refused.json() == {"error": "not_found", "reason": f"no payment {payment} in this company"}
    assert api.ok(f"elsewhere/purchases/{theirs}") == before


def lines_of(detail: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(line["account"], line["debit"], line["credit"]) for line in detail["entry"]["lines"]]


def test_editing_the_totals_rewrites_the_entry(api: Api) -> None:
    purchase = api.book("edits", invoice_number="TOTALS")
    body = (
        '{"total_excl_tax": "1500.00", "total_tax": 300, "total_incl_tax": 1800.00,'
        ' "vat_lines": [{"rate": 20, "base": 1500.00, "amount": "300"}]}'
    )
    answer = api.patch_raw(f"edits/purchases/{purchase}", body)
    assert answer.status_code == 200, answer.text
    edited = answer.json()
    assert (edited["total_excl_tax"], edited["total_tax"], edited["total_incl_tax"]) == (
        "1500.00",
        "300.00",
        "1800.00",
    )
    assert (edited["status"], edited["vat_lines"]) == (
        "ready",
        [{"rate": "20", "base": "1500.00", "amount": "300.00"}],
    )
    assert lines_of(edited) == [
        ("604000", "1500.00", "0.00"),
        ("445660", "300.00", "0.00"),
        ("401000", "0.00", "1800.00"),
    ]
    debit = sum(Decimal(line["debit"]) for line in edited["entry"]["lines"])
    credit = sum(Decimal(line["credit"]) for line in edited["entry"]["lines"])
    assert debit == credit == Decimal(edited["entry"]["total_debit"]) == Decimal("1800.00")
    assert edited["payment"]["amount"] == "1800.00"
    assert api.ok(f"edits/purchases/{purchase}") == edited


def test_amounts_sent_as_json_numbers_are_read_exactly(api: Api) -> None:
    purchase = api.book("edits", invoice_number="EXACT")
    answer = api.patch_raw(f"edits/purchases/{purchase}", '{"amount_due": 1000.10}')
    assert answer.status_code == 200, answer.text
    assert (answer.json()["amount_due"], answer.json()["payment"]["amount"]) == ("1000.10", "1000.10")
    # a float would read 1000.0 here; the exact number has 15 decimal places
    refused = api.patch_raw(f"edits/purchases/{purchase}", '{"amount_due": 1000.000000000000001}')
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"][0]["field"] == "amount_due"
    assert api.ok(f"edits/purchases/{purchase}")["amount_due"] == "1000.10"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (
            {"charge_account": "401000"},
            "charge_account",
            "invalid charge_account '401000': a class 6 (or class 2, fixed assets) account number",
        ),
        ({"charge_acount": "606400"}, "charge_acount", "charge_acount: Extra inputs are not permitted"),
        ({"issue_date": "2026-02-30"}, "issue_date", None),
        ({"due_date": "3001-01-01"}, "due_date", None),
        ({"total_tax": "-5"}, "total_tax", None),
        ({"total_excl_tax": "1 000,50"}, "total_excl_tax", None),
        ({"total_excl_tax": "10.001"}, "total_excl_tax", None),
        ({"invoice_number": ""}, "invoice_number", None),
        ({"currency": "euro"}, "currency", None),
        ({"markers": ["exempt"]}, "markers.0", None),
        ({"vat_lines": [{"rate": 20, "base": "1.00"}]}, "vat_lines.0.amount", None),
        (
            {"supplier_id": 10**9},
            "supplier_id",
            "invalid supplier_id '1000000000': no such supplier in this company",
        ),
        ({}, "body", "nothing to change: give at least one field of the purchase"),
        ({"invoice_number": None}, "body", "nothing to change: give at least one field of the purchase"),
    ],
    ids=str,
)
def test_a_bad_field_is_refused_naming_it_and_nothing_changes(
    api: Api, body: dict[str, Any], field: str, reason: str | None
) -> None:
    purchase = api.book("edits", invoice_number="BAD")
    before = api.ok(f"edits/purchases/{purchase}")
    answer = api.patch(f"edits/purchases/{purchase}", body)
    assert answer.status_code == 422, answer.text
    refused = answer.json()
    assert (refused.get("field") or refused["details"][0]["field"]) == field, refused
    if reason is not None:
        assert refused["reason"] == reason
    assert api.ok(f"edits/purchases/{purchase}") == before


def test_a_locked_purchase_answers_409_with_the_validation_date_and_nothing_changes(api: Api) -> None:
    purchase = api.book("edits", invoice_number="LOCKED")
    with api.server.storage.sessions.begin() as session:
        lock(get_purchase(session, api.companies["edits"], purchase), datetime(2026, 10, 31, 9, tzinfo=UTC))
    before = api.ok(f"edits/purchases/{purchase}")
    answer = api.patch(f"edits/purchases/{purchase}", {"charge_account": "606400", "total_tax": "1.00"})
    assert answer.status_code == 409, answer.text
    assert answer.json() == {
        "error": "conflict",
        "reason": f"purchase {purchase} is locked: its period was validated on 2026-10-31",
    }
    assert api.ok(f"edits/purchases/{purchase}") == before
    assert purchase in ids(api, "edits/purchases", locked="true")


def test_changing_the_supplier_account_and_due_date(api: Api) -> None:
    other = api.book(
        "edits",
        invoice_number="PAP-1",
        supplier_name="Papeterie Durand",
        supplier_siret=PAPETERIE_SIRET,
        supplier_vat=None,
    )
    papeterie = api.ok(f"edits/purchases/{other}")["supplier"]
    purchase = api.book("edits", invoice_number="MOVE")
    due = TODAY + timedelta(days=45)
    body = {"supplier_id": papeterie["id"], "charge_account": "606400", "due_date": due.isoformat()}
    answer = api.patch(f"edits/purchases/{purchase}", body)
    assert answer.status_code == 200, answer.text
    edited = answer.json()
    assert (edited["supplier"], edited["charge_account"]) == (papeterie, "606400")
    assert (edited["payment"]["due_date"], edited["payment"]["due_date_source"]) == (
        due.isoformat(),
        "edited",
    )
    supplier_line = edited["entry"]["lines"][-1]
    assert (supplier_line["account"], supplier_line["aux_label"]) == ("401000", "Papeterie Durand")
    assert edited["entry"]["lines"][0]["account"] == "606400"
    assert purchase in ids(api, "edits/purchases", supplier=papeterie["id"])
    again = api.patch(f"edits/purchases/{purchase}", {"charge_account": "606400"})
    assert again.status_code == 200 and again.json() == edited


def payment_ids(api: Api, slug: str, **params: Any) -> list[int]:
    return [item["purchase_id"] for item in api.ok(f"{slug}/payments", **params)["payments"]]


@pytest.fixture(scope="module")
def dues(api: Api) -> dict[str, int]:
    """Company `dues`: payments due yesterday and today, a credit note due in 30 days (another supplier)."""
    return {
        "yesterday": api.book("dues", invoice_number="D-1", due_date=TODAY - timedelta(days=1)),
        "today": api.book("dues", invoice_number="D-2", due_date=TODAY, total_incl_tax=Decimal("1200.00")),
        "later": api.book(
            "dues",
            invoice_number="AV-9",
            document_type=DocumentType.CREDIT_NOTE,
            supplier_name="Papeterie Durand",
            supplier_siret=PAPETERIE_SIRET,
            supplier_vat=None,
            due_date=TODAY + timedelta(days=30),
        ),
    }


def test_payments_by_due_date_overdue_on_the_day_with_totals(api: Api, dues: dict[str, int]) -> None:
    body = api.ok("dues/payments")
    assert body["on"] == TODAY.isoformat()
    assert [(p["purchase_id"], p["state"], p["amount"]) for p in body["payments"]] == [
        (dues["yesterday"], "overdue", "1200.00"),
        (dues["today"], "pending", "1200.00"),
        (dues["later"], "pending", "-1200.00"),
    ]
    assert body["totals"] == [
        {
            "currency": "EUR",
            "count": 3,
            "amount": "1200.00",
            "pending": "0.00",
            "overdue": "1200.00",
            "paid": "0.00",
        }
    ]
    later = body["payments"][2]
    assert (later["supplier"]["name"], later["invoice_number"], later["due_date_source"]) == (
        "Papeterie Durand",
        "AV-9",
        "printed",
    )
    assert payment_ids(api, "dues", state="overdue") == [dues["yesterday"]]
    assert payment_ids(api, "dues", state="pending") == [dues["today"], dues["later"]]
    assert payment_ids(api, "dues", due_from=TODAY.isoformat()) == [dues["today"], dues["later"]]
    assert payment_ids(api, "dues", due_to=TODAY.isoformat()) == [dues["yesterday"], dues["today"]]
    assert payment_ids(api, "dues", supplier=later["supplier"]["id"]) == [dues["later"]]
    only = api.ok("dues/payments", state="overdue")["totals"]
    assert [(t["count"], t["amount"], t["overdue"]) for t in only] == [(1, "1200.00", "1200.00")]
    assert api.ok("dues/payments", due_from="2000-01-01", due_to="2000-01-31") == {
        "on": TODAY.isoformat(),
        "payments": [],
        "totals": [],
    }
    refused = api.get("dues/payments", due_from="2026-11-02", due_to="2026-11-01")
    assert (refused.status_code, refused.json()["field"]) == (422, "due_from")
    assert api.get("dues/payments", state="late").status_code == 422


def test_suppliers_with_what_is_owed(api: Api, dues: dict[str, int]) -> None:
    suppliers = api.ok("dues/suppliers")
    assert [(s["name"], s["owed"], s["charge_account"], s["default_charge_account"]) for s in suppliers] == [
        ("Bâti-Sud SAS", "2400.00", "604000", True),
        ("Papeterie Durand", "-1200.00", "604000", True),
    ]
    assert suppliers[0]["siret"] == "44306184100005" and suppliers[1]["aux_account"] == "F00002"


def test_mark_paid_then_the_payment_lists_follow(api: Api) -> None:
    purchase = api.book("edits", invoice_number="PAY", due_date=TODAY - timedelta(days=3))
    payment = api.ok(f"edits/purchases/{purchase}")["payment"]
    assert payment["state"] == "overdue"
    assert purchase in payment_ids(api, "edits", state="overdue")
    day = TODAY - timedelta(days=1)
    answer = api.paid("edits", payment["id"], day, " transfer ")
    assert answer.status_code == 200, answer.text
    paid = answer.json()
    assert (paid["state"], paid["paid_on"], paid["method"]) == ("paid", day.isoformat(), "transfer")
    assert {**paid, "state": "overdue", "paid_on": None, "method": None} == payment
    again = api.paid("edits", payment["id"], day, "transfer")
    assert (again.status_code, again.json()) == (200, paid)
    other_day = api.paid("edits", payment["id"], TODAY, "transfer")
    assert other_day.status_code == 409
    assert other_day.json() == {
        "error": "conflict",
        "reason": f"the payment of purchase {purchase} was already marked paid on {day.isoformat()}",
    }
    assert purchase not in payment_ids(api, "edits", state="overdue")
    assert purchase in payment_ids(api, "edits", state="paid")
    assert api.ok(f"edits/purchases/{purchase}")["payment"] == paid
    assert api.ok(f"edits/purchases/{purchase}")["payment_state"] == "paid"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"paid_on": "2026-11-31", "method": "transfer"}, "paid_on"),
        ({"method": "transfer"}, "paid_on"),
        ({"paid_on": "2026-11-20", "method": ""}, "method"),
        ({"paid_on": "2026-11-20", "method": "   "}, "method"),
        ({"paid_on": "2026-11-20", "method": "transfer", "bank": "x"}, "bank"),
    ],
    ids=str,
)
def test_a_bad_payment_is_refused_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    purchase = api.book("edits", invoice_number="UNPAID")
    payment = api.ok(f"edits/purchases/{purchase}")["payment"]
    url = api.url(f"edits/payments/{payment['id']}/paid")
    answer = httpx.post(url, json=body, headers=bearer(api.token), timeout=30)
    assert answer.status_code == 422, answer.text
    refused = answer.json()
    assert (refused.get("field") or refused["details"][0]["field"]) == field
    assert api.ok(f"edits/purchases/{purchase}")["payment"] == payment


def test_openapi_documents_the_filters_and_the_conflicts(api: Api) -> None:
    schema = httpx.get(f"{api.server.api_url}/openapi.json", timeout=30).json()
    paths = schema["paths"]
    listing = paths["/api/v1/companies/{company}/purchases"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "status",
        "supplier",
        "issued_from",
        "issued_to",
        "platform",
        "locked",
        "limit",
        "cursor",
    }
    assert "409" in paths["/api/v1/companies/{company}/purchases/{purchase}"]["patch"]["responses"]
    assert "409" in paths["/api/v1/companies/{company}/payments/{payment}/paid"]["post"]["responses"]
    assert schema["components"]["schemas"]["PurchaseChanges"]["additionalProperties"] is False


def test_vat_lines_and_markers_can_be_replaced(api: Api) -> None:
    purchase = api.book("edits", invoice_number="VAT")
    body = {
        "vat_lines": [
            {"rate": "20", "base": "500.00", "amount": "100.00"},
            {"rate": "20", "base": "500.00", "amount": "100.00"},
        ],
        "markers": [VatMarker.DEBITS.value],
    }
    edited = api.patch(f"edits/purchases/{purchase}", body).json()
    assert edited["markers"] == ["debits"]
    assert edited["vat_lines"] == [{"rate": "20", "base": "500.00", "amount": "100.00"}] * 2
    assert edited["status"] == "ready" and edited["entry"]["total_debit"] == edited["entry"]["total_credit"]
