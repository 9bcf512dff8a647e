"""The gate's verdict on every fixture mail, XML e-invoices, limits, and the wording of its replies."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.mails import oversize_pdf_mail
from parsers.filetype import FileKind
from parsers.gate import GatePolicy, RefusalCode, judge
from parsers.mime_scan import MimeLimits
from tests.parsers.test_filetype import CII, NOT_UBL, UBL
from tests.parsers.test_mime_scan import nested_forward
from tests.support import mail, small_pdf, zip_of

MAIL_DIR = Path(__file__).parents[2] / "fixtures" / "mail"
POLICY = GatePolicy()


def verdict_of(case: str) -> tuple[list[FileKind], list[str], list[str], RefusalCode | None]:
    verdict = judge((MAIL_DIR / f"{case}.eml").read_bytes(), POLICY)
    return (
        [p.kind for p in verdict.documents],
        [p.code.value for p in verdict.refused if p.code],
        [p.kind.value for p in verdict.skipped],
        verdict.refusal.code if verdict.refusal else None,
    )


@pytest.mark.parametrize(
    ("case", "documents", "refused", "skipped", "refusal"),
    [
        ("single-pdf", [FileKind.PDF], [], [], None),
        ("several-pdfs", [FileKind.PDF] * 3, [], [], None),
        ("forwarded", [FileKind.PDF], [], [], None),
        ("apple-inline-pdf", [FileKind.PDF], [], [], None),
        ("octet-stream-pdf", [FileKind.PDF], [], [], None),
        ("from-welyb", [FileKind.PDF], [], [], None),
        ("logo-signature", [FileKind.PDF], [], ["png", "png"], None),
        ("mixed", [FileKind.PDF], ["archive", "unsupported_type"], [], None),
        ("zip-only", [], ["archive"], [], RefusalCode.ARCHIVE),
        ("no-attachment", [], [], [], RefusalCode.NO_DOCUMENT),
        ("image-only-logo", [], [], ["png"], RefusalCode.NO_DOCUMENT),
    ],
)
def test_fixture_mails(
    case: str, documents: list[FileKind], refused: list[str], skipped: list[str], refusal: RefusalCode | None
) -> None:
    assert verdict_of(case) == (documents, refused, skipped, refusal)


def test_every_fixture_mail_has_a_verdict_test() -> None:
    tested = {
        "single-pdf", "several-pdfs", "forwarded", "apple-inline-pdf", "octet-stream-pdf", "from-welyb",
        "logo-signature", "mixed", "zip-only", "no-attachment", "image-only-logo",
    }  # fmt: skip
    assert {p.stem for p in MAIL_DIR.glob("*.eml")} == tested


def test_oversize_document_alone_is_refused_with_552() -> None:
    verdict = judge(oversize_pdf_mail(11 * 1024 * 1024), POLICY)
    assert verdict.refusal is not None
    assert verdict.refusal.code == RefusalCode.TOO_LARGE
    assert verdict.refusal.smtp_code == 552
    assert verdict.refusal.status == "5.3.4"


def test_xml_einvoices_are_documents_and_other_xml_is_not() -> None:
    raw = mail(
        [
            ("factur-x.xml", "text/xml", CII),
            ("ubl.xml", "application/xml", UBL),
            ("feed.xml", "application/xml", NOT_UBL),
        ]
    )
    verdict = judge(raw, POLICY)
    assert [p.kind for p in verdict.documents] == [FileKind.XML_CII, FileKind.XML_UBL]
    [other] = verdict.refused
    assert other.code == RefusalCode.UNSUPPORTED
    assert other.filename == "feed.xml"


def test_reply_is_ascii_multiline_and_lists_each_refused_part() -> None:
    raw = mail(
        [
            ("lot-été.zip", "application/zip", zip_of("a.pdf", small_pdf("a"))),
            ("notes.txt", "text/plain", b"hello\n" * 20),
        ]
    )
    verdict = judge(raw, POLICY)
    assert verdict.refusal is not None
    reply = verdict.refusal.reply()
    reply.encode("ascii")
    lines = reply.split("\r\n")
    assert lines[0] == (
        "554-5.6.1 ZIP archives are not accepted: attach the PDF files themselves (lot-ete.zip)."
    )
    assert lines[2].startswith("554-5.6.1 notes.txt is not an invoice format (ASCII text")
    assert lines[-1].startswith("554 5.6.1 notes.txt n'est pas un format de facture")
    assert verdict.refusal.reason.startswith("ZIP archives are not accepted")


def test_many_refused_parts_are_summarised() -> None:
    raw = mail([(f"{i}.zip", "application/zip", zip_of("a.pdf", b"%PDF-1.4")) for i in range(8)])
    refusal = judge(raw, POLICY).refusal
    assert refusal is not None
    assert len(refusal.lines) == 11
    assert refusal.lines[-1] == "... and 3 more refused attachment(s)."


def test_empty_attachment_is_refused() -> None:
    verdict = judge(mail([("vide.pdf", "application/pdf", b"")]), POLICY)
    assert verdict.refusal is not None
    assert verdict.refusal.code == RefusalCode.EMPTY
    assert "vide.pdf is empty." in verdict.refusal.lines


def test_too_deep_message_is_refused_as_too_complex() -> None:
    refusal = judge(nested_forward(20), GatePolicy(limits=MimeLimits(max_depth=12))).refusal
    assert refusal is not None
    assert refusal.code == RefusalCode.TOO_COMPLEX
    assert refusal.reply().startswith("554-5.6.0 Message too complex (parts nested more than 12 deep)")


def test_signature_parts_are_ignored() -> None:
    raw = mail(
        [("f.pdf", "application/pdf", small_pdf("s")), ("smime.p7s", "application/pkcs7-signature", b"0\x82")]
    )
    verdict = judge(raw, POLICY)
    assert len(verdict.parts) == 1
    assert verdict.refused == ()
