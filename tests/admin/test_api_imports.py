"""The import log and supervision over real sockets: mail by SMTP, pushes and admin calls by HTTP (httpx).

One server for the module; each test works in a company of its own, so that its counts are its own.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import smtplib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest
from sqlalchemy import select
from stdnum import luhn

from ingest.tokens import create_token
from purchases.books import load_books
from purchases.editing import mark_paid
from store.models import Channel, MessageStatus, RawMessage
from store.purchase_models import Payment, PaymentStatus, Purchase, PurchaseStatus, TokenRole
from tests.admin.api_matrix import bearer
from tests.purchases.books_db import book_fields, invoice
from tests.support import RunningServer, mail, small_pdf, start_server, zip_of

ROOT = Path(__file__).parents[2]
PDF = (ROOT / "fixtures" / "invoices" / "facture-simple.pdf").read_bytes()
ACCEPTED, CONFLICT, NOT_FOUND, INVALID, UNSUPPORTED = 202, 409, 404, 422, 415
REFUSED_CONTENT = 554
_numbers = itertools.count(20_000_001)


def new_siret() -> str:
    """A SIRET no other test company has (Luhn-valid, as its SIREN)."""
    siren = f"{next(_numbers):08d}"
    siren += luhn.calc_check_digit(siren)
    return siren + "0001" + luhn.calc_check_digit(siren + "0001")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """collecte with its SMTP server and HTTP API, for the whole module."""
    server = start_server(tmp_path_factory.mktemp("imports") / "var")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def admin(running: RunningServer) -> Iterator[httpx.Client]:
    """An httpx client on /api/v1 with a firm administrator's token."""
    with running.storage.sessions.begin() as session:
        secret = create_token(session, name="Cabinet", role=TokenRole.FIRM_ADMIN, company_ids=())
    with httpx.Client(base_url=f"{running.api_url}/api/v1", headers=bearer(secret), timeout=60) as client:
        yield client


def company(running: RunningServer, slug: str) -> int:
    """Adds a company of this slug; its id."""
    return running.add_company(f"{slug.title()} SAS", new_siret(), slug)


def address(slug: str) -> str:
    return f"{slug}@achats.factures-meg.fr"


def send(running: RunningServer, slug: str, raw: bytes, sender: str = "compta@fournisseur.fr") -> None:
    """Sends raw by SMTP to the company's collection address."""
    with smtplib.SMTP("127.0.0.1", running.port, timeout=30) as client:
        client.sendmail(sender, [address(slug)], raw)


def push(
    client: httpx.Client, slug: str, files: list[tuple[str, bytes]], platform: str = "Welyb"
) -> httpx.Response:
    parts = [("files", (name, data, "application/pdf")) for name, data in files]
    return client.post(f"/companies/{slug}/documents", data={"platform": platform}, files=parts)


def pushed(client: httpx.Client, slug: str, data: bytes, platform: str = "Welyb") -> tuple[int, int]:
    """Pushes one file; (message id, document id)."""
    answer = push(client, slug, [("facture.pdf", data)], platform)
    assert answer.status_code == ACCEPTED, answer.text
    body = answer.json()
    return body["message_id"], body["documents"][0]["id"]


def wait_until(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def get(client: httpx.Client, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def settled(client: httpx.Client, slug: str, count: int) -> Callable[[], bool]:
    """True once the company has count messages, none accepted or processing."""

    def check() -> bool:
        messages = get(client, f"/companies/{slug}/messages", limit=200)["messages"]
        return len(messages) == count and all(m["status"] in ("done", "failed") for m in messages)

    return check


def ids(page: dict[str, Any], key: str = "messages") -> set[int]:
    return {item["id"] for item in page[key]}


def message_ids(client: httpx.Client, slug: str, **params: Any) -> set[int]:
    return ids(get(client, f"/companies/{slug}/messages", **params))


def failed_to_unpack(running: RunningServer, company_id: int, raw: bytes) -> int:
    """Stores raw as a message of the company that the pipeline could not unpack; its id."""
    sha256 = running.storage.blobs.put(raw).sha256
    with running.storage.sessions.begin() as session:
        message = RawMessage(
            company_id=company_id,
            sha256=sha256,
            size=len(raw),
            envelope_from="compta@fournisseur.fr",
            envelope_to=["x@achats.factures-meg.fr"],
            peer="127.0.0.1",
            helo="fournisseur.fr",
            message_id=None,
            subject="Facture à déballer",
            received_at=datetime.now(UTC),
            channel=Channel.SMTP,
            source_platform="email",
            status=MessageStatus.ACCEPTED,
        )
        session.add(message)
        session.flush()
        message_id = message.id
    pipeline = running.runtime.pipeline
    assert pipeline is not None
    pipeline.fail_message(message_id, "unpack", "the MIME structure could not be walked", "Traceback...")
    return message_id


def test_refused_arrivals_show_in_the_import_log_with_their_reason(
    running: RunningServer, admin: httpx.Client
) -> None:
    company(running, "refus")
    raw = mail([("factures.zip", "application/zip", zip_of("f.pdf", small_pdf("z")))], to=address("refus"))
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(running, "refus", raw, sender="envoi@zip-fournisseur.fr")
    assert refused.value.smtp_code == REFUSED_CONTENT
    assert push(admin, "refus", [("archive.pdf", zip_of("f.pdf", PDF))]).status_code == UNSUPPORTED

    lines = get(admin, "/companies/refus/import-log", kind="refused")["lines"]
    assert [(line["channel"], line["platform"], line["sender"]) for line in lines] == [
        ("http", "Welyb", "Welyb"),
        ("smtp", "email", "envoi@zip-fournisseur.fr"),
    ]
    for line in lines:
        assert line["kind"] == "refused"
        assert line["message_id"] is None
        assert line["reason_code"] == "archive"
        assert line["reason"].startswith("ZIP archives are not accepted: attach the PDF files themselves")
    by_smtp = get(admin, "/companies/refus/import-log", channel="smtp")["lines"]
    assert {line["kind"] for line in by_smtp} == {"refused", "part_refused"}
    assert {line["filename"] for line in by_smtp} == {None, "factures.zip"}
    assert get(admin, "/companies/refus/messages") == {"messages": [], "total": 0, "next_cursor": None}


def test_each_filter_changes_the_messages_listed(running: RunningServer, admin: httpx.Client) -> None:
    company(running, "filtres")
    send(
        running,
        "filtres",
        mail([("a.pdf", "application/pdf", PDF)], to=address("filtres")),
        "alice@a-fournisseur.fr",
    )
    send(
        running,
        "filtres",
        mail([("b.pdf", "application/pdf", small_pdf("b"))], to=address("filtres")),
        "bob@b.fr",
    )
    pushed_id, _ = pushed(admin, "filtres", small_pdf("pushed"))
    wait_until(settled(admin, "filtres", 3))
    messages = {m["sender"]: m for m in get(admin, "/companies/filtres/messages")["messages"]}
    alice, bob = messages["alice@a-fournisseur.fr"]["id"], messages["bob@b.fr"]["id"]
    assert messages["Welyb"]["id"] == pushed_id
    [document] = messages["alice@a-fournisseur.fr"]["documents"]
    assert (document["status"], document["detail"]) == (
        "purchase_created",
        f"purchase {document['purchase_id']} created",
    )
    [failed] = messages["bob@b.fr"]["documents"]
    assert failed["status"] == "failed" and failed["failure"]["stage"] == "read"
    assert failed["detail"] == f"failed at read: {failed['failure']['reason']}"
    assert messages["bob@b.fr"]["reason"] == "1 of 1 documents failed"
    with running.storage.sessions.begin() as session:  # 00:30 in Paris on 11 March 2025
        session.get_one(RawMessage, bob).received_at = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)

    def listed(**params: Any) -> set[int]:
        return message_ids(admin, "filtres", **params)

    today = datetime.now(UTC).date()
    assert listed() == {alice, bob, pushed_id}
    assert listed(platform="email") == {alice, bob}
    assert listed(platform="WELYB") == {pushed_id}
    assert listed(platform="Pennylane") == set()
    assert listed(channel="http") == {pushed_id}
    assert listed(channel="smtp") == {alice, bob}
    assert listed(sender="ALICE@a-") == {alice}
    assert listed(sender="%") == set()
    assert listed(status="done") == {alice}
    assert listed(status="failed") == {bob, pushed_id}
    assert listed(status="processing") == listed(status="accepted") == set()
    assert listed(document_status="purchase_created") == {alice}
    assert listed(document_status="failed") == {bob, pushed_id}
    assert listed(received_from="2025-03-11", received_to="2025-03-11") == {bob}
    assert listed(received_to="2025-03-10") == set()
    assert listed(received_from=(today - timedelta(days=1)).isoformat()) == {alice, pushed_id}
    assert listed(received_from="2025-03-11", status="failed", channel="smtp") == {bob}
    log = get(admin, "/companies/filtres/import-log", platform="welyb")["lines"]
    assert {line["message_id"] for line in log} == {pushed_id}
    assert {line["kind"] for line in log} == {"accepted", "document_failed"}
    errors = get(admin, "/companies/filtres/errors")
    assert {error["message"]["id"] for error in errors["errors"]} == {bob, pushed_id}
    assert [e["message"]["id"] for e in get(admin, "/companies/filtres/errors", sender="bob")["errors"]] == [
        bob
    ]
    assert get(admin, "/companies/filtres/errors", stage="book")["total"] == 0
    assert get(admin, "/companies/filtres/errors", sender="bob")["total"] == 1
    assert get(admin, "/companies/filtres/errors", channel="http")["errors"][0]["message"]["id"] == pushed_id


def test_a_reversed_period_or_an_unknown_status_is_refused(
    running: RunningServer, admin: httpx.Client
) -> None:
    company(running, "periode")
    answer = admin.get(
        "/companies/periode/messages", params={"received_from": "2026-02-01", "received_to": "2026-01-31"}
    )
    assert answer.status_code == INVALID
    assert answer.json() == {
        "error": "invalid_input",
        "reason": "invalid received_from '2026-02-01': comes after received_to 2026-01-31",
        "field": "received_from",
    }
    answer = admin.get("/companies/periode/import-log", params={"kind": "lost"})
    assert answer.status_code == INVALID
    assert answer.json()["error"] == "invalid_request"
    assert answer.json()["reason"].startswith("kind.0: Input should be")


def test_pages_neither_miss_nor_repeat_lines_while_messages_arrive(
    running: RunningServer, admin: httpx.Client
) -> None:
    company(running, "pages")
    first = [pushed(admin, "pages", small_pdf(f"page-{n}"))[0] for n in range(5)]
    page = get(admin, "/companies/pages/messages", limit=2)
    seen = [message["id"] for message in page["messages"]]
    log_page = get(admin, "/companies/pages/import-log", limit=3)
    top_line = log_page["lines"][0]["id"]
    lines = [line["id"] for line in log_page["lines"]]
    later = [pushed(admin, "pages", small_pdf(f"later-{n}"))[0] for n in range(3)]
    while page["next_cursor"] is not None:
        page = get(admin, "/companies/pages/messages", limit=2, cursor=page["next_cursor"])
        seen += [message["id"] for message in page["messages"]]
    assert seen == sorted(first, reverse=True)
    while log_page["next_cursor"] is not None:
        log_page = get(admin, "/companies/pages/import-log", limit=3, cursor=log_page["next_cursor"])
        lines += [line["id"] for line in log_page["lines"]]
    everything = get(admin, "/companies/pages/import-log", limit=200, cursor=top_line + 1)["lines"]
    assert lines == [line["id"] for line in everything]
    assert len(lines) == len(set(lines))
    newest = get(admin, "/companies/pages/messages", limit=200)
    assert [message["id"] for message in newest["messages"]] == sorted(first + later, reverse=True)
    assert newest["total"] == 8 and newest["next_cursor"] is None


def test_the_raw_message_downloads_exactly_as_received(running: RunningServer, admin: httpx.Client) -> None:
    company(running, "brut")
    company(running, "voisin")
    raw = mail([("facture.pdf", "application/pdf", PDF)], to=address("brut"), subject="Facture brute")
    send(running, "brut", raw, "brut@fournisseur.fr")
    wait_until(lambda: bool(message_ids(admin, "brut")))
    [message_id] = message_ids(admin, "brut")
    answer = admin.get(f"/companies/brut/messages/{message_id}/raw")
    assert answer.status_code == 200
    assert hashlib.sha256(answer.content).hexdigest() == hashlib.sha256(raw).hexdigest()
    assert answer.headers["content-type"] == "message/rfc822"
    name = f"message-{message_id}.eml"
    assert (
        answer.headers["content-disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    )
    shown = get(admin, f"/companies/brut/messages/{message_id}")
    assert (shown["subject"], shown["sender"], shown["channel"]) == (
        "Facture brute",
        "brut@fournisseur.fr",
        "smtp",
    )
    elsewhere = admin.get(f"/companies/voisin/messages/{message_id}/raw")
    assert elsewhere.status_code == NOT_FOUND
    assert elsewhere.json() == {"error": "not_found", "reason": f"no message {message_id} in this company"}
    assert admin.get(f"/companies/voisin/messages/{message_id}").status_code == NOT_FOUND


HOSTILE = (
    "MIME-Version: 1.0\r\n"
    "From: compta@fournisseur.fr\r\n"
    "To: noms@achats.factures-meg.fr\r\n"
    "Subject: Noms\r\n"
    'Content-Type: multipart/mixed; boundary="b"\r\n'
    "\r\n"
    "--b\r\n"
    "Content-Type: text/plain\r\n\r\nBonjour\r\n"
    "{parts}"
    "--b--\r\n"
)
PART = (
    "--b\r\n"
    "Content-Type: application/pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename*=utf-8''{name}\r\n\r\n{data}\r\n"
)


def hostile_mail(files: list[tuple[str, bytes]]) -> bytes:
    """A message whose attachments carry these names (RFC 2231 encoded, so that any character passes)."""
    parts = "".join(
        PART.format(name=quote(name, safe=""), data=base64.encodebytes(data).decode().replace("\n", "\r\n"))
        for name, data in files
    )
    return HOSTILE.format(parts=parts).encode()


def test_a_document_downloads_under_a_harmless_name(running: RunningServer, admin: httpx.Client) -> None:
    company(running, "noms")
    company(running, "autres")
    files = [
        ("../../etc/passwd", small_pdf("passwd")),
        ('..\\..\\"fac"ture\r\nX-Evil: 1\r\n.pdf', small_pdf("quotes")),
        ("Facture été \u202efdp.exe", small_pdf("accents")),
    ]
    send(running, "noms", hostile_mail(files))
    wait_until(lambda: bool(message_ids(admin, "noms")))
    [message] = get(admin, "/companies/noms/messages")["messages"]
    documents = {document["filename"]: document["id"] for document in message["documents"]}
    assert set(documents) == {name for name, _ in files}
    expected = {
        "../../etc/passwd": ("passwd.pdf", "passwd.pdf"),
        '..\\..\\"fac"ture\r\nX-Evil: 1\r\n.pdf': ("fac_tureX-Evil_ 1.pdf", "fac_tureX-Evil_ 1.pdf"),
        "Facture été \u202efdp.exe": ("Facture ete fdp.exe.pdf", "Facture été fdp.exe.pdf"),
    }
    for name, data in files:
        answer = admin.get(f"/companies/noms/documents/{documents[name]}/file")
        assert answer.status_code == 200, answer.text
        assert answer.content == data
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["x-content-type-options"] == "nosniff"
        fallback, full = expected[name]
        disposition = answer.headers["content-disposition"]
        assert disposition.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
        assert unquote(disposition.rpartition("''")[2]) == full
        assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
    elsewhere = admin.get(f"/companies/autres/documents/{documents['../../etc/passwd']}/file")
    assert elsewhere.status_code == NOT_FOUND


def test_a_failed_booking_is_retried_into_a_purchase(running: RunningServer, admin: httpx.Client) -> None:
    company_id = company(running, "reprise")
    company(running, "ailleurs")
    with running.storage.sessions.begin() as session:  # a setting that booking refuses
        load_books(session, company_id).min_confidence = 5.0
    message_id, document_id = pushed(admin, "reprise", PDF)
    wait_until(lambda: get(admin, "/companies/reprise/errors")["total"] == 1)
    [error] = get(admin, "/companies/reprise/errors")["errors"]
    assert (error["document_id"], error["stage"], error["attempts"]) == (document_id, "book", 1)
    assert error["reason"] == "invalid minimum confidence '5.0': must be between 0 and 1"
    assert (error["message"]["id"], error["message"]["platform"]) == (message_id, "Welyb")
    assert get(admin, "/companies/reprise/errors", stage="book")["total"] == 1
    assert get(admin, "/companies/reprise/errors", stage="read")["total"] == 0
    assert admin.post(f"/companies/ailleurs/documents/{document_id}/retry").status_code == NOT_FOUND
    with running.storage.sessions.begin() as session:
        load_books(session, company_id).min_confidence = 0.6

    answer = admin.post(f"/companies/reprise/documents/{document_id}/retry")
    assert answer.status_code == ACCEPTED, answer.text
    body = answer.json()
    assert (body["stage"], body["sent"]) == ("book", True)
    assert body["document"]["id"] == document_id
    assert body["document"]["status"] in ("read", "purchase_created")

    def booked() -> bool:
        [document] = get(admin, f"/companies/reprise/messages/{message_id}")["documents"]
        return bool(document["status"] == "purchase_created")

    wait_until(booked)
    [document] = get(admin, f"/companies/reprise/messages/{message_id}")["documents"]
    with running.storage.sessions() as session:
        purchase = session.get_one(Purchase, document["purchase_id"])
        assert (purchase.company_id, purchase.source_platform) == (company_id, "Welyb")
    [retried] = get(admin, "/companies/reprise/import-log", kind="retried")["lines"]
    assert (retried["document_id"], retried["reason_code"]) == (document_id, "book")
    assert retried["reason"] == (
        "sent back to book after it failed at book: invalid minimum confidence '5.0': must be between 0 and 1"
    )
    assert get(admin, "/companies/reprise/errors")["total"] == 0
    again = admin.post(f"/companies/reprise/documents/{document_id}/retry")
    assert again.status_code == CONFLICT
    assert again.json() == {
        "error": "conflict",
        "reason": f"document {document_id} is purchase_created (purchase {purchase.id} created): "
        "only a failed document can be retried",
    }


def test_a_message_that_could_not_be_unpacked_is_unpacked_again(
    running: RunningServer, admin: httpx.Client
) -> None:
    company_id = company(running, "deballe")
    message_id = failed_to_unpack(running, company_id, mail([("f.pdf", "application/pdf", PDF)]))
    [shown] = get(admin, "/companies/deballe/messages", status="failed")["messages"]
    assert (shown["id"], shown["reason"], shown["documents"]) == (
        message_id,
        "unpack: the MIME structure could not be walked",
        [],
    )
    answer = admin.post(f"/companies/deballe/messages/{message_id}/retry")
    assert answer.status_code == ACCEPTED, answer.text
    assert (answer.json()["stage"], answer.json()["sent"]) == ("unpack", True)
    wait_until(lambda: message_ids(admin, "deballe", status="done") == {message_id})
    [document] = get(admin, f"/companies/deballe/messages/{message_id}")["documents"]
    assert document["status"] == "purchase_created"
    [retried] = get(admin, "/companies/deballe/import-log", kind="retried")["lines"]
    assert retried["reason"] == "sent back to unpack after it failed: the MIME structure could not be walked"
    again = admin.post(f"/companies/deballe/messages/{message_id}/retry")
    assert again.status_code == CONFLICT
    assert again.json()["reason"] == (
        f"message {message_id} was unpacked (retry its failed documents instead): "
        "only a message that could not be unpacked can be retried"
    )


DUE_DATES = (date(2020, 1, 15), date(2020, 2, 15), date(2099, 1, 15), None, date(2021, 5, 1))
"""Printed due dates: two overdue, one pending, one derived from today's issue date, one to be paid."""


def test_supervision_counts_equal_the_rows_created(running: RunningServer, admin: httpx.Client) -> None:
    company_id = company(running, "suivi")
    today = date.today()
    with running.storage.sessions.begin() as session:
        bookings = [
            book_fields(
                session,
                company_id,
                invoice(invoice_number=f"S-{n}", issue_date=today, due_date=due),
                today=today,
            )
            for n, due in enumerate(DUE_DATES)
        ]
        unsure = invoice(invoice_number="S-9", total_incl_tax=Decimal("1250.00"), due_date=date(2099, 3, 1))
        bookings.append(book_fields(session, company_id, unsure, today=today))
        mark_paid(session, company_id, bookings[-2].purchase_id, today, "virement")
    purchase_ids = [booked.purchase_id for booked in bookings]
    send(running, "suivi", mail([("f.pdf", "application/pdf", small_pdf("suivi-mail"))], to=address("suivi")))
    for n in range(2):
        pushed(admin, "suivi", small_pdf(f"suivi-{n}"), platform="GED Suivi")
    failed_to_unpack(running, company_id, mail([("g.pdf", "application/pdf", small_pdf("suivi-g"))]))
    wait_until(lambda: get(admin, "/companies/suivi/errors")["total"] == 3)

    with running.storage.sessions() as session:
        purchases = list(session.scalars(select(Purchase).where(Purchase.id.in_(purchase_ids))))
        payments = list(session.scalars(select(Payment).where(Payment.purchase_id.in_(purchase_ids))))
    unpaid = [p for p in payments if p.status == PaymentStatus.PENDING]
    overdue = [p for p in unpaid if p.due_date is not None and p.due_date < today]
    expected_review = sum(p.status == PurchaseStatus.TO_REVIEW for p in purchases)
    assert len(overdue) == 2 and len(unpaid) - len(overdue) == 3 and expected_review >= 1
    last = get(admin, "/companies/suivi/import-log", kind="accepted", limit=1)["lines"][0]

    line = get(admin, "/companies/suivi/supervision")
    assert line == {
        "slug": "suivi",
        "name": "Suivi SAS",
        "siret": line["siret"],
        "active": True,
        "last_import_at": last["at"],
        "last_import_platform": "GED Suivi",
        "to_review": expected_review,
        "documents_in_error": 3,
        "messages_in_error": 1,
        "pending_payments": len(unpaid) - len(overdue),
        "overdue_payments": len(overdue),
    }
    everyone = get(admin, "/supervision")
    assert [item for item in everyone if item["slug"] == "suivi"] == [line]
    assert [item["slug"] for item in everyone] == sorted(item["slug"] for item in everyone)
    with running.storage.sessions.begin() as session:
        own = create_token(session, name="Léa", role=TokenRole.COMPANY_USER, company_ids=(company_id,))
    mine = httpx.get(f"{running.api_url}/api/v1/supervision", headers=bearer(own), timeout=30)
    assert mine.json() == [line]
