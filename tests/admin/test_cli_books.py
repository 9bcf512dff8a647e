"""`collecte supplier|books|purchase|payment` as a user runs them, on a database of booked invoices."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.invoice import DocumentType, VatLine
from store.purchase_models import CompanyBooks, Payment, PaymentStatus
from tests.purchases.books_db import add_acme, book_fields, invoice, open_storage

COLLECTE = str(Path(sys.executable).with_name("collecte"))
OTHER_SIRET = "55208131700018"
TERMINAL_HINTS = ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE")
"""Left out of the environment: the tables are then printed plain and wide, as when piped."""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COLLECTE, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def ok(env: dict[str, str], *args: str) -> str:
    result = run(env, *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def error(env: dict[str, str], *args: str) -> str:
    """The one `Error: ...` line of a refused command (exit status 1, no traceback)."""
    result = run(env, *args)
    assert result.returncode == 1, result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def rows(output: str) -> list[list[str]]:
    """The body rows of the rich tables in output, as stripped cells."""
    return [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in output.splitlines()
        if line.startswith("│")
    ]


def prepare(data_dir: Path) -> None:
    """ACME with three purchases (ready, to review, credit note) from two suppliers; 'other' with one."""
    storage = open_storage(data_dir)
    try:
        with storage.sessions.begin() as session:
            acme = add_acme(session)
            book_fields(session, acme, invoice(due_date=date(2099, 12, 31)))
            papeterie = invoice(
                supplier_name="Papeterie [Durand] SARL",
                supplier_siret=None,
                supplier_vat="DE123456789",
                invoice_number=None,
                issue_date=date(2099, 11, 5),
                total_excl_tax=Decimal("50.00"),
                total_tax=Decimal("10.00"),
                total_incl_tax=Decimal("60.00"),
                vat_breakdown=(VatLine(Decimal("20"), Decimal("50.00"), Decimal("10.00")),),
            )
            book_fields(session, acme, papeterie, today=date(2099, 11, 22))  # pending for years
            credit = invoice(
                invoice_number="AV-1",
                document_type=DocumentType.CREDIT_NOTE,
                issue_date=date(2026, 10, 1),
                due_date=date(2026, 10, 31),
            )
            book_fields(session, acme, credit)
            other = add_acme(session, "Other SARL", "35600000000048", "other")
            book_fields(session, other, invoice(supplier_name="Loin SAS", supplier_siret=OTHER_SIRET))
    finally:
        storage.engine.dispose()


@contextmanager
def stored(env: dict[str, str]) -> Iterator[Session]:
    """A session on the database the commands use, to check what they left."""
    storage = open_storage(Path(env["COLLECTE_DATA_DIR"]))
    try:
        with storage.sessions() as session:
            yield session
    finally:
        storage.engine.dispose()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    prepare(tmp_path / "var")
    inherited = {k: v for k, v in os.environ.items() if k not in TERMINAL_HINTS}
    return {**inherited, "COLLECTE_DATA_DIR": str(tmp_path / "var")}


def test_supplier_list(env: dict[str, str]) -> None:
    assert rows(ok(env, "supplier", "list", "acme")) == [
        [
            "1",
            "Bâti-Sud SAS",
            "44306184100005",
            "FR64443061841",
            "F00001",
            "604000 (default)",
            "-",
            "no",
            "0.00",
        ],
        [
            "2",
            "Papeterie [Durand] SARL",
            "-",
            "DE123456789",
            "F00002",
            "604000 (default)",
            "-",
            "no",
            "60.00",
        ],
    ]
    assert rows(ok(env, "supplier", "list", "other"))[0][:2] == ["3", "Loin SAS"]


def test_supplier_set_then_list(env: dict[str, str]) -> None:
    args = ("--charge-account", "606400", "--payment-days", "45", "--end-of-month", "--aux-account", "fbati")
    out = ok(env, "supplier", "set", "acme", "1", *args, "--trusted", "--threshold", "500")
    assert out.splitlines() == [
        "Supplier 1 (Bâti-Sud SAS) updated:",
        "  aux account FBATI, charge account 606400",
        "  terms 45 days end of month, trusted yes, up to 500.00",
    ]
    listed = rows(ok(env, "supplier", "list", "acme"))
    assert listed[0][4:] == ["FBATI", "606400", "45 days end of month", "yes, up to 500.00", "0.00"]
    ok(env, "supplier", "set", "acme", "1", "--no-threshold", "--no-end-of-month")
    assert rows(ok(env, "supplier", "list", "acme"))[0][6:8] == ["45 days", "yes"]
    ok(env, "supplier", "set", "acme", "1", "--untrusted")
    assert rows(ok(env, "supplier", "list", "acme"))[0][7] == "no"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("acme", "1", "--charge-account", "401000"),
            "Error: invalid charge account '401000': a class 6 (or class 2, fixed assets) account number",
        ),
        (("acme", "1", "--payment-days", "400"), "Error: invalid payment terms '400': days must be 0 to 365"),
        (
            ("acme", "2", "--aux-account", "F00001"),
            "Error: invalid auxiliary account 'F00001': already used by supplier 1",
        ),
        (("acme", "1", "--threshold", "-5"), "Error: invalid trusted threshold '-5': must not be negative"),
        (
            ("acme", "1", "--threshold", "beaucoup"),
            "Error: invalid trusted threshold 'beaucoup': not an amount",
        ),
        (
            ("acme", "1", "--threshold", "5", "--no-threshold"),
            "Error: give --threshold AMOUNT or --no-threshold, not both",
        ),
        (("acme", "1"), "Error: nothing to change: give at least one option (see --help)"),
        (("acme", "3", "--trusted"), "Error: no supplier 3 in this company"),
        (("nobody", "1", "--trusted"), "Error: no company with slug 'nobody'"),
    ],
)
def test_supplier_set_mistakes(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    assert error(env, "supplier", "set", *args) == message


def settings(output: str) -> dict[str, str]:
    return {line.split()[0]: line.split()[1] for line in output.splitlines()}


def test_books_show_and_set(env: dict[str, str]) -> None:
    shown = settings(ok(env, "books", "show", "acme"))
    assert shown["journal_code"] == "HA"
    assert shown["supplier_account"] == "401000"
    assert shown["vat_deductible"] == "445660"
    assert shown["self_assessed_rate"] == "20"
    assert shown["terms_convention"] == "days_then_end_of_month"
    assert shown["min_confidence"] == "0.6"
    assert len(shown) == 13
    out = ok(env, "books", "set", "acme", "journal_code=ach", "min_confidence=0.8", "self_assessed_rate=5,5")
    assert out.splitlines()[0] == "Accounting settings of acme changed:"
    assert settings("\n".join(out.splitlines()[1:])) == {
        "journal_code": "ACH",
        "self_assessed_rate": "5.5",
        "min_confidence": "0.8",
    }
    shown = settings(ok(env, "books", "show", "acme"))
    assert (shown["journal_code"], shown["min_confidence"], shown["supplier_account"]) == (
        "ACH",
        "0.8",
        "401000",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("journal_code=A-B",),
            "Error: invalid journal_code 'A-B': a journal code is 1 to 8 letters or digits",
        ),
        (
            ("supplier_account=601000",),
            "Error: invalid supplier_account '601000': expected an account number starting with 40",
        ),
        (("colour=blue",), "Error: invalid setting 'colour': no such accounting setting"),
        (("journal_code",), "Error: expected KEY=VALUE, got 'journal_code'"),
    ],
)
def test_books_set_mistakes(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    assert error(env, "books", "set", "acme", *args) == message
    with stored(env) as session:
        assert session.scalar(select(CompanyBooks.journal_code)) in (None, "HA")


def test_purchase_list(env: dict[str, str]) -> None:
    assert rows(ok(env, "purchase", "list", "acme")) == [
        ["1", "2026-11-02", "Bâti-Sud SAS", "FA-2026-001", "1200.00", "ready", ""],
        [
            "2",
            "2099-11-05",
            "Papeterie [Durand] SARL",
            "-",
            "60.00",
            "to_review",
            "No invoice number was read.",
        ],
        ["3", "2026-10-01", "Bâti-Sud SAS", "AV-1", "1200.00", "ready", ""],
    ]
    assert [row[0] for row in rows(ok(env, "purchase", "list", "acme", "--status", "to_review"))] == ["2"]
    assert (
        ok(env, "purchase", "list", "other", "--status", "to_review").strip()
        == "No to_review purchase for other."
    )


def test_purchase_show_ready(env: dict[str, str]) -> None:
    out = ok(env, "purchase", "show", "acme", "1")
    lines = out.splitlines()
    assert lines[0] == "Purchase 1"
    assert "  supplier        Bâti-Sud SAS (#1, F00001)" in lines
    assert "  number          FA-2026-001" in lines
    assert "  total TTC       1200.00" in lines
    assert "  VAT lines       20 % on 1000.00 = 200.00" in lines
    assert "  status          ready" in lines
    assert "To review:" not in lines
    assert "Payment: 1200.00 due 2099-12-31 (printed), pending" in lines
    assert any(line.startswith("  ! due date 2099-12-31 is past the legal ceiling") for line in lines)
    assert "Entry: journal HA on 2026-11-02, piece FA-2026-001, not validated" in lines
    assert [row[:2] + row[3:] for row in rows(out)] == [
        ["604000", "-", "1000.00", "0.00"],
        ["445660", "-", "200.00", "0.00"],
        ["401000", "F00001", "0.00", "1200.00"],
        ["total", "", "1200.00", "1200.00"],
    ]


def test_purchase_show_to_review(env: dict[str, str]) -> None:
    lines = ok(env, "purchase", "show", "acme", "2").splitlines()
    assert "  number          -" in lines
    assert lines[lines.index("To review:") + 1] == "  - missing_invoice_number: No invoice number was read."
    assert "Payment: 60.00 due 2099-12-05 (legal_default), pending" in lines
    assert lines[-1] == "Entry: none (written once the purchase is ready)"


def test_purchase_show_mistakes(env: dict[str, str]) -> None:
    assert error(env, "purchase", "show", "acme", "4") == "Error: no purchase 4 in this company"
    assert error(env, "purchase", "show", "nobody", "1") == "Error: no company with slug 'nobody'"


def test_payments_listed_by_due_date_then_paid(env: dict[str, str]) -> None:
    assert rows(ok(env, "payment", "list", "acme")) == [
        ["3", "Bâti-Sud SAS", "AV-1", "-1200.00", "2026-10-31", "overdue", "-"],
        ["2", "Papeterie [Durand] SARL", "-", "60.00", "2099-12-05", "pending", "-"],
        ["1", "Bâti-Sud SAS", "FA-2026-001", "1200.00", "2099-12-31", "pending", "-"],
    ]
    assert [row[0] for row in rows(ok(env, "payment", "list", "acme", "--overdue"))] == ["3"]
    out = ok(env, "payment", "paid", "acme", "3", "--on", "2026-11-20", "--method", "transfer")
    assert out.strip() == "Payment of purchase 3 (-1200.00) marked paid on 2026-11-20 by transfer."
    assert rows(ok(env, "payment", "list", "acme"))[0][5:] == ["paid", "2026-11-20 transfer"]
    assert ok(env, "payment", "list", "acme", "--overdue").strip() == "No overdue payment for acme."
    again = error(env, "payment", "paid", "acme", "3", "--on", "2026-11-21", "--method", "card")
    assert again == "Error: the payment of purchase 3 was already marked paid on 2026-11-20"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("acme", "1", "--on", "2026-13-01", "--method", "transfer"),
            "Error: invalid payment date '2026-13-01': expected YYYY-MM-DD",
        ),
        (
            ("acme", "1", "--on", "2026-12-01", "--method", " "),
            "Error: invalid payment method ' ': say how it was paid (transfer, card, cheque...)",
        ),
        (("acme", "4", "--method", "transfer"), "Error: no purchase 4 in this company"),
    ],
)
def test_payment_paid_mistakes(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    assert error(env, "payment", "paid", *args) == message
    with stored(env) as session:
        assert (
            list(session.scalars(select(Payment.status).order_by(Payment.id))) == [PaymentStatus.PENDING] * 4
        )
