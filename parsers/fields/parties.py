"""Who is who: the supplier (the issuer) and its identifiers and name, the customer's SIREN, the IBAN."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from parsers.fields.blocks import Zone, inside, zones_under
from parsers.fields.identifiers import Identifier, IdKind
from parsers.fields.labels import Label, Labels
from parsers.fields.layout import Layout
from parsers.fields.names import (
    LEGAL,
    NameContext,
    block_names,
    form_names,
    labelled_names,
    legal_names,
    top_name,
    with_repeat_bonus,
)
from parsers.fields.values import Candidate, best

_LEGAL_BONUS, _SUPPLIER_ZONE_BONUS, _CUSTOMER_PENALTY = 3.0, 3.0, -10.0


@dataclass(frozen=True)
class Entity:
    """The identifiers of one company: a SIREN and what contains it, or a foreign VAT number."""

    key: str
    hits: tuple[Identifier, ...]

    def first(self, kind: IdKind) -> Identifier | None:
        """The first identifier of a kind, checked ones first."""
        found = sorted((hit for hit in self.hits if hit.kind is kind), key=lambda hit: not hit.validated)
        return found[0] if found else None

    @property
    def siren(self) -> str | None:
        """The SIREN, for a French company."""
        return next((hit.siren for hit in self.hits if hit.siren), None)


@dataclass(frozen=True)
class Parties:
    """The supplier's name and identifiers, the IBAN to pay, and the customer's SIREN when printed."""

    supplier_name: Candidate[str] | None
    supplier: Entity | None
    iban: Identifier | None
    customer_siren: Candidate[str] | None


def group_entities(identifiers: Iterable[Identifier]) -> tuple[Entity, ...]:
    """Identifiers grouped by company (SIRET, SIREN and FR VAT share a SIREN), in order of first mention."""
    groups: dict[str, list[Identifier]] = {}
    for hit in identifiers:
        if hit.kind is not IdKind.IBAN:
            groups.setdefault(hit.siren or hit.value, []).append(hit)
    return tuple(Entity(key, tuple(hits)) for key, hits in groups.items())


def _customer_side(layout: Layout, labels: Labels, zones: tuple[Zone, ...], hit: Identifier) -> bool:
    """Whether an identifier belongs to the customer: in its box, or after "N° TVA client" and the like."""
    if inside(zones, hit.line, hit.start):
        return True
    return any(
        label.kind is Label.CUSTOMER_ID and label.end <= hit.start < labels.region_end(label)
        for label in labels.on_line(hit.line)
    )


def _supplier_score(
    layout: Layout, entity: Entity, customer: bool, supplier_zones: tuple[Zone, ...]
) -> float:
    kinds = len({hit.kind for hit in entity.hits}) + (
        0.0 if all(hit.validated for hit in entity.hits) else -0.5
    )
    legal = any(LEGAL.search(layout.lines[hit.line].folded) for hit in entity.hits)
    zoned = any(inside(supplier_zones, hit.line, hit.start) for hit in entity.hits)
    return (
        kinds
        + (_LEGAL_BONUS if legal else 0)
        + (_SUPPLIER_ZONE_BONUS if zoned else 0)
        + (_CUSTOMER_PENALTY if customer else 0)
    )


def _split(
    layout: Layout, labels: Labels, entities: tuple[Entity, ...], zones: tuple[Zone, ...]
) -> tuple[Entity | None, Candidate[str] | None]:
    """The supplier entity (best score, earliest on ties) and the customer's SIREN."""
    supplier_zones = zones_under(layout, labels, Label.SUPPLIER)
    customer = {e.key: any(_customer_side(layout, labels, zones, hit) for hit in e.hits) for e in entities}
    scored = [
        (_supplier_score(layout, e, customer[e.key], supplier_zones), -i, e) for i, e in enumerate(entities)
    ]
    suppliers = [item for item in scored if not customer[item[2].key]]
    supplier = max(suppliers, key=lambda item: item[:2])[2] if suppliers else None
    flagged = [e for e in entities if customer[e.key] and e.siren]
    others = [e for e in entities if e is not supplier and e.siren and not customer[e.key]]
    if flagged:
        return supplier, Candidate(str(flagged[0].siren), 0.9, flagged[0].hits[0].line)
    if len(others) == 1:
        return supplier, Candidate(str(others[0].siren), 0.5, others[0].hits[0].line)
    return supplier, None


def _iban(
    layout: Layout, labels: Labels, identifiers: Iterable[Identifier], zones: tuple[Zone, ...]
) -> Identifier | None:
    ibans = [
        hit
        for hit in identifiers
        if hit.kind is IdKind.IBAN and not _customer_side(layout, labels, zones, hit)
    ]
    labelled = [hit for hit in ibans if any(label.kind is Label.BANK for label in labels.on_line(hit.line))]
    return next(iter(labelled or ibans), None)


def read_parties(layout: Layout, labels: Labels, identifiers: tuple[Identifier, ...]) -> Parties:
    """Supplier and customer, told apart by the customer's box, legal footers and labels."""
    zones = zones_under(layout, labels, Label.CUSTOMER)
    supplier, customer_siren = _split(layout, labels, group_entities(identifiers), zones)
    context = NameContext(layout, labels, zones)
    candidates = [
        *labelled_names(context),
        *form_names(context),
        *block_names(context, supplier.hits if supplier else ()),
        *legal_names(context),
        *top_name(context),
    ]
    name = best(with_repeat_bonus(layout, candidates), repeat_bonus=0.15)
    return Parties(name, supplier, _iban(layout, labels, identifiers, zones), customer_siren)
