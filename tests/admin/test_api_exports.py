"""The exports endpoints over real sockets: journals, preview, validation, FEC and CSV exports, the pull."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from ingest.tokens import create_token
from parsers.invoice import DocumentType
from purchases.fec import check_fec
from store.models import Document
from store.purchase_models import JournalEntry, Purchase, TokenRole
from tests.admin.api_matrix import bearer
from tests.purchases.books_db import TODAY, book_fields, invoice
from tests.support import SIRETS, RunningServer, small_pdf, start_server

SIREN = SIRETS[0][:9]


@dataclass(frozen=True)
class Api:
    """The server, with ACME and a token of each role that matters here."""

    server: RunningServer
    company_id: int
    tokens: dict[TokenRole, str]

    def call(
        self, method: str, path: str, role: TokenRole = TokenRole.FIRM_USER, **kw: Any
    ) -> httpx.Response:
        url = f"{self.server.api_url}/api/v1/companies/acme{path}"
        return httpx.request(method, url, headers=bearer(self.tokens[role]), timeout=30, **kw)

    def book(self, number: str, day: date, **changes: Any) -> int:
        with self.server.storage.sessions.begin() as session:
            fields = invoice(invoice_number=number, issue_date=day, **changes)
            return book_fields(session, self.company_id, fields, today=TODAY).purchase_id


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    server = start_server(tmp_path_factory.mktemp("exports") / "var")
    try:
        company_id = server.add_company("ACME SAS", SIRETS[0], "acme")
        with server.storage.sessions.begin() as session:
            tokens = {
                role: create_token(
                    session,
                    name=f"{role.value} token",
                    role=role,
                    company_ids=() if role == TokenRole.FIRM_ADMIN else (company_id,),
                )
                for role in (
                    TokenRole.FIRM_ADMIN,
                    TokenRole.FIRM_USER,
                    TokenRole.COMPANY_ADMIN,
                    TokenRole.ACCOUNTING_SOFTWARE,
                )
            }
        yield Api(server, company_id, tokens)
    finally:
        server.stop()


def period(month: int, year: int = 2026) -> dict[str, str]:
    last = {2: 28, 4: 30, 6: 30, 9: 30, 11: 30}.get(month, 31)
    return {"from": f"{year}-{month:02d}-01", "to": f"{year}-{month:02d}-{last}"}


def test_validate_export_and_download_the_same_bytes_again(api: Api, tmp_path: Path) -> None:
    october = period(10)
    api.book("FA-1", date(2026, 10, 3))
    api.book("AV-2", date(2026, 10, 7), document_type=DocumentType.CREDIT_NOTE)
    api.book("FA-3", date(2026, 10, 9))
    journals = api.call("GET", "/journals", params=october)
    assert journals.status_code == 200, journals.text
    assert journals.json() == {
        "period": {"from": "2026-10-01", "to": "2026-10-31"},
        "journals": [{"code": "HA", "label": "Achats", "validated": 0, "not_validated": 3}],
        "purchases_to_review": 0,
    }
    validated = api.call("POST", "/periods/validate", json=october)
    assert validated.status_code == 200, validated.text
    body = validated.json()
    assert (body["entries_validated"], body["purchases_locked"]) == (3, 3)
    assert body["journals"] == [{"journal_code": "HA", "first": "HA000001", "last": "HA000003", "count": 3}]
    created = api.call("POST", "/exports", json={**october, "format": "fec"})
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["filename"] == f"{SIREN}FEC20261031.txt"
    assert (record["created_by"], record["entry_count"], record["left_out"]) == ("firm_user token", 3, 0)
    assert record["total_debit"] == record["total_credit"] == "3600.00"
    assert record["period"] == {"from": "2026-10-01", "to": "2026-10-31"}
    download = httpx.get(
        f"{api.server.api_url}{record['file']}", headers=bearer(api.tokens[TokenRole.FIRM_USER]), timeout=30
    )
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/plain; charset=utf-8"
    assert download.headers["content-disposition"] == f'attachment; filename="{SIREN}FEC20261031.txt"'
    assert hashlib.sha256(download.content).hexdigest() == record["sha256"]
    assert len(download.content) == record["size"]
    assert check_fec(download.content, record["filename"]) == []
    assert [row.split(b"|")[2] for row in download.content.split(b"\r\n")[1:]].count(b"HA000002") == 3
    again = api.call("GET", f"/exports/{record['id']}/file", role=TokenRole.FIRM_ADMIN)
    assert again.content == download.content
    assert api.call("GET", f"/exports/{record['id']}").json() == record
    assert api.call("GET", "/exports").json()[0] == record
    downloaded = tmp_path / record["filename"]
    downloaded.write_bytes(download.content)
    checked = subprocess.run(
        [str(Path(sys.executable).with_name("collecte")), "fec-check", str(downloaded)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (checked.returncode, checked.stdout) == (
        0,
        f"{downloaded.name}: no violation, the file passes the FEC checks.\n",
    )


def test_a_csv_export_opens_in_a_french_spreadsheet(api: Api) -> None:
    api.book("FA-11", date(2026, 8, 3), total_excl_tax=Decimal("99.99"), total_tax=Decimal("20.00"),
             total_incl_tax=Decimal("119.99"), vat_breakdown=())  # fmt: skip
    assert api.call("POST", "/periods/validate", json=period(8)).status_code == 200
    created = api.call("POST", "/exports", json={**period(8), "format": "csv"})
    assert created.status_code == 201, created.text
    download = api.call("GET", f"/exports/{created.json()['id']}/file")
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"].endswith('_ecritures_20260801_20260831.csv"')
    assert download.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    debits = [Decimal(row[11].replace(",", ".")) for row in rows[1:]]
    credits = [Decimal(row[12].replace(",", ".")) for row in rows[1:]]
    assert sum(debits) == sum(credits) == Decimal("119.99")
    assert "99,99" in [row[11] for row in rows[1:]]


def test_preview_totals_are_the_sums_of_the_lines(api: Api) -> None:
    api.book("FA-21", date(2026, 7, 3))
    api.book("FA-22", date(2026, 7, 4), document_type=DocumentType.CREDIT_NOTE)
    answer = api.call("GET", "/entries/preview", params=period(7))
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    with api.server.storage.sessions() as session:
        entries = session.scalars(
            select(JournalEntry).where(
                JournalEntry.entry_date >= date(2026, 7, 1), JournalEntry.entry_date <= date(2026, 7, 31)
            )
        ).all()
        debit = sum((line.debit for entry in entries for line in entry.lines), Decimal(0))
        credit = sum((line.credit for entry in entries for line in entry.lines), Decimal(0))
    assert (shown["total_debit"], shown["total_credit"]) == (f"{debit:.2f}", f"{credit:.2f}")
    [journal] = shown["journals"]
    assert (journal["code"], journal["entry_count"], journal["total_debit"]) == ("HA", 2, f"{debit:.2f}")
    for entry in journal["entries"]:
        lines = entry["lines"]
        assert entry["number"] is None and entry["validated_at"] is None
        assert sum(Decimal(line["debit"]) for line in lines) == Decimal(entry["total_debit"])
        assert sum(Decimal(line["credit"]) for line in lines) == Decimal(entry["total_credit"])


def test_a_locked_purchase_answers_409_on_edit(api: Api) -> None:
    purchase_id = api.book("FA-31", date(2026, 6, 3))
    assert api.call("POST", "/periods/validate", json=period(6)).status_code == 200
    edit = api.call("PATCH", f"/purchases/{purchase_id}", json={"invoice_number": "FA-31-bis"})
    assert edit.status_code == 409, edit.text
    assert f"purchase {purchase_id} is locked" in edit.json()["reason"]
    with api.server.storage.sessions() as session:
        assert session.get_one(Purchase, purchase_id).invoice_number == "FA-31"


def test_purchases_to_review_block_the_validation_of_their_period(api: Api) -> None:
    api.book("FA-41", date(2026, 5, 3))
    waiting = api.book("FA-42", date(2026, 5, 4), total_tax=Decimal("150.00"))
    refused = api.call("POST", "/periods/validate", json=period(5))
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "purchases_to_review"
    assert [(p["id"], p["invoice_number"], p["issue_date"]) for p in body["purchases"]] == [
        (waiting, "FA-42", "2026-05-04")
    ]
    assert body["purchases"][0]["reasons"]
    journals = api.call("GET", "/journals", params=period(5)).json()
    assert journals["journals"][0]["validated"] == 0 and journals["purchases_to_review"] == 1


def test_an_export_without_validated_entries_is_refused(api: Api) -> None:
    api.book("FA-51", date(2026, 4, 3))
    refused = api.call("POST", "/exports", json={**period(4), "format": "fec", "separator": "tab"})
    assert refused.status_code == 409, refused.text
    assert refused.json() == {
        "error": "nothing_to_export",
        "reason": "no validated entry from 2026-04-01 to 2026-04-30; 1 entries of the period are not "
        "validated yet: validate the period first",
        "not_validated": 1,
    }


def test_nothing_to_validate_answers_zero_counts(api: Api) -> None:
    for _ in range(2):
        answer = api.call("POST", "/periods/validate", json=period(1, 2020))
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "period": {"from": "2020-01-01", "to": "2020-01-31"},
            "validated_at": None,
            "entries_validated": 0,
            "purchases_locked": 0,
            "already_validated": 0,
            "journals": [],
        }


@pytest.mark.parametrize(
    ("call", "error", "reason"),
    [
        (("GET", "/journals", {"params": {"from": "2026-02-10", "to": "2026-02-01"}}), "invalid_input",
         "invalid period '2026-02-10..2026-02-01': it ends before it starts"),
        (("GET", "/entries/preview", {"params": {"from": "2026-02-30", "to": "2026-03-01"}}),
         "invalid_request", None),
        (("POST", "/periods/validate", {"json": {"from": "2026-02-01"}}), "invalid_request", None),
        (("POST", "/exports", {"json": {**period(2), "format": "xlsx"}}), "invalid_request", None),
        (("GET", "/exports/999999", {}), "not_found", "no export 999999 in this company"),
        (("GET", "/exports/0/file", {}), "invalid_request", None),
    ],
)  # fmt: skip
def test_bad_requests_say_why(
    api: Api, call: tuple[str, str, dict[str, Any]], error: str, reason: str | None
) -> None:
    method, path, kw = call
    answer = api.call(method, path, **kw)
    assert answer.status_code == (404 if error == "not_found" else 422), answer.text
    assert answer.json()["error"] == error
    if reason is not None:
        assert answer.json()["reason"] == reason


def test_the_exports_switch_decides_for_company_admins(api: Api) -> None:
    refused = api.call("GET", "/journals", role=TokenRole.COMPANY_ADMIN, params=period(3))
    assert refused.status_code == 403
    assert refused.json()["reason"] == "company_admin may not exports for company 'acme'"
    table = {
        "firm_user": {"exports": True, "accounting": True},
        "company_admin": {"exports": True, "accounting": False},
        "company_user": {"exports": False, "accounting": False},
    }
    assert api.call("PUT", "/access", role=TokenRole.FIRM_ADMIN, json=table).status_code == 200
    try:
        assert api.call("GET", "/journals", role=TokenRole.COMPANY_ADMIN, params=period(3)).status_code == 200
        validate = api.call("POST", "/periods/validate", role=TokenRole.COMPANY_ADMIN, json=period(3))
        assert validate.status_code == 200, validate.text
    finally:
        table["company_admin"]["exports"] = False
        assert api.call("PUT", "/access", role=TokenRole.FIRM_ADMIN, json=table).status_code == 200
    assert api.call("GET", "/exports", role=TokenRole.COMPANY_ADMIN).status_code == 403


def pull(api: Api, **params: str | int) -> dict[str, Any]:
    url = f"{api.server.api_url}/api/v1/companies/{SIRETS[0]}/entries"
    answer = httpx.get(
        url, params=params, headers=bearer(api.tokens[TokenRole.ACCOUNTING_SOFTWARE]), timeout=30
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_pulled_pages_neither_miss_nor_repeat_while_periods_are_validated(api: Api) -> None:
    start = pull(api, limit=500)
    assert not start["has_more"]
    cursor = start["next_cursor"]
    days = [date(2025, 3, day) for day in range(1, 8)]
    for day in days:
        api.book(f"PULL-{day.day}-a", day)
        api.book(f"PULL-{day.day}-b", day)
    later = iter(days)
    seen: list[int] = []
    while True:
        page = pull(api, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [entry["id"] for entry in page["entries"]]
        cursor = page["next_cursor"]
        following = next(later, None)
        if following is not None:  # a validation between two pages
            one_day = {"from": str(following), "to": str(following)}
            answer = api.call("POST", "/periods/validate", json=one_day)
            assert answer.json()["entries_validated"] == 2
        elif not page["has_more"]:
            break
    with api.server.storage.sessions() as session:
        expected = session.scalars(
            select(JournalEntry.id)
            .where(JournalEntry.piece_ref.like("PULL-%"))
            .order_by(JournalEntry.validated_at, JournalEntry.id)
        ).all()
    assert len(expected) == 14
    assert seen == list(expected)


def test_a_pulled_entry_links_to_its_purchase_and_documents(api: Api) -> None:
    purchase_id = api.book("LINK-1", date(2025, 2, 3))
    api.call("POST", "/periods/validate", json=period(2, 2025))
    page = pull(api, validated_since="2000-01-01T00:00:00Z", limit=500)
    [entry] = [entry for entry in page["entries"] if entry["piece_ref"] == "LINK-1"]
    with api.server.storage.sessions() as session:
        document = session.scalars(select(Document).where(Document.purchase_id == purchase_id)).one()
        stored = session.scalars(select(JournalEntry).where(JournalEntry.purchase_id == purchase_id)).one()
        lines = [(line.account, f"{line.debit:.2f}", f"{line.credit:.2f}") for line in stored.lines]
    assert entry["purchase"] == f"/api/v1/companies/acme/purchases/{purchase_id}"
    assert entry["documents"] == [
        {
            "id": document.id,
            "filename": document.filename,
            "booking": "purchase",
            "file": f"/api/v1/companies/acme/documents/{document.id}/file",
        }
    ]
    assert (entry["id"], entry["number"]) == (stored.id, stored.number)
    assert entry["validated_at"].endswith("Z") or entry["validated_at"].endswith("+00:00")
    assert entry["total_debit"] == entry["total_credit"] == "1200.00"
    assert [(line["account"], line["debit"], line["credit"]) for line in entry["lines"]] == lines


def test_the_accounting_software_follows_the_links_of_what_it_pulled_and_no_further(api: Api) -> None:
    purchase_id = api.book("LINK-2", date(2025, 4, 3))
    pending_id = api.book("LINK-3", date(2025, 5, 3))
    pdf = small_pdf("LINK-2")
    with api.server.storage.sessions.begin() as session:
        for document in session.scalars(select(Document).where(Document.purchase_id == purchase_id)):
            document.sha256 = api.server.storage.blobs.put(pdf).sha256
    api.call("POST", "/periods/validate", json=period(4, 2025))
    page = pull(api, validated_since="2000-01-01T00:00:00Z", limit=500)
    [entry] = [entry for entry in page["entries"] if entry["piece_ref"] == "LINK-2"]
    software = bearer(api.tokens[TokenRole.ACCOUNTING_SOFTWARE])

    def follow(path: str) -> httpx.Response:
        return httpx.get(api.server.api_url + path, headers=software, timeout=30)

    purchase = follow(entry["purchase"])
    assert purchase.status_code == 200, purchase.text
    assert purchase.json()["invoice_number"] == "LINK-2"
    [document] = entry["documents"]
    assert follow(document["file"]).content == pdf
    hidden = follow(f"/api/v1/companies/acme/purchases/{pending_id}")  # not validated: not within reach
    assert hidden.status_code == 404
    assert hidden.json() == {
        "error": "not_found",
        "reason": f"no validated purchase {pending_id} in this company",
    }
    assert follow("/api/v1/companies/acme/purchases").status_code == 403


@pytest.mark.parametrize(
    ("params", "error", "field"),
    [
        ({"cursor": "garbage!"}, "invalid_cursor", None),
        ({"validated_since": "2026-11-22T10:00:00"}, "invalid_input", "validated_since"),
        ({"validated_since": "yesterday"}, "invalid_request", None),
        ({"limit": 0}, "invalid_request", None),
        ({"limit": 501}, "invalid_request", None),
    ],
)
def test_a_bad_pull_is_refused_with_its_reason(
    api: Api, params: dict[str, str | int], error: str, field: str | None
) -> None:
    url = f"{api.server.api_url}/api/v1/companies/acme/entries"
    answer = httpx.get(
        url, params=params, headers=bearer(api.tokens[TokenRole.ACCOUNTING_SOFTWARE]), timeout=30
    )
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == error and body["reason"]
    if field is not None:
        assert body["field"] == field
