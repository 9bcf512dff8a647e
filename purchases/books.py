"""A company's accounting settings (journal, accounts, due-date convention, review threshold)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from purchases.accounts import ChartOfAccounts
from purchases.due_dates import TermsConvention
from purchases.errors import InvalidInputError
from purchases.review import ReviewPolicy
from store.purchase_models import CompanyBooks

ACCOUNT = re.compile(r"^[1-7][0-9]{2}[0-9A-Z]{0,9}$")
JOURNAL = re.compile(r"^[A-Z0-9]{1,8}$")
_ACCOUNT_CLASSES = {
    "supplier_account": "40",
    "asset_supplier_account": "40",
    "default_charge_account": "",
    "vat_deductible": "445",
    "vat_deductible_assets": "445",
    "vat_intra_eu_deductible": "445",
    "vat_intra_eu_due": "445",
    "vat_reverse_charge_due": "445",
}


@dataclass(frozen=True)
class Books:
    """The settings booking uses for one company."""

    chart: ChartOfAccounts
    convention: TermsConvention
    review: ReviewPolicy


def charge_account(
    value: str,
    field: str = "charge account",
    why: str = "a class 6 (or class 2, fixed assets) account number",
) -> str:
    """A charge account number, upper-cased: class 6, or class 2 for a fixed-asset supplier."""
    account = value.strip().upper()
    if not ACCOUNT.match(account) or account[0] not in "26":
        raise InvalidInputError(field, account, why)
    return account


def load_books(session: Session, company_id: int) -> CompanyBooks:
    """The company's settings row, created with the defaults the first time it is needed."""
    row = session.get(CompanyBooks, company_id)
    if row is None:
        row = CompanyBooks(company_id=company_id, next_aux_number=1)
        _write(row, Books(ChartOfAccounts(), TermsConvention.DAYS_THEN_END_OF_MONTH, ReviewPolicy()))
        session.add(row)
        session.flush()
    return row


def books_of(row: CompanyBooks) -> Books:
    """The typed settings held by a row."""
    chart = ChartOfAccounts(
        **{f.name: getattr(row, f.name) for f in fields(ChartOfAccounts) if f.name != "self_assessed_rate"},
        self_assessed_rate=Decimal(row.self_assessed_rate),
    )
    return Books(
        chart, TermsConvention(row.terms_convention), ReviewPolicy(min_confidence=row.min_confidence)
    )


def update_books(session: Session, company_id: int, changes: dict[str, Any]) -> Books:
    """Changes some settings (names as in ChartOfAccounts, plus terms_convention and min_confidence)."""
    row = load_books(session, company_id)
    current = books_of(row)
    chart_changes = {k: _checked(k, v) for k, v in changes.items() if k in _chart_names()}
    unknown = set(changes) - _chart_names() - {"terms_convention", "min_confidence"}
    if unknown:
        raise InvalidInputError("setting", ", ".join(sorted(unknown)), "no such accounting setting")
    convention = current.convention
    if "terms_convention" in changes:
        convention = _convention(str(changes["terms_convention"]))
    review = current.review
    if "min_confidence" in changes:
        review = ReviewPolicy(min_confidence=_confidence(changes["min_confidence"]))
    updated = Books(replace(current.chart, **chart_changes), convention, review)
    _write(row, updated)
    return updated


def _write(row: CompanyBooks, books: Books) -> None:
    for f in fields(ChartOfAccounts):
        setattr(row, f.name, str(getattr(books.chart, f.name)))
    row.terms_convention = books.convention.value
    row.min_confidence = books.review.min_confidence


def _chart_names() -> set[str]:
    return {f.name for f in fields(ChartOfAccounts)}


def _checked(name: str, value: object) -> Any:
    text = str(value).strip().upper()
    if name == "journal_code":
        if not JOURNAL.match(text):
            raise InvalidInputError(name, text, "a journal code is 1 to 8 letters or digits")
        return text
    if name == "journal_label":
        if not str(value).strip():
            raise InvalidInputError(name, str(value), "a journal needs a label")
        return str(value).strip()[:100]
    if name == "self_assessed_rate":
        return _rate(str(value))
    if name == "default_charge_account":
        return charge_account(text, name, "a charge account is a class 6 (or class 2) account number")
    if not ACCOUNT.match(text) or not text.startswith(_ACCOUNT_CLASSES[name]):
        raise InvalidInputError(
            name, text, f"expected an account number starting with {_ACCOUNT_CLASSES[name]}"
        )
    return text


def _rate(text: str) -> Decimal:
    try:
        rate = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise InvalidInputError("self_assessed_rate", text, "not a number") from None
    if not rate.is_finite() or not Decimal(0) < rate <= Decimal(30):
        raise InvalidInputError("self_assessed_rate", text, "a VAT rate in percent, e.g. 20")
    return rate


def _convention(text: str) -> TermsConvention:
    try:
        return TermsConvention(text)
    except ValueError:
        choices = ", ".join(c.value for c in TermsConvention)
        raise InvalidInputError("terms_convention", text, f"choose one of {choices}") from None


def _confidence(value: object) -> float:
    try:
        number = float(str(value))
    except ValueError:
        raise InvalidInputError("min_confidence", str(value), "not a number") from None
    if not 0.0 <= number <= 1.0:
        raise InvalidInputError("min_confidence", str(value), "a confidence between 0 and 1")
    return number
