"""SMTP front end over real sockets with smtplib: recipients, sizes, refusals, durability, concurrency."""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from io import BufferedRWPair
from pathlib import Path

import pytest
from sqlalchemy import select, text

from ingest.accept import Acceptor
from store.models import ImportEvent, ImportEventKind, RawMessage
from tests.support import SIRETS, RunningServer, mail, small_pdf, start_server, zip_of

OK = 250
RETRY = 451
TOO_MANY_RECIPIENTS = 452
UNKNOWN_MAILBOX = 550
TOO_BIG = 552
REFUSED_CONTENT = 554
MIB = 1024 * 1024


def deliver(
    port: int, raw: bytes, to: tuple[str, ...] = ("acme@achats.factures-meg.fr",), sender: str = "a@b.fr"
) -> tuple[int, str]:
    """Sends raw with smtplib and returns the reply to DATA as (code, text)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.ehlo("client.test")
        code, _ = client.mail(sender)
        assert code == OK
        for address in to:
            code, reply = client.rcpt(address)
            assert code == OK, reply
        code, reply = client.data(raw)
        return code, reply.decode()


def events(server: RunningServer, kind: ImportEventKind) -> list[ImportEvent]:
    with server.storage.sessions() as session:
        return list(session.scalars(select(ImportEvent).where(ImportEvent.kind == kind)))


def stored(server: RunningServer) -> list[RawMessage]:
    with server.storage.sessions() as session:
        return list(session.scalars(select(RawMessage).order_by(RawMessage.id)))


def pdf_mail(marker: str = "facture", **kwargs: str) -> bytes:
    return mail([(f"{marker}.pdf", "application/pdf", small_pdf(marker))], subject=marker, **kwargs)


def test_ehlo_advertises_size_and_enhanced_status_codes(server: RunningServer) -> None:
    with smtplib.SMTP("127.0.0.1", server.port) as client:
        client.ehlo("client.test")
        assert client.esmtp_features["size"] == str(25 * MIB)
        assert "enhancedstatuscodes" in client.esmtp_features


@pytest.mark.parametrize(
    "address",
    ["nobody@achats.factures-meg.fr", "acme@example.com", "acme@evil-factures-meg.fr", "not-an-address"],
)
def test_unknown_recipient_is_refused_naming_the_address(server: RunningServer, address: str) -> None:
    with smtplib.SMTP("127.0.0.1", server.port) as client:
        client.ehlo("client.test")
        client.mail("a@b.fr")
        code, reply = client.rcpt(address)
    assert code == UNKNOWN_MAILBOX
    assert reply.decode().startswith("5.1.1 ")
    assert address in reply.decode()


def test_inactive_company_is_refused(server: RunningServer) -> None:
    server.add_company("Dormant SARL", SIRETS[1], "dormant")
    with server.storage.sessions.begin() as session:
        session.execute(text("UPDATE companies SET active = 0 WHERE slug = 'dormant'"))
    with smtplib.SMTP("127.0.0.1", server.port) as client:
        client.ehlo("client.test")
        client.mail("a@b.fr")
        assert client.rcpt("dormant@achats.factures-meg.fr")[0] == UNKNOWN_MAILBOX


@pytest.mark.parametrize(
    "address",
    ["acme@factures-meg.fr", "ACME@Achats.Factures-Meg.FR", "acme+fournisseurs@achats.factures-meg.fr"],
)
def test_legacy_domain_case_and_plus_addressing_reach_the_company(
    server: RunningServer, address: str
) -> None:
    code, reply = deliver(server.port, pdf_mail(), to=(address,))
    assert code == OK, reply
    [message] = stored(server)
    assert message.envelope_to == [address]


def test_too_many_recipients(tmp_path: Path) -> None:
    running = start_server(tmp_path / "var", max_recipients=2)
    try:
        running.add_company("ACME SAS", SIRETS[0], "acme")
        with smtplib.SMTP("127.0.0.1", running.port) as client:
            client.ehlo("client.test")
            client.mail("a@b.fr")
            assert client.rcpt("acme@achats.factures-meg.fr")[0] == OK
            assert client.rcpt("acme+2@achats.factures-meg.fr")[0] == OK
            code, reply = client.rcpt("acme+3@achats.factures-meg.fr")
        assert code == TOO_MANY_RECIPIENTS
        assert reply.startswith(b"4.5.3")
    finally:
        running.stop()


def test_accepted_message_is_stored_byte_for_byte_before_250(server: RunningServer) -> None:
    raw = mail(
        [("f.pdf", "application/pdf", small_pdf("exact"))],
        subject="dots",
    ).replace(b"veuillez", b".leading dot line\r\n..two dots\r\n.\r\nveuillez")
    code, reply = deliver(server.port, raw, sender="compta@fournisseur.fr")
    assert code == OK
    [message] = stored(server)
    assert reply == f"2.0.0 Ok: stored as message {message.id}"
    assert server.storage.blobs.get(message.sha256) == raw
    assert message.size == len(raw)
    assert message.envelope_from == "compta@fournisseur.fr"
    assert message.helo == "client.test"
    assert message.peer == "127.0.0.1"
    assert message.channel == "smtp"
    assert message.source_platform == "email"
    assert message.subject == "dots"
    assert message.status == "accepted"
    [accepted] = events(server, ImportEventKind.ACCEPTED)
    assert accepted.raw_message_id == message.id


@pytest.mark.parametrize("sender", ["noreply@welyb.fr", "relay@mail.WELYB.fr"])
def test_source_platform_is_derived_from_the_sender(server: RunningServer, sender: str) -> None:
    assert deliver(server.port, pdf_mail(), sender=sender)[0] == OK
    assert stored(server)[0].source_platform == "Welyb"


def test_declared_size_over_limit_is_refused_at_mail_from(tmp_path: Path) -> None:
    running = start_server(tmp_path / "var", max_message_size=MIB)
    try:
        with smtplib.SMTP("127.0.0.1", running.port) as client:
            client.ehlo("client.test")
            code, reply = client.mail("a@b.fr", options=[f"SIZE={MIB + 1}"])
            assert code == TOO_BIG
            assert b"5.3.4" in reply
            assert b"1 MB" in reply
            assert client.mail("a@b.fr", options=[f"SIZE={MIB}"])[0] == OK
    finally:
        running.stop()


def test_data_over_limit_is_refused_and_the_session_goes_on(tmp_path: Path) -> None:
    running = start_server(tmp_path / "var", max_message_size=MIB)
    try:
        running.add_company("ACME SAS", SIRETS[0], "acme")
        big = mail([("big.pdf", "application/pdf", small_pdf("big", 2 * MIB))])
        with smtplib.SMTP("127.0.0.1", running.port) as client:
            client.ehlo("client.test")
            client.mail("a@b.fr")
            client.rcpt("acme@achats.factures-meg.fr")
            code, reply = client.data(big)
            assert code == TOO_BIG
            assert reply.startswith(b"5.3.4")
            client.mail("a@b.fr")
            client.rcpt("acme@achats.factures-meg.fr")
            assert client.data(pdf_mail())[0] == OK
        assert running.message_count() == 1
    finally:
        running.stop()


def test_zip_only_message_is_refused_with_a_readable_reason(server: RunningServer) -> None:
    raw = mail([("factures.zip", "application/zip", zip_of("f.pdf", small_pdf("z")))])
    code, reply = deliver(server.port, raw)
    assert code == REFUSED_CONTENT
    assert reply.startswith(
        "5.6.1 ZIP archives are not accepted: attach the PDF files themselves (factures.zip)."
    )
    assert "Les archives ZIP ne sont pas acceptees" in reply
    reply.encode("ascii")
    assert server.message_count() == 0
    [refused] = events(server, ImportEventKind.REFUSED)
    assert refused.reason_code == "archive"
    assert refused.sender == "a@b.fr"
    [part] = events(server, ImportEventKind.PART_REFUSED)
    assert part.filename == "factures.zip"
    assert part.raw_message_id is None


def test_archive_declared_as_pdf_is_still_an_archive(server: RunningServer) -> None:
    raw = mail([("facture.pdf", "application/pdf", zip_of("f.pdf", small_pdf("z")))])
    code, reply = deliver(server.port, raw)
    assert code == REFUSED_CONTENT
    assert "ZIP archives are not accepted" in reply


def test_oversize_document_is_refused(server: RunningServer) -> None:
    raw = mail([("scan.pdf", "application/pdf", small_pdf("huge", 11 * MIB))])
    code, reply = deliver(server.port, raw)
    assert code == TOO_BIG
    assert reply.startswith("5.3.4 scan.pdf is 11.0 MB, over the 10 MB limit per document")
    assert "au-dela de la limite de 10 Mo" in reply
    assert server.message_count() == 0


def test_mixed_message_is_accepted_and_refused_parts_logged(server: RunningServer) -> None:
    raw = mail(
        [
            ("facture.pdf", "application/pdf", small_pdf("m")),
            ("archive.zip", "application/zip", zip_of("x.pdf", small_pdf("x"))),
            ("notes.txt", "text/plain", b"just some notes\n" * 10),
        ]
    )
    code, _ = deliver(server.port, raw)
    assert code == OK
    [message] = stored(server)
    parts = {event.filename: event for event in events(server, ImportEventKind.PART_REFUSED)}
    assert set(parts) == {"archive.zip", "notes.txt"}
    assert parts["archive.zip"].reason_code == "archive"
    assert parts["notes.txt"].reason_code == "unsupported_type"
    assert parts["notes.txt"].reason is not None
    assert "is not an invoice format" in parts["notes.txt"].reason
    assert {event.raw_message_id for event in parts.values()} == {message.id}


def test_message_without_attachment_is_refused(server: RunningServer) -> None:
    code, reply = deliver(server.port, mail([]))
    assert code == REFUSED_CONTENT
    assert reply.startswith("5.6.0 No invoice attached")
    assert server.message_count() == 0


def open_data(sock: socket.socket) -> BufferedRWPair:
    """Talks SMTP by hand up to the 354 reply to DATA and returns the stream to send the message on."""
    stream = sock.makefile("rwb")
    stream.readline()
    for command in (
        b"HELO raw.test",
        b"MAIL FROM:<a@b.fr>",
        b"RCPT TO:<acme@achats.factures-meg.fr>",
        b"DATA",
    ):
        stream.write(command + b"\r\n")
        stream.flush()
        reply = stream.readline()
    assert reply.startswith(b"354")
    return stream


def test_empty_data_is_refused_not_hung(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        stream = open_data(sock)
        stream.write(b".\r\n")
        stream.flush()
        reply = stream.readline()
    assert reply.startswith(b"554-5.6.0 No invoice attached"), reply


def test_duplicate_delivery_is_stored_once(server: RunningServer) -> None:
    raw = pdf_mail("twice")
    first = deliver(server.port, raw)
    second = deliver(server.port, raw)
    [message] = stored(server)
    assert first == (OK, f"2.0.0 Ok: stored as message {message.id}")
    assert second == (OK, f"2.0.0 Ok: already stored as message {message.id}")
    [duplicate] = events(server, ImportEventKind.DUPLICATE)
    assert duplicate.raw_message_id == message.id


def test_one_message_for_two_companies_makes_two_rows_and_one_blob(server: RunningServer) -> None:
    server.add_company("Boulangerie Dupont", SIRETS[1], "dupont")
    to = ("acme@achats.factures-meg.fr", "dupont@factures-meg.fr", "acme+copie@achats.factures-meg.fr")
    code, reply = deliver(server.port, pdf_mail("shared"), to=to)
    assert code == OK
    first, second = stored(server)
    assert reply == f"2.0.0 Ok: stored as messages {first.id},{second.id}"
    assert first.sha256 == second.sha256
    assert first.company_id != second.company_id
    raw_blobs = [p for p in server.storage.blobs.root.rglob(first.sha256) if p.is_file()]
    assert raw_blobs == [server.storage.blobs.path_for(first.sha256)]


def _leftovers(server: RunningServer) -> list[Path]:
    return list(server.storage.blobs.root.rglob("*.part"))


def test_blob_store_failure_answers_451_and_leaves_nothing(server: RunningServer) -> None:
    root = server.storage.blobs.root
    root.mkdir(parents=True, exist_ok=True)
    (root / "tmp").write_bytes(b"a file where the temp folder should be")
    code, reply = deliver(server.port, pdf_mail("nospace"))
    assert code == RETRY
    assert reply.startswith("4.3.0 ")
    assert server.message_count() == 0
    assert [p for p in root.rglob("*") if p.is_file()] == [root / "tmp"]
    (root / "tmp").unlink()
    assert deliver(server.port, pdf_mail("nospace"))[0] == OK


def test_database_failure_answers_451_then_the_retry_is_stored(server: RunningServer) -> None:
    with server.storage.sessions.begin() as session:
        session.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON raw_messages "
                "BEGIN SELECT RAISE(ABORT, 'simulated disk full'); END"
            )
        )
    raw = pdf_mail("retry")
    assert deliver(server.port, raw)[0] == RETRY
    assert server.message_count() == 0
    assert events(server, ImportEventKind.ACCEPTED) == []
    assert _leftovers(server) == []
    with server.storage.sessions.begin() as session:
        session.execute(text("DROP TRIGGER refuse"))
    assert deliver(server.port, raw)[0] == OK
    [message] = stored(server)
    assert server.storage.blobs.get(message.sha256) == raw


def test_crash_in_acceptance_answers_451_not_5xx(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(Acceptor, "accept", explode)
    assert deliver(server.port, pdf_mail())[0] == RETRY


def test_fifty_concurrent_clients_each_sending_twenty(server: RunningServer) -> None:
    sent: dict[str, bytes] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        with smtplib.SMTP("127.0.0.1", server.port, timeout=120) as smtp:
            for index in range(20):
                raw = mail([("f.pdf", "application/pdf", small_pdf(f"c{number}-{index}", 4000))])
                try:
                    smtp.sendmail("a@b.fr", ["acme@achats.factures-meg.fr"], raw)
                except smtplib.SMTPException as exc:
                    with lock:
                        failures.append(f"{number}/{index}: {exc}")
                    continue
                with lock:
                    sent[f"{number}-{index}"] = raw

    threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(sent) == 1000
    messages = stored(server)
    assert len(messages) == 1000
    blobs = server.storage.blobs
    assert sorted(blobs.get(m.sha256) for m in messages) == sorted(sent.values())


def test_terminator_split_across_packets_and_long_lines(server: RunningServer) -> None:
    raw = mail([("f.pdf", "application/pdf", small_pdf("split"))]).replace(
        b"veuillez", b"x" * 3000 + b"\r\nline ending with a dot.\r\nveuillez"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        stream = open_data(sock)
        for piece in (raw[:-1], raw[-1:], b".", b"\r", b"\nQUIT\r\n"):
            stream.write(piece)
            stream.flush()
            time.sleep(0.05)
        reply = stream.readline()
        bye = stream.readline()
    assert reply.startswith(b"250 2.0.0 Ok: stored as message"), reply
    assert bye.startswith(b"221")
    [message] = stored(server)
    assert server.storage.blobs.get(message.sha256) == raw
