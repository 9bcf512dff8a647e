"""Why a purchase needs review: missing fields, failed checks and low confidence, as coded reasons.

An empty tuple of reasons means the purchase is ready. Reasons are HARD (never waived) or SOFT (waived for a
trusted supplier's purchases up to the trust threshold). Amounts are Decimal, rounded to the cent half-up.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from parsers.invoice import InvoiceFields, VatLine, VatMarker
from purchases.errors import InvalidInputError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
VAT_LINE_TOLERANCE = Decimal("0.01")
FRENCH_VAT_RATES = frozenset(
    Decimal(rate) for rate in ("20", "10", "8.5", "5.5", "2.1", "1.05", "13", "0.9", "0")
)
"""Mainland, overseas departments and Corsica (domain.md §3); anything else is suspicious."""
ZERO_VAT_MARKERS = frozenset({VatMarker.FRANCHISE, VatMarker.REVERSE_CHARGE, VatMarker.INTRA_EU})
"""Situations where the invoice carries no VAT."""
WEAKEST_SHOWN = 3


class ReasonCode(enum.StrEnum):
    """The stable machine codes of review reasons, in the order they are reported."""

    MISSING_SUPPLIER = "missing_supplier"
    MISSING_INVOICE_NUMBER = "missing_invoice_number"
    MISSING_ISSUE_DATE = "missing_issue_date"
    MISSING_TOTAL = "missing_total"
    MISSING_AMOUNTS = "missing_amounts"
    TOTALS_MISMATCH = "totals_mismatch"
    VAT_LINE_MISMATCH = "vat_line_mismatch"
    VAT_BREAKDOWN_MISMATCH = "vat_breakdown_mismatch"
    UNUSUAL_VAT_RATE = "unusual_vat_rate"
    AMOUNT_DUE_EXCEEDS_TOTAL = "amount_due_exceeds_total"
    FOREIGN_CURRENCY = "foreign_currency"
    FUTURE_ISSUE_DATE = "future_issue_date"
    LOW_CONFIDENCE = "low_confidence"
    DUPLICATE_NUMBER = "duplicate_number"


SOFT_CODES = frozenset({ReasonCode.LOW_CONFIDENCE, ReasonCode.UNUSUAL_VAT_RATE, ReasonCode.VAT_LINE_MISMATCH})
"""Reasons waived for a trusted supplier under its threshold; every other code is hard."""


@dataclass(frozen=True)
class Reason:
    """Why a purchase needs review: a stable machine code and a sentence for an accountant."""

    code: str
    message: str

    @property
    def soft(self) -> bool:
        """True when trust in the supplier may waive this reason."""
        return self.code in SOFT_CODES


@dataclass(frozen=True)
class ReviewPolicy:
    """Review settings: purchases read with an overall confidence below `min_confidence` are reviewed."""

    min_confidence: float = 0.6

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise InvalidInputError("minimum confidence", str(self.min_confidence), "must be between 0 and 1")


@dataclass(frozen=True)
class Trust:
    """Trust in a supplier: its purchases up to `threshold` TTC (None: any amount) skip the soft reasons."""

    trusted: bool = False
    threshold: Decimal | None = None

    def __post_init__(self) -> None:
        if self.threshold is not None and self.threshold < 0:
            raise InvalidInputError("trust threshold", str(self.threshold), "must not be negative")

    def waives(self, total_incl_tax: Decimal | None) -> bool:
        """True when a purchase of this TTC is ready without review of its soft reasons."""
        if not self.trusted:
            return False
        if self.threshold is None:
            return True
        return total_incl_tax is not None and total_incl_tax <= self.threshold


@dataclass(frozen=True)
class Amounts:
    """The three totals of a purchase, printed or derived."""

    total_excl_tax: Decimal
    total_tax: Decimal
    total_incl_tax: Decimal


@dataclass(frozen=True)
class _Partial:
    """The totals as far as they are known."""

    ht: Decimal | None
    vat: Decimal | None
    ttc: Decimal | None


def settle_amounts(fields: InvoiceFields) -> Amounts | None:
    """HT, VAT and TTC, deriving what is missing; None when they cannot all be known."""
    partial = _settle(fields)
    if partial.ht is None or partial.vat is None or partial.ttc is None:
        return None
    return Amounts(partial.ht, partial.vat, partial.ttc)


def _settle(fields: InvoiceFields) -> _Partial:
    ht, vat, ttc = _cents(fields.total_excl_tax), _cents(fields.total_tax), _cents(fields.total_incl_tax)
    if vat is None and fields.markers & ZERO_VAT_MARKERS:
        vat = ZERO
    partial = _complete(ht, vat, ttc)
    if fields.vat_breakdown and (partial.ht is None or partial.vat is None):
        bases, amounts = _breakdown_sums(fields.vat_breakdown)
        ht = partial.ht if partial.ht is not None else bases
        vat = partial.vat if partial.vat is not None else amounts
        partial = _complete(ht, vat, partial.ttc)
    return partial


def _complete(ht: Decimal | None, vat: Decimal | None, ttc: Decimal | None) -> _Partial:
    """Derive the one missing total from the two others."""
    if ht is None and vat is not None and ttc is not None:
        ht = ttc - vat
    elif vat is None and ht is not None and ttc is not None:
        vat = ttc - ht
    elif ttc is None and ht is not None and vat is not None:
        ttc = ht + vat
    return _Partial(ht, vat, ttc)


def _breakdown_sums(lines: tuple[VatLine, ...]) -> tuple[Decimal, Decimal]:
    bases = sum((_cent(line.base) for line in lines), ZERO)
    amounts = sum((_cent(line.amount) for line in lines), ZERO)
    return bases, amounts


def _cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else _cent(value)


def _rate(rate: Decimal) -> str:
    return f"{rate.normalize():f} %"


@dataclass(frozen=True)
class _Case:
    """What every check looks at."""

    fields: InvoiceFields
    totals: _Partial
    today: date
    policy: ReviewPolicy


def review_reasons(
    fields: InvoiceFields,
    *,
    today: date,
    trust: Trust = Trust(),
    policy: ReviewPolicy = ReviewPolicy(),
    extra: tuple[Reason, ...] = (),
) -> tuple[Reason, ...]:
    """Every reason this purchase needs review, in ReasonCode order, then `extra`; empty means ready."""
    case = _Case(fields, _settle(fields), today, policy)
    found = [reason for check in _CHECKS if (reason := check(case)) is not None]
    found.extend(extra)
    if trust.waives(case.totals.ttc):
        found = [reason for reason in found if not reason.soft]
    return tuple(found)


def _missing_supplier(case: _Case) -> Reason | None:
    f = case.fields
    if f.supplier_name or f.supplier_siret or f.supplier_siren or f.supplier_vat:
        return None
    return Reason(
        ReasonCode.MISSING_SUPPLIER,
        "The supplier could not be identified: no name, SIRET, SIREN or VAT number was read.",
    )


def _missing_invoice_number(case: _Case) -> Reason | None:
    if case.fields.invoice_number:
        return None
    return Reason(ReasonCode.MISSING_INVOICE_NUMBER, "No invoice number was read.")


def _missing_issue_date(case: _Case) -> Reason | None:
    if case.fields.issue_date is not None:
        return None
    return Reason(ReasonCode.MISSING_ISSUE_DATE, "No issue date was read.")


def _missing_total(case: _Case) -> Reason | None:
    if case.totals.ttc is not None:
        return None
    return Reason(
        ReasonCode.MISSING_TOTAL, "The total including VAT (TTC) was not read and cannot be computed."
    )


def _missing_amounts(case: _Case) -> Reason | None:
    missing = [
        name
        for name, value in (("total excluding VAT (HT)", case.totals.ht), ("VAT amount", case.totals.vat))
        if value is None
    ]
    if not missing:
        return None
    verb = "is" if len(missing) == 1 else "are"
    return Reason(
        ReasonCode.MISSING_AMOUNTS, f"The {' and the '.join(missing)} {verb} neither printed nor derivable."
    )


def _totals_mismatch(case: _Case) -> Reason | None:
    ht, vat, ttc = (
        _cents(v) for v in (case.fields.total_excl_tax, case.fields.total_tax, case.fields.total_incl_tax)
    )
    if ht is None or vat is None or ttc is None or ht + vat == ttc:
        return None
    return Reason(
        ReasonCode.TOTALS_MISMATCH,
        f"HT {ht} + VAT {vat} = {ht + vat}, but the printed TTC is {ttc}.",
    )


def _vat_line_mismatch(case: _Case) -> Reason | None:
    wrong = []
    for line in case.fields.vat_breakdown:
        expected = _cent(line.base * line.rate / 100)
        if abs(expected - line.amount) > VAT_LINE_TOLERANCE:
            printed = _cent(line.amount)
            wrong.append(
                f"VAT at {_rate(line.rate)} on {_cent(line.base)} should be {expected}, not {printed}"
            )
    if not wrong:
        return None
    return Reason(ReasonCode.VAT_LINE_MISMATCH, "; ".join(wrong) + ".")


def _vat_breakdown_mismatch(case: _Case) -> Reason | None:
    if not case.fields.vat_breakdown:
        return None
    bases, amounts = _breakdown_sums(case.fields.vat_breakdown)
    gaps = [
        f"its {what} sum to {got} against {label} {total}"
        for what, got, label, total in (
            ("bases", bases, "HT", case.totals.ht),
            ("VAT amounts", amounts, "VAT", case.totals.vat),
        )
        if total is not None and got != total
    ]
    if not gaps:
        return None
    return Reason(ReasonCode.VAT_BREAKDOWN_MISMATCH, f"The VAT breakdown does not add up: {'; '.join(gaps)}.")


def _unusual_vat_rate(case: _Case) -> Reason | None:
    unusual = sorted({line.rate for line in case.fields.vat_breakdown} - FRENCH_VAT_RATES)
    if not unusual:
        return None
    rates = ", ".join(_rate(rate) for rate in unusual)
    verb = "is not a French VAT rate" if len(unusual) == 1 else "are not French VAT rates"
    return Reason(ReasonCode.UNUSUAL_VAT_RATE, f"{rates} {verb}.")


def _amount_due_exceeds_total(case: _Case) -> Reason | None:
    due, ttc = _cents(case.fields.amount_due), case.totals.ttc
    if due is None or ttc is None or due <= ttc:
        return None
    return Reason(ReasonCode.AMOUNT_DUE_EXCEEDS_TOTAL, f"The amount due {due} exceeds the total TTC {ttc}.")


def _foreign_currency(case: _Case) -> Reason | None:
    currency = (case.fields.currency or "").strip().upper()
    if currency in ("", "EUR"):
        return None
    return Reason(
        ReasonCode.FOREIGN_CURRENCY,
        f"The invoice is in {currency}; entries are booked in euros, so its amounts must be converted.",
    )


def _future_issue_date(case: _Case) -> Reason | None:
    issued = case.fields.issue_date
    if issued is None or issued <= case.today:
        return None
    return Reason(
        ReasonCode.FUTURE_ISSUE_DATE,
        f"The issue date {issued.isoformat()} is after today ({case.today.isoformat()}).",
    )


def _low_confidence(case: _Case) -> Reason | None:
    overall = case.fields.overall_confidence
    if overall >= case.policy.min_confidence:
        return None
    weakest = sorted(case.fields.confidence.items(), key=lambda item: (item[1], item[0]))[:WEAKEST_SHOWN]
    shown = ", ".join(f"{name} {value:.2f}" for name, value in weakest) or "none recorded"
    return Reason(
        ReasonCode.LOW_CONFIDENCE,
        f"The reading confidence {overall:g} is below the minimum {case.policy.min_confidence:g}; "
        f"weakest fields: {shown}.",
    )


_CHECKS: tuple[Callable[[_Case], Reason | None], ...] = (
    _missing_supplier,
    _missing_invoice_number,
    _missing_issue_date,
    _missing_total,
    _missing_amounts,
    _totals_mismatch,
    _vat_line_mismatch,
    _vat_breakdown_mismatch,
    _unusual_vat_rate,
    _amount_due_exceeds_total,
    _foreign_currency,
    _future_issue_date,
    _low_confidence,
)
"""The checks, in ReasonCode order."""
