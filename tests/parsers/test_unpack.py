"""Unpacking finds the same documents as the gate, opens winmail.dat, and keeps refusals with reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.tnef import winmail_dat
from parsers.filetype import FileKind
from parsers.gate import GatePolicy
from parsers.unpack import unpack
from tests.support import mail, small_pdf, zip_of

MAIL_DIR = Path(__file__).parents[2] / "fixtures" / "mail"
POLICY = GatePolicy()


@pytest.mark.parametrize(
    ("case", "documents"),
    [
        ("single-pdf", 1),
        ("several-pdfs", 3),
        ("forwarded", 1),
        ("apple-inline-pdf", 1),
        ("logo-signature", 1),
    ],
)
def test_fixture_mails(case: str, documents: int) -> None:
    unpacked = unpack((MAIL_DIR / f"{case}.eml").read_bytes(), POLICY)
    assert len(unpacked.documents) == documents
    assert all(d.kind == FileKind.PDF and d.payload.startswith(b"%PDF-") for d in unpacked.documents)


def test_winmail_dat_is_opened() -> None:
    pdf = small_pdf("tnef")
    container = winmail_dat([("facture.pdf", pdf), ("archive.zip", zip_of("a.pdf", pdf)), ("logo.png", b"")])
    unpacked = unpack(mail([("winmail.dat", "application/ms-tnef", container)]), POLICY)
    [document] = unpacked.documents
    assert (document.filename, document.kind, document.payload) == ("facture.pdf", FileKind.PDF, pdf)
    assert document.position.endswith("/1")
    assert [p.filename for p in unpacked.refused] == ["archive.zip", "logo.png"]


def test_damaged_winmail_dat_yields_nothing_and_does_not_crash() -> None:
    container = winmail_dat([("facture.pdf", small_pdf("x"))])[:40]
    unpacked = unpack(mail([("winmail.dat", "application/ms-tnef", container)]), POLICY)
    assert unpacked.documents == ()


def test_body_only_mail_has_no_document() -> None:
    assert unpack(mail([]), POLICY).documents == ()
