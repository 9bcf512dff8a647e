"""HTTP push over real sockets: the real runtime's uvicorn on loopback, a real httpx client, real tokens."""

from __future__ import annotations

import json
import smtplib
import socket
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from admin.settings import AdminSettings
from ingest.tokens import create_token, revoke_token
from store.models import (
    Channel,
    Company,
    Document,
    DocumentStatus,
    ImportEvent,
    ImportEventKind,
    MessageStatus,
    RawMessage,
)
from store.purchase_models import TokenRole
from tests.support import SIRETS, RunningServer, mail, small_pdf, start_server, zip_of

ROOT = Path(__file__).parents[2]
PDF = (ROOT / "fixtures" / "invoices" / "facture-simple.pdf").read_bytes()
BROKEN_PDF = b"%PDF-1.4\n" + b"\x00garbage" * 500
MIB = 1024 * 1024
ACCEPTED, BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND = 202, 400, 401, 403, 404
LENGTH_REQUIRED, TOO_LARGE, UNSUPPORTED, INVALID = 411, 413, 415, 422

DONE = {"read", "purchase_created", "duplicate", "twin", "failed"}


def documents_url(slug: str = "acme") -> str:
    return f"/api/v1/companies/{slug}/documents"


def new_token(
    server: RunningServer,
    name: str = "Welyb",
    role: TokenRole = TokenRole.PLATFORM,
    slugs: tuple[str, ...] = (),
) -> str:
    with server.storage.sessions.begin() as session:
        ids = [server_company_id(server, slug) for slug in slugs]
        return create_token(session, name=name, role=role, company_ids=ids)


def server_company_id(server: RunningServer, slug: str) -> int:
    with server.storage.sessions() as session:
        found = session.scalar(select(Company.id).where(Company.slug == slug))
        assert found is not None
        return found


@pytest.fixture
def secret(server: RunningServer) -> str:
    """A platform token for Welyb, reaching acme only."""
    return new_token(server, slugs=("acme",))


@pytest.fixture
def client(server: RunningServer, secret: str) -> Iterator[httpx.Client]:
    """An httpx client on the API, authenticated as the Welyb platform."""
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=server.api_url, headers=headers, timeout=60) as http:
        yield http


def push(
    client: httpx.Client,
    files: list[tuple[str, bytes, str]],
    slug: str = "acme",
    **fields: str,
) -> httpx.Response:
    data = {"platform": "Welyb", **fields}
    parts = [("files", (name, content, mime)) for name, content, mime in files]
    return client.post(documents_url(slug), data=data, files=parts)


def wait_done(client: httpx.Client, document_id: int, timeout: float = 60) -> dict[str, Any]:
    """Polls the document's status until it leaves "processing"."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(f"{documents_url()}/{document_id}")
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        if report["status"] != "processing":
            return report
        assert time.monotonic() < deadline, "document still processing"
        time.sleep(0.05)


def wait_final(client: httpx.Client, document_id: int, timeout: float = 60) -> dict[str, Any]:
    """Polls until the document is booked (or failed): no longer processing, nor merely read."""
    deadline = time.monotonic() + timeout
    report = wait_done(client, document_id, timeout)
    while report["status"] == "read" and time.monotonic() < deadline:
        time.sleep(0.05)
        report = wait_done(client, document_id, timeout)
    return report


def events(server: RunningServer, *kinds: ImportEventKind) -> list[ImportEvent]:
    with server.storage.sessions() as session:
        query = select(ImportEvent).where(ImportEvent.kind.in_(kinds)).order_by(ImportEvent.id)
        return list(session.scalars(query))


def stored_documents(server: RunningServer) -> list[Document]:
    with server.storage.sessions() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def test_pushed_pdf_is_stored_then_read_and_its_status_polled(
    server: RunningServer, client: httpx.Client
) -> None:
    answer = push(
        client,
        [("facture.pdf", PDF, "application/pdf")],
        external_reference="GED-2026-0042",
        due_date="2026-03-31",
    )
    assert answer.status_code == ACCEPTED, answer.text
    body = answer.json()
    [pushed] = body["documents"]
    assert pushed["filename"] == "facture.pdf"
    assert pushed["status"] == "pending"
    assert body["refused"] == []
    report = wait_done(client, pushed["id"])
    assert report["status"] in {"read", "purchase_created"}, report
    report = wait_final(client, pushed["id"])
    assert report["status"] == "purchase_created"
    assert report["external_reference"] == "GED-2026-0042"
    assert report["failure"] is None
    assert report["id"] == pushed["id"]
    assert report["purchase_id"] is not None
    [document] = stored_documents(server)
    assert document.external_reference == "GED-2026-0042"
    assert document.due_date_hint == date(2026, 3, 31)
    assert document.filename == "facture.pdf"
    assert document.kind == "pdf"
    assert server.storage.blobs.get(document.sha256) == PDF
    with server.storage.sessions() as session:
        [message] = session.scalars(select(RawMessage))
    assert message.id == body["message_id"]
    assert (message.channel, message.source_platform, message.helo) == (Channel.HTTP, "Welyb", "http")
    assert message.envelope_to == ["acme@achats.factures-meg.fr"]
    assert message.peer == "127.0.0.1"
    assert message.status == MessageStatus.PROCESSED
    assert b"X-Collecte-External-Reference: GED-2026-0042" in server.storage.blobs.get(message.sha256)


def test_two_files_in_one_push_give_two_documents(client: httpx.Client) -> None:
    files = [("a.pdf", small_pdf("a"), "application/pdf"), ("b.pdf", small_pdf("b"), "application/pdf")]
    answer = push(client, files)
    assert answer.status_code == ACCEPTED, answer.text
    ids = [document["id"] for document in answer.json()["documents"]]
    assert len(set(ids)) == 2
    assert [document["filename"] for document in answer.json()["documents"]] == ["a.pdf", "b.pdf"]


def test_the_same_file_pushed_twice_is_stored_twice(server: RunningServer, client: httpx.Client) -> None:
    first = push(client, [("facture.pdf", PDF, "application/pdf")])
    second = push(client, [("facture.pdf", PDF, "application/pdf")])
    assert (first.status_code, second.status_code) == (ACCEPTED, ACCEPTED)
    assert first.json()["message_id"] != second.json()["message_id"]
    assert server.message_count() == 2
    first_report = wait_final(client, first.json()["documents"][0]["id"])
    later = wait_final(client, second.json()["documents"][0]["id"])
    assert (first_report["status"], later["status"]) == ("purchase_created", "duplicate")
    assert later["purchase_id"] == first_report["purchase_id"]
    [duplicate] = events(server, ImportEventKind.DUPLICATE)
    assert duplicate.reason == f"duplicate of purchase {first_report['purchase_id']} (same file)"
    assert (duplicate.channel, duplicate.source_platform) == (Channel.HTTP, "Welyb")


def test_a_file_mailed_then_pushed_is_a_duplicate_across_channels(
    server: RunningServer, client: httpx.Client
) -> None:
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as smtp:
        smtp.sendmail(
            "compta@fournisseur.fr",
            ["acme@achats.factures-meg.fr"],
            mail([("f.pdf", "application/pdf", PDF)]),
        )
    deadline = time.monotonic() + 60
    while not (mailed := [d for d in stored_documents(server) if d.purchase_id is not None]):
        assert time.monotonic() < deadline, "mailed invoice not booked"
        time.sleep(0.05)
    answer = push(client, [("facture.pdf", PDF, "application/pdf")])
    assert answer.status_code == ACCEPTED, answer.text
    report = wait_final(client, answer.json()["documents"][0]["id"])
    assert (report["status"], report["purchase_id"]) == ("duplicate", mailed[0].purchase_id)


def test_file_names_are_for_display_only(client: httpx.Client) -> None:
    files = [
        ("../../etc/passwd.pdf", small_pdf("x"), "application/pdf"),
        ("C:\\Users\\compta\\facture 12.pdf", small_pdf("y"), "application/pdf"),
    ]
    answer = push(client, files)
    assert answer.status_code == ACCEPTED, answer.text
    assert [d["filename"] for d in answer.json()["documents"]] == ["passwd.pdf", "facture 12.pdf"]


@pytest.mark.parametrize(
    ("authorization", "challenge"),
    [
        (None, 'Bearer realm="collecte"'),
        ("Basic dXNlcjpwYXNz", 'Bearer realm="collecte"'),
        ("Bearer clt_not-a-real-token", 'Bearer realm="collecte", error="invalid_token"'),
        ("Bearer nothing-like-ours", 'Bearer realm="collecte", error="invalid_token"'),
    ],
)
def test_push_without_a_valid_token_is_refused(
    server: RunningServer, authorization: str | None, challenge: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    with httpx.Client(base_url=server.api_url, headers=headers, timeout=30) as anonymous:
        answer = push(anonymous, [("facture.pdf", PDF, "application/pdf")])
        status = anonymous.get(f"{documents_url()}/1")
    assert answer.status_code == UNAUTHORIZED
    assert answer.headers["WWW-Authenticate"] == challenge
    assert answer.json()["error"] == "unauthorized"
    assert answer.json()["reason"]
    assert status.status_code == UNAUTHORIZED
    assert server.message_count() == 0


def test_revoked_token_is_refused(server: RunningServer, client: httpx.Client) -> None:
    assert push(client, [("a.pdf", small_pdf("a"), "application/pdf")]).status_code == ACCEPTED
    with server.storage.sessions.begin() as session:
        revoke_token(session, 1)
    answer = push(client, [("b.pdf", small_pdf("b"), "application/pdf")])
    assert answer.status_code == UNAUTHORIZED
    assert answer.json() == {"error": "unauthorized", "reason": "the API token is unknown or revoked"}
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_company_outside_the_token_and_unknown_company_get_the_same_404(
    server: RunningServer, client: httpx.Client
) -> None:
    server.add_company("Other SARL", SIRETS[1], "other")
    outside = push(client, [("f.pdf", PDF, "application/pdf")], slug="other")
    missing = push(client, [("f.pdf", PDF, "application/pdf")], slug="nobody")
    assert (outside.status_code, missing.status_code) == (NOT_FOUND, NOT_FOUND)
    assert outside.json() == {"error": "not_found", "reason": "no company 'other'"}
    assert missing.json() == {"error": "not_found", "reason": "no company 'nobody'"}
    assert client.get(documents_url("other")).json() == {"error": "not_found", "reason": "no company 'other'"}
    assert server.message_count() == 0


def test_platform_field_must_name_the_tokens_platform(server: RunningServer, client: httpx.Client) -> None:
    other = push(client, [("f.pdf", PDF, "application/pdf")], platform="Dext")
    assert other.status_code == FORBIDDEN
    assert other.json()["error"] == "platform_mismatch"
    assert "'Welyb'" in other.json()["reason"]
    assert push(client, [("f.pdf", PDF, "application/pdf")], platform="WELYB").status_code == ACCEPTED
    with server.storage.sessions() as session:
        assert session.scalar(select(RawMessage.source_platform)) == "Welyb"


def test_only_platform_and_firm_admin_tokens_push(server: RunningServer) -> None:
    user = new_token(server, name="Marie", role=TokenRole.COMPANY_USER, slugs=("acme",))
    admin = new_token(server, name="Cabinet", role=TokenRole.FIRM_ADMIN)
    with httpx.Client(base_url=server.api_url, timeout=30) as http:
        refused = http.post(
            documents_url(),
            headers={"Authorization": f"Bearer {user}"},
            data={"platform": "Marie"},
            files=[("files", ("f.pdf", PDF, "application/pdf"))],
        )
        pushed = http.post(
            documents_url(),
            headers={"Authorization": f"Bearer {admin}"},
            data={"platform": "Docuware"},
            files=[("files", ("f.pdf", PDF, "application/pdf"))],
        )
        unnamed = http.post(
            documents_url(),
            headers={"Authorization": f"Bearer {admin}"},
            files=[("files", ("f.pdf", PDF, "application/pdf"))],
        )
    assert refused.status_code == FORBIDDEN
    assert refused.json()["error"] == "forbidden"
    assert pushed.status_code == ACCEPTED, pushed.text
    assert unnamed.status_code == INVALID
    assert unnamed.json()["error"] == "missing_field"
    with server.storage.sessions() as session:
        assert session.scalar(select(RawMessage.source_platform)) == "Docuware"


def test_zip_is_refused_with_the_gates_reason(server: RunningServer, client: httpx.Client) -> None:
    answer = push(client, [("factures.zip", zip_of("facture.pdf", PDF), "application/pdf")])
    assert answer.status_code == UNSUPPORTED
    body = answer.json()
    assert body["error"] == "archive"
    assert body["reason"] == "ZIP archives are not accepted: attach the PDF files themselves (factures.zip)."
    assert body["refused"][0]["code"] == "archive"
    assert server.message_count() == 0
    [refused] = events(server, ImportEventKind.REFUSED)
    assert (refused.channel, refused.source_platform, refused.reason_code) == (
        Channel.HTTP,
        "Welyb",
        "archive",
    )
    [part] = events(server, ImportEventKind.PART_REFUSED)
    assert part.raw_message_id is None
    assert part.filename == "factures.zip"


def test_file_over_10_mib_is_refused_with_413(server: RunningServer, client: httpx.Client) -> None:
    oversize = b"%PDF-1.4\n" + b"0" * (10 * MIB + 1 - 9)
    answer = push(client, [("gros.pdf", oversize, "application/pdf")])
    assert answer.status_code == TOO_LARGE
    body = answer.json()
    assert body["error"] == "too_large"
    assert body["reason"].startswith("gros.pdf is 10.0 MB, over the 10 MB limit per document")
    assert server.message_count() == 0


def test_much_larger_file_is_judged_on_its_real_size(client: httpx.Client) -> None:
    answer = push(client, [("scan.pdf", b"%PDF-1.4\n" + b"0" * (15 * MIB), "application/pdf")])
    assert answer.status_code == TOO_LARGE
    assert answer.json()["reason"].startswith("scan.pdf is 15.0 MB")


def test_mixed_push_keeps_the_pdf_and_logs_the_zip(server: RunningServer, client: httpx.Client) -> None:
    files = [
        ("facture.pdf", PDF, "application/pdf"),
        ("archive.zip", zip_of("f.pdf", PDF), "application/zip"),
    ]
    answer = push(client, files)
    assert answer.status_code == ACCEPTED, answer.text
    body = answer.json()
    assert len(body["documents"]) == 1
    [refused] = body["refused"]
    assert (refused["filename"], refused["code"]) == ("archive.zip", "archive")
    assert refused["reason"].startswith("ZIP archives are not accepted")
    [accepted] = events(server, ImportEventKind.ACCEPTED)
    [part] = events(server, ImportEventKind.PART_REFUSED)
    for event in (accepted, part):
        assert event.channel == Channel.HTTP
        assert event.source_platform == "Welyb"
        assert event.sender == "Welyb"
        assert event.raw_message_id == body["message_id"]
        assert event.peer == "127.0.0.1"
    assert (part.reason_code, part.filename) == ("archive", "archive.zip")


def test_bad_fields_are_422_with_a_reason(client: httpx.Client) -> None:
    bad_date = push(client, [("f.pdf", PDF, "application/pdf")], due_date="31/03/2026")
    assert bad_date.status_code == INVALID
    assert bad_date.json() == {
        "error": "invalid_field",
        "reason": "due_date must be a date as YYYY-MM-DD, not '31/03/2026'",
        "field": "due_date",
    }
    assert push(client, [("f.pdf", PDF, "application/pdf")], due_date="2026-02-30").status_code == INVALID
    long_reference = push(client, [("f.pdf", PDF, "application/pdf")], external_reference="x" * 201)
    assert long_reference.status_code == INVALID
    assert long_reference.json()["field"] == "external_reference"
    no_file = client.post(documents_url(), data={"platform": "Welyb"}, files=[("x", ("", b"", ""))])
    assert no_file.status_code in (INVALID, UNSUPPORTED)
    assert set(no_file.json()) >= {"error", "reason"}


def test_validation_errors_of_the_framework_are_json_too(client: httpx.Client) -> None:
    answer = client.get(documents_url(), params={"limit": 500})
    assert answer.status_code == INVALID
    assert answer.json()["error"] == "invalid_request"
    assert answer.json()["reason"].startswith("limit: ")
    not_a_number = client.get(f"{documents_url()}/abc")
    assert not_a_number.status_code == INVALID
    assert "document_id" in not_a_number.json()["reason"]
    assert client.get("/api/v1/nothing").json() == {"error": "not_found", "reason": "Not Found"}


def test_body_over_the_bound_is_refused_before_it_is_sent(server: RunningServer, secret: str) -> None:
    bound = 20 * (10 * MIB + 64 * 1024)
    head = (
        f"POST {documents_url()} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {secret}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {bound + 1}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.api_port), timeout=30) as sock:
        sock.sendall(head.encode())
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413")
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["error"] == "request_too_large"
    assert body["max_bytes"] == bound


def test_chunked_body_without_length_is_refused(client: httpx.Client) -> None:
    answer = client.post(
        documents_url(),
        content=iter([b"--b\r\n"]),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert answer.status_code == LENGTH_REQUIRED
    assert answer.json()["error"] == "length_required"
    assert client.post(documents_url(), json={"platform": "Welyb"}).status_code == UNSUPPORTED


def test_too_many_files_in_one_push(tmp_path: Path) -> None:
    running = start_server(
        tmp_path / "var", admin=AdminSettings(api_host="127.0.0.1", api_port=0, http_max_files=2)
    )
    try:
        running.add_company("ACME SAS", SIRETS[0], "acme")
        token = new_token(running, slugs=("acme",))
        files = [(f"{i}.pdf", small_pdf(str(i)), "application/pdf") for i in range(3)]
        with httpx.Client(base_url=running.api_url, headers={"Authorization": f"Bearer {token}"}) as http:
            answer = push(http, files)
            assert push(http, files[:2]).status_code == ACCEPTED
    finally:
        running.stop()
    assert answer.status_code == TOO_LARGE
    assert answer.json() == {"error": "too_many_files", "reason": "push at most 2 files per request"}


def test_failed_document_reports_its_reason_and_is_listed(
    server: RunningServer, client: httpx.Client
) -> None:
    good = push(client, [("facture.pdf", PDF, "application/pdf")]).json()["documents"][0]["id"]
    broken = push(client, [("casse.pdf", BROKEN_PDF, "application/pdf")]).json()["documents"][0]["id"]
    report = wait_done(client, broken)
    assert report["status"] == "failed"
    assert report["failure"]["stage"] == "read"
    assert report["failure"]["reason"]
    wait_final(client, good)
    failed = client.get(documents_url(), params={"status": "failed"}).json()
    assert [d["id"] for d in failed["documents"]] == [broken]
    assert failed["total"] == 1
    everything = client.get(documents_url(), params={"limit": 1}).json()
    assert [d["id"] for d in everything["documents"]] == [broken]
    assert (everything["total"], everything["limit"], everything["offset"]) == (2, 1, 0)
    assert client.get(documents_url(), params={"offset": 1}).json()["documents"][0]["id"] == good
    past_any_integer = client.get(documents_url(), params={"offset": 2**70})
    assert past_any_integer.status_code == 422, past_any_integer.text
    assert past_any_integer.json()["reason"].startswith("offset: ")
    assert client.get(f"{documents_url()}/999").json() == {
        "error": "not_found",
        "reason": "no document 999 for company 'acme'",
    }
    with server.storage.sessions() as session:
        statuses = set(session.scalars(select(Document.status)))
    assert DocumentStatus.FAILED in statuses


def test_mail_documents_are_listed_too(server: RunningServer, client: httpx.Client) -> None:
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as smtp:
        smtp.sendmail("a@b.fr", ["acme@achats.factures-meg.fr"], mail([("m.pdf", "application/pdf", PDF)]))
    deadline = time.monotonic() + 30
    while not client.get(documents_url()).json()["documents"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    [listed] = client.get(documents_url()).json()["documents"]
    assert listed["filename"] == "m.pdf"
    assert listed["external_reference"] is None


def test_openapi_documents_the_push(server: RunningServer) -> None:
    schema = httpx.get(f"{server.api_url}/openapi.json", timeout=30).json()
    assert schema["info"]["title"] == "collecte"
    operation = schema["paths"]["/api/v1/companies/{slug}/documents"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert httpx.get(f"{server.api_url}/docs", timeout=30).status_code == 200


def test_types_are_decided_by_content_never_by_name_or_declared_type(
    server: RunningServer, client: httpx.Client
) -> None:
    files = [
        ("facture.txt", PDF, "multipart/mixed"),
        ("facture.pdf", b"Bonjour, voici le texte de la facture.\n" * 20, "application/pdf"),
    ]
    answer = push(client, files)
    assert answer.status_code == ACCEPTED, answer.text
    [document] = stored_documents(server)
    assert (document.filename, document.kind, document.declared_type) == (
        "facture.txt",
        "pdf",
        "multipart/mixed",
    )
    [refused] = answer.json()["refused"]
    assert (refused["filename"], refused["code"]) == ("facture.pdf", "unsupported_type")
    with server.storage.sessions() as session:
        [message] = session.scalars(select(RawMessage))
    raw = server.storage.blobs.get(message.sha256)
    assert b"Content-Type: application/octet-stream" in raw
    assert b"X-Collecte-Platform: Welyb" in raw
