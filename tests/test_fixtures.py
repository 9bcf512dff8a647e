"""The golden fixtures are reproducible, coherent and valid, and have the shapes the other tests rely on."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from stdnum import iban
from stdnum.eu import vat
from stdnum.fr import siren, siret

from fixtures import generate
from fixtures.invoices import CASES, InvoiceCase
from fixtures.invoices import CONTRACT_KEYS as INVOICE_CONTRACT_KEYS
from fixtures.mails import MAIL_CASES, oversize_pdf_mail, pdf_mail

ROOT = Path(__file__).resolve().parent.parent
INVOICES = ROOT / "fixtures" / "invoices"
EINVOICES = ROOT / "fixtures" / "einvoices"
MAIL = ROOT / "fixtures" / "mail"
COLLECTION_ADDRESS = "acme@achats.factures-meg.fr"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTRACT_KEYS = set(INVOICE_CONTRACT_KEYS)
AMOUNT = re.compile(r"^\d+\.\d{2}$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Wording each PDF must print, besides its number, SIRET and TTC.
MENTIONS = {
    "facture-simple": ["FACTURE", "Date d'échéance : 11/02/2026", "Bon de commande"],
    "facture-multi-taux": ["30 janvier 2026", "1er mars 2026", "5,5 %", "10 %", "Montant TVA"],
    "facture-acompte": ["Acompte versé", "5 040,00 €", "Net à payer", "11 760,00 €"],
    "avoir": [
        "AVOIR",
        "Avoir n° AV-2026-0003",
        "Facture d'origine n° FA-2025-1187",
        "Date d'émission : 15/01/2026",
    ],
    "franchise-293b": ["TVA non applicable, art. 293 B du CGI"],
    "autoliquidation-btp": ["Autoliquidation", "283-2 nonies"],
    "intra-ue": ["BE0478123490", "directive 2006/112/CE", "BE21 0012 3456 7803"],
    "invoice-english": ["INVOICE", "Invoice date: 2026-01-31", "Due date: 2026-03-02", "€40"],
    "facture-deux-pages": ["Page 2", "45 jours fin de mois"],
}
MAIL_STRUCTURE = {
    "single-pdf": ["multipart/mixed", "text/plain", "application/pdf"],
    "several-pdfs": [
        "multipart/mixed",
        "text/plain",
        "application/pdf",
        "application/pdf",
        "application/pdf",
    ],
    "forwarded": [
        "multipart/mixed",
        "text/plain",
        "message/rfc822",
        "multipart/mixed",
        "text/plain",
        "application/pdf",
    ],
    "zip-only": ["multipart/mixed", "text/plain", "application/zip"],
    "mixed": ["multipart/mixed", "text/plain", "application/pdf", "application/zip", DOCX],
    "no-attachment": ["multipart/alternative", "text/plain", "text/html"],
    "apple-inline-pdf": [
        "multipart/alternative",
        "text/plain",
        "multipart/mixed",
        "text/html",
        "application/pdf",
        "text/html",
    ],
    "octet-stream-pdf": ["multipart/mixed", "text/plain", "application/octet-stream"],
    "logo-signature": [
        "multipart/mixed",
        "multipart/related",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "image/png",
        "application/pdf",
        "image/png",
    ],
    "image-only-logo": ["multipart/related", "multipart/alternative", "text/plain", "text/html", "image/png"],
    "from-welyb": ["multipart/mixed", "text/plain", "application/pdf"],
}
MAIL_INVOICES = {
    "single-pdf": ["facture-simple"],
    "several-pdfs": ["facture-simple", "facture-multi-taux", "avoir"],
    "forwarded": ["autoliquidation-btp"],
    "zip-only": ["facture-deux-pages", "facture-acompte"],
    "mixed": ["facture-acompte"],
    "no-attachment": [],
    "apple-inline-pdf": ["franchise-293b"],
    "octet-stream-pdf": ["intra-ue"],
    "logo-signature": ["facture-multi-taux"],
    "image-only-logo": [],
    "from-welyb": ["avoir"],
}
by_case = pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
by_mail = pytest.mark.parametrize("name", sorted(MAIL_CASES))


def expected(case: InvoiceCase) -> dict[str, Any]:
    """The committed truth of a case."""
    truth: dict[str, Any] = json.loads((INVOICES / f"{case.name}.expected.json").read_text(encoding="utf-8"))
    return truth


def pdf_text(case: InvoiceCase, *pages: str) -> str:
    """``pdftotext -layout`` of a committed PDF, no-break spaces read as spaces."""
    command = ["pdftotext", "-layout", *pages, str(INVOICES / f"{case.name}.pdf"), "-"]
    text = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def printed_amount(value: str, language: str) -> str:
    """How a contract amount is printed: ``1 234,56 €`` in French, ``€1,234.56`` in English."""
    if language == "en":
        return f"€{Decimal(value):,.2f}"
    whole, cents = value.split(".")
    return f"{int(whole):,}".replace(",", " ") + f",{cents} €"


def parse(data: bytes) -> EmailMessage:
    """Parse an email the way the application does."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def committed_mail(name: str) -> EmailMessage:
    """Parse a committed .eml."""
    return parse((MAIL / f"{name}.eml").read_bytes())


def payloads(message: EmailMessage) -> list[bytes]:
    """Decoded bytes of every non-text leaf part, ZIP members included."""
    found: list[bytes] = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() == "text":
            continue
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        found.append(data)
        if part.get_content_type() == "application/zip":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                found += [archive.read(member) for member in archive.namelist()]
    return found


def test_generator_reproduces_committed_files_in_a_fresh_process() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    command = [sys.executable, "-m", "fixtures.generate", "--check"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_build_all_matches_committed_files() -> None:
    built = generate.build_all()
    committed = {
        path.relative_to(ROOT) for folder in (INVOICES, EINVOICES, MAIL) for path in folder.iterdir()
    }
    assert set(built) == committed
    assert all((ROOT / path).read_bytes() == data for path, data in built.items())
    assert sum(len(data) for data in built.values()) < 2 * 1024 * 1024


def test_check_lists_changed_missing_and_unknown_files(tmp_path: Path) -> None:
    written = generate.write_all(tmp_path)
    assert generate.stale_files(tmp_path) == []
    changed, missing = written[0], written[-1]
    (tmp_path / changed).write_bytes((tmp_path / changed).read_bytes() + b"\n")
    (tmp_path / missing).unlink()
    unknown = Path("fixtures/mail/extra.eml")
    (tmp_path / unknown).write_bytes(b"x")
    assert generate.stale_files(tmp_path) == sorted([changed, missing, unknown])


@by_case
def test_expected_json_follows_the_contract(case: InvoiceCase) -> None:
    truth = expected(case)
    assert set(truth) == CONTRACT_KEYS
    assert truth["file"] == f"{case.name}.pdf"
    assert truth["document_type"] in {"invoice", "credit_note"}
    assert ISO_DATE.match(truth["issue_date"])
    assert truth["due_date"] is None or ISO_DATE.match(truth["due_date"])
    for key in ("total_excl_tax", "total_tax", "total_incl_tax", "amount_due"):
        assert AMOUNT.match(truth[key]), key
    for row in truth["vat_breakdown"]:
        assert set(row) == {"rate", "base", "amount"}
        assert all(AMOUNT.match(value) for value in row.values())
    assert " " not in truth["iban"]


@by_case
def test_amounts_add_up(case: InvoiceCase) -> None:
    truth = expected(case)
    excl, tax, incl, due = (
        Decimal(truth[key]) for key in ("total_excl_tax", "total_tax", "total_incl_tax", "amount_due")
    )
    assert excl + tax == incl
    assert incl - case.spec.prepayment == due
    assert sum((line.quantity * line.unit_price for line in case.spec.lines), Decimal(0)) == excl
    rows = truth["vat_breakdown"]
    for row in rows:
        rate, base = Decimal(row["rate"]), Decimal(row["base"])
        assert Decimal(row["amount"]) == (base * rate / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert sum((Decimal(row["amount"]) for row in rows), Decimal(0)) == tax
    assert sum((Decimal(row["base"]) for row in rows), Decimal(0)) == (excl if rows else 0)


def test_special_cases_have_their_specific_amounts() -> None:
    truths = {case.name: expected(case) for case in CASES}
    assert Decimal(truths["facture-acompte"]["amount_due"]) < Decimal(
        truths["facture-acompte"]["total_incl_tax"]
    )
    assert [row["rate"] for row in truths["facture-multi-taux"]["vat_breakdown"]] == [
        "20.00",
        "10.00",
        "5.50",
    ]
    assert truths["avoir"]["document_type"] == "credit_note"
    assert truths["intra-ue"]["supplier_siret"] is None
    assert truths["franchise-293b"]["supplier_vat"] is None
    for name in ("franchise-293b", "autoliquidation-btp", "intra-ue"):
        assert truths[name]["total_tax"] == "0.00"
        assert truths[name]["vat_breakdown"] == []


def rib_key_is_valid(number: str) -> bool:
    """Whether a French IBAN's RIB key matches its bank, branch and account codes."""
    account = number[14:25].translate(
        str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
    )
    key = 97 - (89 * int(number[4:9]) + 15 * int(number[9:14]) + 3 * int(account)) % 97
    return f"{key:02d}" == number[25:]


@by_case
def test_identifiers_are_valid(case: InvoiceCase) -> None:
    truth = expected(case)
    assert siren.is_valid(case.spec.customer.siren)
    assert iban.is_valid(truth["iban"])
    if truth["iban"].startswith("FR"):
        assert rib_key_is_valid(truth["iban"])
    if truth["supplier_vat"] is not None:
        assert vat.is_valid(truth["supplier_vat"])
    if truth["supplier_siret"] is not None:
        assert siret.is_valid(truth["supplier_siret"])
    if truth["supplier_siret"] is not None and truth["supplier_vat"] is not None:
        supplier_siren = int(truth["supplier_siret"][:9])
        assert truth["supplier_vat"] == f"FR{(12 + 3 * (supplier_siren % 97)) % 97:02d}{supplier_siren:09d}"


@by_case
def test_pdf_text_layer_shows_the_key_fields(case: InvoiceCase) -> None:
    truth = expected(case)
    text = pdf_text(case)
    assert truth["invoice_number"] in text
    assert truth["supplier_siret"] is None or truth["supplier_siret"] in text
    assert printed_amount(truth["total_incl_tax"], case.spec.language) in text
    for mention in MENTIONS[case.name]:
        assert mention in text, mention
    if case.spec.language == "fr":
        assert "indemnité forfaitaire pour frais de recouvrement de 40 €" in text


def test_two_page_invoice_has_its_totals_on_page_two() -> None:
    case = next(case for case in CASES if case.name == "facture-deux-pages")
    first, second = pdf_text(case, "-f", "1", "-l", "1"), pdf_text(case, "-f", "2", "-l", "2")
    assert "Total TTC" not in first
    assert "Total TTC" in second
    assert printed_amount(expected(case)["total_incl_tax"], "fr") in second
    assert "FIR-260145" in second


@by_mail
def test_mail_parses_with_the_expected_structure(name: str) -> None:
    raw = (MAIL / f"{name}.eml").read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    message = committed_mail(name)
    assert [part.get_content_type() for part in message.walk()] == MAIL_STRUCTURE[name]
    assert all(not part.defects for part in message.walk())
    assert message["To"] == COLLECTION_ADDRESS
    assert message["Date"] and message["Message-ID"]


@by_mail
def test_mail_carries_the_committed_invoice_pdfs(name: str) -> None:
    found = payloads(committed_mail(name))
    for case_name in MAIL_INVOICES[name]:
        assert (INVOICES / f"{case_name}.pdf").read_bytes() in found, case_name
    pdfs = [data for data in found if data.startswith(b"%PDF-")]
    assert len(pdfs) >= len(MAIL_INVOICES[name])


def test_zip_only_holds_two_pdfs_and_no_pdf_part() -> None:
    parts = [part for part in committed_mail("zip-only").walk() if not part.is_multipart()]
    assert [part.get_content_type() for part in parts].count("application/zip") == 1
    archive_bytes = next(
        part.get_payload(decode=True) for part in parts if part.get_content_type() == "application/zip"
    )
    assert isinstance(archive_bytes, bytes)
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        members = [archive.read(member) for member in archive.namelist()]
    assert len(members) == 2
    assert all(member.startswith(b"%PDF-") for member in members)


def test_forwarded_message_holds_the_pdf() -> None:
    attached = next(
        part for part in committed_mail("forwarded").walk() if part.get_content_type() == "message/rfc822"
    )
    inner = attached.get_content()
    assert isinstance(inner, EmailMessage)
    assert "electricite-bernard.fr" in str(inner["From"])
    pdf = next(part for part in inner.iter_attachments() if part.get_content_type() == "application/pdf")
    assert pdf.get_content() == (INVOICES / "autoliquidation-btp.pdf").read_bytes()


def test_apple_pdf_is_inline_between_html_parts() -> None:
    message = committed_mail("apple-inline-pdf")
    pdf = next(part for part in message.walk() if part.get_content_type() == "application/pdf")
    assert pdf.get_content_disposition() == "inline"
    assert pdf.get_filename() == "Facture JM-2026-004.pdf"
    assert "Mac OS X Mail" in str(message["Mime-Version"])


def test_octet_stream_pdf_has_a_name_without_extension() -> None:
    part = next(
        p
        for p in committed_mail("octet-stream-pdf").walk()
        if p.get_content_type() == "application/octet-stream"
    )
    assert "." not in str(part.get_filename())
    assert part.get_content().startswith(b"%PDF-")


@pytest.mark.parametrize("name", ["logo-signature", "image-only-logo"])
def test_signature_logo_is_a_small_inline_png(name: str) -> None:
    images = [part for part in committed_mail(name).walk() if part.get_content_type() == "image/png"]
    signature = next(part for part in images if part.get_filename() == "image001.png")
    assert signature.get_content_disposition() == "inline"
    assert signature["Content-ID"].startswith("<image001.png@")
    data = signature.get_content()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) < 10 * 1024
    assert [part.get_filename() for part in images] == (
        ["image001.png", "logo.png"] if name == "logo-signature" else ["image001.png"]
    )


def test_welyb_mail_comes_from_the_platform() -> None:
    assert committed_mail("from-welyb")["From"].addresses[0].addr_spec == "noreply@welyb.fr"


def test_oversize_mail_carries_a_pdf_over_eleven_mib() -> None:
    size = 11 * 1024 * 1024
    message = parse(oversize_pdf_mail(size))
    pdf = next(part for part in message.iter_attachments() if part.get_content_type() == "application/pdf")
    data = pdf.get_content()
    assert len(data) > size
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


def test_pdf_mail_wraps_any_pdf() -> None:
    pdf = (INVOICES / "facture-simple.pdf").read_bytes()
    raw = pdf_mail(
        pdf,
        sender="Fournisseur <a@fournisseur.fr>",
        recipient="b@factures-meg.fr",
        filename="f.pdf",
        subject="S",
    )
    message = parse(raw)
    assert raw == pdf_mail(
        pdf,
        sender="Fournisseur <a@fournisseur.fr>",
        recipient="b@factures-meg.fr",
        filename="f.pdf",
        subject="S",
    )
    assert (message["To"], message["Subject"]) == ("b@factures-meg.fr", "S")
    attachment = next(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == ("f.pdf", pdf)
