"""The balanced purchase-journal entry of one purchase (PCG patterns of domain.md §6), as a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from core.errors import CollecteError
from parsers.invoice import DocumentType, VatLine, VatMarker
from purchases.accounts import ChartOfAccounts, account_label, is_asset_account

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
LABEL_MAX = 200
"""Longest line label (FEC EcritureLib) we write."""


class UnbalancedEntryError(CollecteError):
    """The drafted lines of a purchase do not balance: its HT + VAT differs from its TTC."""

    def __init__(self, invoice_number: str, debit: Decimal, credit: Decimal) -> None:
        why = f"debit {debit} ≠ credit {credit}"
        super().__init__(f"entry of invoice {invoice_number} does not balance: {why}")
        self.invoice_number = invoice_number
        self.debit = debit
        self.credit = credit


@dataclass(frozen=True)
class PurchaseToBook:
    """What booking needs to know of one purchase; amounts as printed, positive even on a credit note."""

    document_type: DocumentType
    markers: frozenset[VatMarker]
    invoice_number: str
    issue_date: date
    supplier_name: str
    supplier_aux: str
    """The supplier's auxiliary account code (FEC CompAuxNum), e.g. "F00012"."""
    charge_account: str
    """The charge account (e.g. "604000"), or a class-2 account (e.g. "218300") for a fixed asset."""
    total_excl_tax: Decimal
    total_tax: Decimal
    total_incl_tax: Decimal
    vat_lines: tuple[VatLine, ...] = ()


@dataclass(frozen=True)
class EntryLineDraft:
    """One line of a journal entry: exactly one of debit and credit is non-zero, both to the cent."""

    account: str
    account_label: str
    aux_account: str | None
    aux_label: str | None
    label: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class EntryDraft:
    """One purchase-journal entry, not yet stored: its header and its lines."""

    journal_code: str
    journal_label: str
    entry_date: date
    piece_ref: str
    piece_date: date
    label: str
    lines: tuple[EntryLineDraft, ...]

    @property
    def total_debit(self) -> Decimal:
        """The sum of the debits."""
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        """The sum of the credits."""
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def balanced(self) -> bool:
        """Whether debits equal credits."""
        return self.total_debit == self.total_credit


@dataclass(frozen=True)
class _Leg:
    """A line before rounding and mirroring: an amount on the side an invoice puts it."""

    account: str
    amount: Decimal
    debit: bool
    suffix: str = ""
    supplier: bool = False


@dataclass(frozen=True)
class _Slice:
    """The share of one VAT rate: taxable base and printed VAT (rate None when the breakdown is unusable)."""

    rate: Decimal | None
    base: Decimal
    vat: Decimal


def build_entry(purchase: PurchaseToBook, chart: ChartOfAccounts) -> EntryDraft:
    """The balanced entry of a purchase; a credit note is the mirror of its invoice's entry.

    Raises UnbalancedEntryError when the lines do not balance (HT + VAT ≠ TTC on a domestic invoice).
    """
    label = _entry_label(purchase, chart)
    mirror = purchase.document_type == DocumentType.CREDIT_NOTE
    drafts = (_line(leg, purchase, label, mirror) for leg in _legs(purchase, chart))
    entry = EntryDraft(
        journal_code=chart.journal_code,
        journal_label=chart.journal_label,
        entry_date=purchase.issue_date,
        piece_ref=purchase.invoice_number,
        piece_date=purchase.issue_date,
        label=label,
        lines=tuple(line for line in drafts if line is not None),
    )
    if not entry.balanced:
        raise UnbalancedEntryError(purchase.invoice_number, entry.total_debit, entry.total_credit)
    return entry


def _legs(purchase: PurchaseToBook, chart: ChartOfAccounts) -> list[_Leg]:
    """The legs of the pattern the purchase's VAT markers call for, on the invoice's sides."""
    asset = is_asset_account(purchase.charge_account)
    supplier = chart.asset_supplier_account if asset else chart.supplier_account
    if VatMarker.FRANCHISE in purchase.markers:
        return [
            _Leg(purchase.charge_account, purchase.total_incl_tax, debit=True),
            _Leg(supplier, purchase.total_incl_tax, debit=False, supplier=True),
        ]
    deductible = chart.vat_deductible_assets if asset else chart.vat_deductible
    if VatMarker.INTRA_EU in purchase.markers:
        legs = _self_assessed(purchase, chart, chart.vat_intra_eu_deductible, chart.vat_intra_eu_due)
    elif VatMarker.REVERSE_CHARGE in purchase.markers:
        legs = _self_assessed(purchase, chart, deductible, chart.vat_reverse_charge_due)
    else:
        legs = _domestic(purchase, deductible)
    return [*legs, _Leg(supplier, _supplier_amount(purchase), debit=False, supplier=True)]


def _supplier_amount(purchase: PurchaseToBook) -> Decimal:
    """What the supplier is owed: TTC, or HT when the buyer self-assesses the VAT."""
    if purchase.markers & {VatMarker.INTRA_EU, VatMarker.REVERSE_CHARGE}:
        return purchase.total_excl_tax
    return purchase.total_incl_tax


def _domestic(purchase: PurchaseToBook, deductible: str) -> list[_Leg]:
    """D charge per rate (base), D deductible VAT per rate (printed VAT)."""
    slices = _slices(purchase)
    multi = len(slices) > 1
    charges = [_Leg(purchase.charge_account, s.base, True, _suffix(s.rate, multi)) for s in slices]
    taxes = [_Leg(deductible, s.vat, True, _suffix(s.rate, multi)) for s in slices]
    return charges + taxes


def _self_assessed(purchase: PurchaseToBook, chart: ChartOfAccounts, deductible: str, due: str) -> list[_Leg]:
    """D charge per rate (base), D deductible and C due of the VAT the buyer computes on each base."""
    slices = _slices(purchase)
    multi = len(slices) > 1
    charges: list[_Leg] = []
    deducted: list[_Leg] = []
    owed: list[_Leg] = []
    for piece in slices:
        rate = piece.rate if piece.rate is not None and piece.rate > 0 else chart.self_assessed_rate
        vat = _cents(piece.base * rate / 100)
        suffix = _suffix(rate, multi)
        charges.append(_Leg(purchase.charge_account, piece.base, True, suffix))
        deducted.append(_Leg(deductible, vat, True, suffix))
        owed.append(_Leg(due, vat, False, suffix))
    return charges + deducted + owed


def _slices(purchase: PurchaseToBook) -> tuple[_Slice, ...]:
    """One slice per VAT rate when the breakdown adds up to the totals, else one slice of the totals."""
    lines = purchase.vat_lines
    bases = _cents(sum((line.base for line in lines), ZERO))
    amounts = _cents(sum((line.amount for line in lines), ZERO))
    if not lines or bases != _cents(purchase.total_excl_tax) or amounts != _cents(purchase.total_tax):
        return (_Slice(None, purchase.total_excl_tax, purchase.total_tax),)
    by_rate: dict[Decimal, _Slice] = {}
    for line in lines:
        seen = by_rate.get(line.rate, _Slice(line.rate, ZERO, ZERO))
        by_rate[line.rate] = _Slice(line.rate, seen.base + line.base, seen.vat + line.amount)
    return tuple(by_rate.values())


def _line(leg: _Leg, purchase: PurchaseToBook, label: str, mirror: bool) -> EntryLineDraft | None:
    """The drafted line of a leg, rounded to the cent and mirrored for a credit note; None when zero."""
    amount = _cents(leg.amount)
    if amount == 0:
        return None
    debit = leg.debit != mirror
    if amount < 0:
        debit, amount = not debit, -amount
    return EntryLineDraft(
        account=leg.account,
        account_label=account_label(leg.account),
        aux_account=purchase.supplier_aux if leg.supplier else None,
        aux_label=(purchase.supplier_name.strip() or purchase.supplier_aux) if leg.supplier else None,
        label=label[: LABEL_MAX - len(leg.suffix)] + leg.suffix,
        debit=amount if debit else ZERO,
        credit=ZERO if debit else amount,
    )


def _entry_label(purchase: PurchaseToBook, chart: ChartOfAccounts) -> str:
    """ "<supplier> <invoice number>", at most LABEL_MAX characters; the journal label if both are blank."""
    parts = (purchase.supplier_name.strip(), purchase.invoice_number.strip())
    return (" ".join(part for part in parts if part) or chart.journal_label)[:LABEL_MAX]


def _suffix(rate: Decimal | None, multi: bool) -> str:
    """ " TVA 5,5 %" to tell apart the lines of each rate of a multi-rate invoice; "" otherwise."""
    if not multi or rate is None:
        return ""
    return f" TVA {format(rate.normalize(), 'f').replace('.', ',')} %"


def _cents(value: Decimal) -> Decimal:
    """The value rounded half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
