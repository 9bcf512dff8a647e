"""Candidate totals next to their labels, and the cross-check HT + TVA = TTC that picks among them."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations, product

from parsers.fields.amounts import find_amounts, find_rates
from parsers.fields.labels import Label, Labels
from parsers.fields.layout import Layout
from parsers.fields.values import Candidate, amount_below, amounts_right, merge
from parsers.fields.vat import FRENCH_RATES, format_rate, read_breakdown, unusual_rates, vat_matches
from parsers.invoice import VatLine


class Role(enum.Enum):
    """What an amount may be."""

    EXCL = "total_excl_tax"
    TAX = "total_tax"
    INCL = "total_incl_tax"
    DUE = "amount_due"
    PREPAID = "prepaid"


_ROLES: dict[Label, tuple[tuple[Role, float], ...]] = {
    Label.TOTAL_HT: ((Role.EXCL, 1.0),),
    Label.SUBTOTAL: ((Role.EXCL, 0.5),),
    Label.TOTAL_TVA: ((Role.TAX, 1.0),),
    Label.TVA: ((Role.TAX, 0.6),),
    Label.TOTAL_TTC: ((Role.INCL, 1.0),),
    Label.TOTAL: ((Role.INCL, 0.6),),
    Label.AMOUNT_DUE: ((Role.DUE, 1.0), (Role.INCL, 0.5)),
    Label.PREPAID: ((Role.PREPAID, 1.0),),
}
_BELOW = frozenset({Label.TOTAL_HT, Label.TOTAL_TVA, Label.TOTAL_TTC, Label.AMOUNT_DUE, Label.PREPAID})
_TRIPLE_LABELS = frozenset({Label.TOTAL, Label.TOTAL_TTC, Label.TOTAL_HT, Label.SUBTOTAL})
_RIGHT_DECAY, _BELOW_FACTOR, _POOL = 0.8, 0.7, 8
_MAX_VAT_SHARE = Decimal("0.3")
_CONSISTENT_BONUS, _VAT_SUM_BONUS, _BASE_SUM_BONUS = 1.5, 0.5, 0.3
_TRIPLE_MEMBER = 0.3
"""The score of an amount known only as a member of a triple (the triple's own score is added as a bonus)."""


@dataclass(frozen=True)
class Found:
    """An amount that may play a role."""

    role: Role
    candidate: Candidate[Decimal]


@dataclass(frozen=True)
class Triple:
    """Three amounts of one line where the first plus the second gives the third (HT, TVA, TTC)."""

    excl: Decimal
    tax: Decimal
    incl: Decimal
    score: float


@dataclass(frozen=True)
class Totals:
    """The chosen totals (None when unknown), the VAT breakdown, and what looked wrong."""

    excl_tax: Candidate[Decimal] | None
    tax: Candidate[Decimal] | None
    incl_tax: Candidate[Decimal] | None
    amount_due: Candidate[Decimal] | None
    breakdown: tuple[VatLine, ...]
    warnings: tuple[str, ...]


def labelled_amounts(layout: Layout, labels: Labels) -> Iterator[Found]:
    """Amounts right of total labels (nearest first, less and less trusted), else under them."""
    for hit in labels.of(*_ROLES):
        amounts = amounts_right(layout, labels, hit)
        found = [(amount.value, _RIGHT_DECAY**rank, hit.line) for rank, amount in enumerate(amounts[:4])]
        if not amounts and hit.kind in _BELOW:
            below = amount_below(layout, hit)
            found += [(below[1].value, _BELOW_FACTOR, below[0])] if below else []
        for role, weight in _ROLES[hit.kind]:
            yield from (Found(role, Candidate(value, weight * factor, line)) for value, factor, line in found)


def find_triples(layout: Layout, labels: Labels) -> Iterator[Triple]:
    """Lines holding HT, TVA and TTC side by side ("Total 278.61 40.39 319.00"), surer after a label."""
    for line in layout.lines:
        amounts = find_amounts(line.text)
        if len(amounts) < 3:
            continue
        starts = [hit.start for hit in labels.on_line(line.index) if hit.kind in _TRIPLE_LABELS]
        for excl, tax, incl in combinations(amounts, 3):
            if (
                excl.value > 0
                and 0 <= tax.value <= excl.value * _MAX_VAT_SHARE
                and excl.value + tax.value == incl.value
            ):
                labelled = any(start < excl.start for start in starts)
                yield Triple(excl.value, tax.value, incl.value, 0.9 if labelled else 0.4)


@dataclass(frozen=True)
class _Pools:
    excl: tuple[Candidate[Decimal], ...]
    tax: tuple[Candidate[Decimal], ...]
    incl: tuple[Candidate[Decimal], ...]
    triples: tuple[Triple, ...]
    vat_sum: Decimal | None
    base_sum: Decimal | None


def _pools(found: list[Found], triples: tuple[Triple, ...], breakdown: tuple[VatLine, ...]) -> _Pools:
    vat_sum = sum((line.amount for line in breakdown), Decimal(0)) if breakdown else None
    base_sum = sum((line.base for line in breakdown), Decimal(0)) if breakdown else None
    extra: list[Found] = []
    for triple in triples:
        extra += [Found(Role.EXCL, Candidate(triple.excl, _TRIPLE_MEMBER, -1))]
        extra += [Found(Role.TAX, Candidate(triple.tax, _TRIPLE_MEMBER, -1))]
        extra += [Found(Role.INCL, Candidate(triple.incl, _TRIPLE_MEMBER, -1))]
    if vat_sum is not None and base_sum is not None:
        extra += [
            Found(Role.TAX, Candidate(vat_sum, 0.7, -1)),
            Found(Role.EXCL, Candidate(base_sum, 0.5, -1)),
        ]
    every = found + extra

    def pool(role: Role) -> tuple[Candidate[Decimal], ...]:
        """The best candidates of a role; a zero total before or after tax is no total."""
        found = (item.candidate for item in every if item.role is role)
        return merge(c for c in found if c.value or role is Role.TAX)[:_POOL]

    return _Pools(pool(Role.EXCL), pool(Role.TAX), pool(Role.INCL), triples, vat_sum, base_sum)


def _consistent_score(
    combo: tuple[Candidate[Decimal], Candidate[Decimal], Candidate[Decimal]], pools: _Pools
) -> float | None:
    excl, tax, incl = combo
    if excl.value + tax.value != incl.value:
        return None
    values = (excl.value, tax.value, incl.value)
    triple = max((t.score for t in pools.triples if (t.excl, t.tax, t.incl) == values), default=0.0)
    sums = (_VAT_SUM_BONUS if tax.value == pools.vat_sum else 0.0) + (
        _BASE_SUM_BONUS if excl.value == pools.base_sum else 0.0
    )
    return excl.score + tax.score + incl.score + _CONSISTENT_BONUS + triple + sums


def _best_consistent(
    pools: _Pools,
) -> tuple[Candidate[Decimal], Candidate[Decimal], Candidate[Decimal]] | None:
    scored = [
        (score, combo)
        for combo in product(pools.excl, pools.tax, pools.incl)
        if (score := _consistent_score(combo, pools)) is not None
    ]
    return max(scored, key=lambda item: item[0])[1] if scored else None


def _sure(candidate: Candidate[Decimal]) -> Candidate[Decimal]:
    return Candidate(candidate.value, min(0.99, 0.85 + candidate.score / 5), candidate.line)


def _derived(value: Decimal) -> Candidate[Decimal]:
    return Candidate(value, 0.6, -1)


_Three = tuple[Candidate[Decimal] | None, Candidate[Decimal] | None, Candidate[Decimal] | None]


def _fill(
    excl: Candidate[Decimal] | None,
    tax: Candidate[Decimal] | None,
    incl: Candidate[Decimal] | None,
    no_vat: bool,
) -> _Three:
    """Derive a missing total from the other two, or from one when the invoice charges no VAT."""
    known = excl or incl
    if excl and incl and not tax and incl.value >= excl.value:
        tax = _derived(incl.value - excl.value)
    elif excl and tax and not incl:
        incl = _derived(excl.value + tax.value)
    elif tax and incl and not excl:
        excl = _derived(incl.value - tax.value)
    elif no_vat and not tax and known is not None:
        zero, same = _derived(Decimal("0.00")), _derived(known.value)
        excl, tax, incl = excl or same, zero, incl or same
    return excl, tax, incl


def _choose(pools: _Pools, no_vat: bool) -> tuple[_Three, tuple[str, ...]]:
    """The consistent HT/TVA/TTC with the best labels, else the best of each with a warning."""
    combo = _best_consistent(pools)
    if combo is not None:
        return (_sure(combo[0]), _sure(combo[1]), _sure(combo[2])), ()
    excl, tax, incl = (pool[0] if pool else None for pool in (pools.excl, pools.tax, pools.incl))
    if excl and tax and incl:
        return (excl, tax, incl), (f"HT + TVA != TTC ({excl.value} + {tax.value} != {incl.value})",)
    return _fill(excl, tax, incl, no_vat), ()


def _amount_due(found: list[Found], incl: Candidate[Decimal] | None) -> Candidate[Decimal] | None:
    """The printed amount due, the one that is TTC minus a prepayment first; else TTC minus prepayment."""
    dues = merge(item.candidate for item in found if item.role is Role.DUE)
    paid = [c for c in merge(item.candidate for item in found if item.role is Role.PREPAID) if c.value]
    if incl is None:
        return dues[0] if dues else None
    expected = {incl.value - abs(prepaid.value) for prepaid in paid}
    for due in dues:
        if due.value in expected or (not paid and due.value == incl.value):
            return _sure(due)
    if dues:
        return dues[0]
    return _derived(incl.value - abs(paid[0].value)) if paid else Candidate(incl.value, 0.7, incl.line)


def _breakdown_warnings(breakdown: tuple[VatLine, ...], tax: Candidate[Decimal] | None) -> tuple[str, ...]:
    warnings = unusual_rates(line.rate for line in breakdown)
    total = sum((line.amount for line in breakdown), Decimal(0))
    if breakdown and tax is not None and abs(total) != abs(tax.value):
        warnings += (f"VAT breakdown adds up to {total}, not to the total VAT {tax.value}",)
    return warnings


def single_rate(
    layout: Layout, labels: Labels, excl: Candidate[Decimal] | None, tax: Candidate[Decimal] | None
) -> tuple[tuple[VatLine, ...], tuple[str, ...]]:
    """With no breakdown printed: the rate on a VAT line ("TVA 20 %") that turns HT into the VAT, or a
    warning when the only rates printed there do not."""
    if excl is None or tax is None or not tax.value:
        return (), ()
    rates = [
        rate.value
        for hit in labels.of(Label.TVA, Label.TOTAL_TVA)
        for rate in find_rates(layout.lines[hit.line].text)
        if rate.percent and rate.value
    ]
    for rate in rates:
        if vat_matches(excl.value, rate, tax.value):
            return (VatLine(rate, excl.value, tax.value),), ()
    if len(set(rates)) == 1:
        return (), (f"VAT {tax.value} is not {format_rate(rates[0])} % of {excl.value}",)
    return (), ()


def missing_rate(
    breakdown: tuple[VatLine, ...], excl: Candidate[Decimal] | None, tax: Candidate[Decimal] | None
) -> tuple[tuple[VatLine, ...], tuple[str, ...]]:
    """A breakdown short of the totals by one line (an unreadable row): the one French rate that explains
    the difference is added back, with a warning."""
    if not breakdown or excl is None or tax is None:
        return breakdown, ()
    base = excl.value - sum((line.base for line in breakdown), Decimal(0))
    vat = tax.value - sum((line.amount for line in breakdown), Decimal(0))
    printed = {line.rate for line in breakdown}
    rates = [rate for rate in FRENCH_RATES if rate and rate not in printed and vat_matches(base, rate, vat)]
    if base <= 0 or vat <= 0 or len(rates) != 1:
        return breakdown, ()
    line = VatLine(rates[0], base, vat)
    return (*breakdown, line), (f"VAT line at {format_rate(rates[0])} % inferred from the totals",)


def read_totals(layout: Layout, labels: Labels, *, no_vat: bool) -> Totals:
    """HT, TVA, TTC, amount due and VAT breakdown, cross-checked; `no_vat` when a marker says none is due."""
    found = list(labelled_amounts(layout, labels))
    breakdown = read_breakdown(layout)
    pools = _pools(found, tuple(find_triples(layout, labels)), breakdown)
    (excl, tax, incl), warnings = _choose(pools, no_vat)
    if tax is not None and breakdown:
        breakdown = read_breakdown(layout, tax.value)
    breakdown, rate_warnings = (
        missing_rate(breakdown, excl, tax) if breakdown else single_rate(layout, labels, excl, tax)
    )
    warnings += rate_warnings
    return Totals(
        excl_tax=excl,
        tax=tax,
        incl_tax=incl,
        amount_due=_amount_due(found, incl),
        breakdown=breakdown,
        warnings=warnings + _breakdown_warnings(breakdown, tax),
    )
