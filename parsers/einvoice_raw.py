"""What a CII or UBL reader finds in the XML, as written: the strings between the syntax and the fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Syntax = Literal["CII", "UBL"]

RawDate = tuple[str, str]
"""(text, format): "102" is CII's YYYYMMDD, "ISO" is UBL's YYYY-MM-DD; other CII codes are kept as given."""

SchemeId = tuple[str, str]
"""(schemeID, value) of an identifier; the scheme is "" when the XML gives none."""


@dataclass(frozen=True)
class RawParty:
    """A seller or buyer: name, registration identifiers with their schemes, VAT number."""

    name: str | None = None
    ids: tuple[SchemeId, ...] = ()
    vat: str | None = None


@dataclass(frozen=True)
class RawTax:
    """One row of the VAT breakdown: category, rate, taxable base, VAT, exemption reason text and code."""

    category: str | None
    rate: str | None
    base: str | None
    amount: str | None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class RawInvoice:
    """The fields of one e-invoice as strings from the XML; None where the XML has no value."""

    syntax: Syntax
    profile: str | None
    number: str | None
    type_code: str | None
    issue_date: RawDate | None
    due_date: RawDate | None
    currency: str | None
    total_excl_tax: str | None
    total_tax: str | None
    total_incl_tax: str | None
    amount_due: str | None
    taxes: tuple[RawTax, ...]
    iban: str | None
    seller: RawParty
    buyer: RawParty
    credit_note_root: bool = False
    """UBL CreditNote: a credit note whatever its type code."""


def present(*texts: str | None) -> tuple[str, ...]:
    """The given texts that are not None, in order."""
    return tuple(text for text in texts if text is not None)
