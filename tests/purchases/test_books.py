"""A company's accounting settings: defaults, checked changes, and their effect on the next purchase."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from purchases.books import books_of, load_books, update_books
from purchases.due_dates import TermsConvention
from purchases.errors import InvalidInputError
from purchases.suppliers import SupplierSettings, update_supplier
from store.purchase_models import CompanyBooks, JournalEntry, Payment, Purchase, PurchaseStatus
from tests.purchases.books_db import add_acme, book_fields, invoice

DEFAULTS = {
    "journal_code": "HA",
    "journal_label": "Achats",
    "supplier_account": "401000",
    "asset_supplier_account": "404000",
    "default_charge_account": "604000",
    "vat_deductible": "445660",
    "vat_deductible_assets": "445620",
    "vat_intra_eu_deductible": "445662",
    "vat_intra_eu_due": "445200",
    "vat_reverse_charge_due": "445700",
    "self_assessed_rate": "20",
    "terms_convention": "days_then_end_of_month",
    "min_confidence": 0.6,
    "next_aux_number": 1,
}


def entry_of(session: Session, purchase_id: int) -> JournalEntry:
    entry = session.scalar(select(JournalEntry).where(JournalEntry.purchase_id == purchase_id))
    assert entry is not None
    return entry


def test_defaults_are_stored_once(session: Session, acme: int) -> None:
    row = load_books(session, acme)
    assert {name: getattr(row, name) for name in DEFAULTS} == DEFAULTS
    assert load_books(session, acme) is row
    assert session.scalar(select(func.count()).select_from(CompanyBooks)) == 1
    other = add_acme(session, "Other SARL", "35600000000048", "other")
    assert load_books(session, other) is not row
    assert session.scalar(select(func.count()).select_from(CompanyBooks)) == 2


def test_typed_defaults(session: Session, acme: int) -> None:
    books = books_of(load_books(session, acme))
    assert books.chart.self_assessed_rate == Decimal("20")
    assert books.chart.vat_deductible == "445660"
    assert books.convention is TermsConvention.DAYS_THEN_END_OF_MONTH
    assert books.review.min_confidence == 0.6


def test_valid_changes_are_normalized_and_stored(session: Session, acme: int) -> None:
    changed = update_books(
        session,
        acme,
        {
            "journal_code": " ach ",
            "journal_label": "  Achats divers ",
            "supplier_account": "401100",
            "asset_supplier_account": "404100",
            "default_charge_account": "606400",
            "vat_deductible": "445661",
            "vat_reverse_charge_due": "4457100",
            "self_assessed_rate": "5,5",
            "terms_convention": "end_of_month_then_days",
            "min_confidence": "0.8",
        },
    )
    assert changed.chart.journal_code == "ACH"
    assert changed.chart.journal_label == "Achats divers"
    assert changed.chart.self_assessed_rate == Decimal("5.5")
    assert changed.convention is TermsConvention.END_OF_MONTH_THEN_DAYS
    assert changed.review.min_confidence == 0.8
    row = load_books(session, acme)
    assert (row.journal_code, row.journal_label, row.supplier_account) == ("ACH", "Achats divers", "401100")
    assert (row.asset_supplier_account, row.default_charge_account) == ("404100", "606400")
    assert (row.vat_deductible, row.vat_reverse_charge_due) == ("445661", "4457100")
    assert (row.self_assessed_rate, row.terms_convention, row.min_confidence) == (
        "5.5",
        "end_of_month_then_days",
        0.8,
    )
    assert row.vat_deductible_assets == "445620"
    assert books_of(row) == changed


def test_a_fixed_asset_account_may_be_the_default_charge_account(session: Session, acme: int) -> None:
    assert update_books(session, acme, {"default_charge_account": "218300"}).chart.default_charge_account == (
        "218300"
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"journal_code": "ACH-1"},
            "invalid journal_code 'ACH-1': a journal code is 1 to 8 letters or digits",
        ),
        (
            {"journal_code": "ACHATS123"},
            "invalid journal_code 'ACHATS123': a journal code is 1 to 8 letters or digits",
        ),
        ({"journal_code": ""}, "invalid journal_code '': a journal code is 1 to 8 letters or digits"),
        ({"journal_label": "  "}, "invalid journal_label '  ': a journal needs a label"),
        (
            {"supplier_account": "601000"},
            "invalid supplier_account '601000': expected an account number starting with 40",
        ),
        (
            {"asset_supplier_account": "40"},
            "invalid asset_supplier_account '40': expected an account number starting with 40",
        ),
        (
            {"vat_deductible": "401000"},
            "invalid vat_deductible '401000': expected an account number starting with 445",
        ),
        (
            {"vat_intra_eu_due": "4452 00"},
            "invalid vat_intra_eu_due '4452 00': expected an account number starting with 445",
        ),
        (
            {"default_charge_account": "401000"},
            "invalid default_charge_account '401000': "
            "a charge account is a class 6 (or class 2) account number",
        ),
        ({"self_assessed_rate": "twenty"}, "invalid self_assessed_rate 'twenty': not a number"),
        ({"self_assessed_rate": "NaN"}, "invalid self_assessed_rate 'NaN': a VAT rate in percent, e.g. 20"),
        ({"self_assessed_rate": "0"}, "invalid self_assessed_rate '0': a VAT rate in percent, e.g. 20"),
        ({"self_assessed_rate": "30.5"}, "invalid self_assessed_rate '30.5': a VAT rate in percent, e.g. 20"),
        (
            {"terms_convention": "monthly"},
            "invalid terms_convention 'monthly': "
            "choose one of days_then_end_of_month, end_of_month_then_days",
        ),
        ({"min_confidence": "1.5"}, "invalid min_confidence '1.5': a confidence between 0 and 1"),
        ({"min_confidence": "-0.1"}, "invalid min_confidence '-0.1': a confidence between 0 and 1"),
        ({"min_confidence": "high"}, "invalid min_confidence 'high': not a number"),
        ({"min_confidence": "nan"}, "invalid min_confidence 'nan': a confidence between 0 and 1"),
        ({"journal": "ACH"}, "invalid setting 'journal': no such accounting setting"),
        (
            {"next_aux_number": 7, "journal": "ACH"},
            "invalid setting 'journal, next_aux_number': no such accounting setting",
        ),
    ],
)
def test_invalid_changes_are_refused_and_change_nothing(
    session: Session, acme: int, changes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        update_books(session, acme, {"journal_code": "NEW", **changes})
    assert raised.value.reason == reason
    row = load_books(session, acme)
    assert {name: getattr(row, name) for name in DEFAULTS} == DEFAULTS


def test_changed_accounts_are_used_by_the_next_purchase(session: Session, acme: int) -> None:
    before = book_fields(session, acme, invoice(invoice_number="FA-1"))
    update_books(
        session,
        acme,
        {
            "journal_code": "ACH",
            "journal_label": "Achats France",
            "supplier_account": "401100",
            "vat_deductible": "445661",
            "default_charge_account": "606400",
        },
    )
    after = book_fields(session, acme, invoice(invoice_number="FA-2"))
    entry = entry_of(session, after.purchase_id)
    assert (entry.journal_code, entry.journal_label) == ("ACH", "Achats France")
    lines = [(line.account, line.aux_account, line.debit, line.credit) for line in entry.lines]
    assert lines == [
        ("606400", None, Decimal("1000.00"), Decimal("0.00")),
        ("445661", None, Decimal("200.00"), Decimal("0.00")),
        ("401100", "F00001", Decimal("0.00"), Decimal("1200.00")),
    ]
    old = entry_of(session, before.purchase_id)
    assert old.journal_code == "HA"
    assert [line.account for line in old.lines] == ["604000", "445660", "401000"]


@pytest.mark.parametrize(
    ("convention", "due"),
    [("days_then_end_of_month", date(2026, 12, 31)), ("end_of_month_then_days", date(2026, 12, 30))],
)
def test_terms_convention_sets_the_derived_due_date(
    session: Session, acme: int, convention: str, due: date
) -> None:
    first = book_fields(session, acme, invoice(invoice_number="FA-1"))
    purchase = session.get(Purchase, first.purchase_id)
    assert purchase is not None and purchase.supplier_id is not None
    update_supplier(
        session, acme, purchase.supplier_id, SupplierSettings(payment_days=30, payment_end_of_month=True)
    )
    update_books(session, acme, {"terms_convention": convention})
    booked = book_fields(session, acme, invoice(invoice_number="FA-2"))
    payment = session.scalar(select(Payment).where(Payment.purchase_id == booked.purchase_id))
    assert payment is not None
    assert (payment.due_date, payment.due_date_source) == (due, "supplier_terms")


def test_min_confidence_sends_weaker_readings_to_review(session: Session, acme: int) -> None:
    weak = dict.fromkeys(("supplier_name", "invoice_number", "issue_date", "total_incl_tax"), 0.8)
    ready = book_fields(session, acme, invoice(invoice_number="FA-1", confidence=weak))
    assert session.get(Purchase, ready.purchase_id).status == PurchaseStatus.READY  # type: ignore[union-attr]
    update_books(session, acme, {"min_confidence": 0.9})
    booked = book_fields(session, acme, invoice(invoice_number="FA-2", confidence=weak))
    purchase = session.get(Purchase, booked.purchase_id)
    assert purchase is not None and purchase.status == PurchaseStatus.TO_REVIEW
    assert [reason["code"] for reason in purchase.review_reasons] == ["low_confidence"]
    assert "below the minimum 0.9" in purchase.review_reasons[0]["message"]
