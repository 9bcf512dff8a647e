"""Supplier name candidates: labelled, heading the supplier's identifier block, in a legal footer, on top."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from parsers.fields.blocks import NAME_GAP, SLACK, Zone, block_above, block_below, inside, label_column
from parsers.fields.dates import find_dates
from parsers.fields.identifiers import Identifier
from parsers.fields.labels import Label, Labels
from parsers.fields.layout import Cell, Layout, cell_text, fold, squeeze
from parsers.fields.values import Candidate, right_text

LEGAL = re.compile(
    r"capital|(?<![a-z])r\.?\s?c\.?\s?s(?![a-z])|siege social|registered office|handelsregister|(?<![a-z])hrb"
    r"|amtsgericht|(?<![a-z])kvk(?![a-z])|(?<![a-z])ape(?![a-z])|n° d'entreprise|(?<![a-z])bce(?![a-z])"
    r"|geschaftsfuhr|immatricul"
)
_NOT_A_NAME = re.compile(
    r"@|www\.|https?:|://|:|\+\d|(?<![a-z])(?:logo|page|tel|fax|phone|email|e-mail)(?![a-z])"
    r"|(?<![a-z])(?:factures?|invoices?|avoirs?|credit notes?|factuur|rechnung|receipts?|recu|quittung"
    r"|devis|quote|bill|bon de livraison|delivery note)(?![a-z])"
)
_SEPARATORS = re.compile(r"\s+[\u2013\u2014|\u2022\u00b7\u25cf-]\s+")
_FORMS = r"(?:sarl|sas|sasu|eurl|sa|snc|sci|selarl|scop|sca)"
_FRENCH_FORM = re.compile(rf"[\s,]+{_FORMS}\.?$|^{_FORMS}\.?(?:\s+|$)")
_CAPITAL = re.compile(r"\s+(?:au capital|with a (?:share )?capital|capital social|share capital)")
_SCORES = {"labelled": 0.9, "block": 0.75, "legal": 0.6, "legal_above": 0.5, "top": 0.55}
_REPEATED_BONUS = 0.15
_TOP_LINES = 8
_SECTION_LINES = 15


@dataclass(frozen=True)
class NameContext:
    """What the name readers look at: the layout, its labels and the customer's boxes."""

    layout: Layout
    labels: Labels
    customer_zones: tuple[Zone, ...]


def clean_name(text: str) -> str:
    """The name in a cell: first part before a " - ", spaces collapsed, French legal form dropped."""
    name = cell_text(_SEPARATORS.split(text.strip())[0])
    name = name[: capital.start()] if (capital := _CAPITAL.search(fold(name))) else name
    form = _FRENCH_FORM.search(fold(name))
    if form is None:
        return name
    if len(form.group().strip()) >= len(name) - 1:
        return ""
    return cell_text(name[form.end() :] if form.start() == 0 else name[: form.start()])


def name_ok(name: str) -> bool:
    """Whether a cleaned text can be a company name (not an address, label, date, title, contact line)."""
    folded = fold(name)
    letters = sum(char.isalpha() for char in name)
    digits = sum(char.isdigit() for char in name)
    if not 2 <= len(name) <= 70 or letters < 2 or digits * 3 > len(name) or name[0].isdigit():
        return False
    return not (_NOT_A_NAME.search(folded) or LEGAL.search(folded) or find_dates(name))


def _cell_name(context: NameContext, cell: Cell) -> str | None:
    """The name a cell holds, unless it is a label or lies in the customer's box."""
    starts_label = any(hit.start == cell.start for hit in context.labels.on_line(cell.line))
    label_like = ":" in cell.text or context.layout.lines[cell.line].text[cell.end :].lstrip().startswith(":")
    if starts_label or label_like or inside(context.customer_zones, cell.line, cell.start):
        return None
    name = clean_name(cell.text)
    return name if name_ok(name) else None


def _in_block(context: NameContext, cells: Iterable[Cell]) -> str | None:
    """The first name in a block, or the value of a "Name:" label in it."""
    for cell in cells:
        named = [hit for hit in context.labels.on_line(cell.line) if hit.kind is Label.NAME]
        if named and named[0].start == cell.start:
            value = clean_name(right_text(context.layout, context.labels, named[0]))
            return value if name_ok(value) else None
        name = _cell_name(context, cell)
        if name:
            return name
    return None


def labelled_names(context: NameContext) -> Iterator[Candidate[str]]:
    """The value right of "Sold by :", "Vendeur", "in favor of", or the block under it."""
    layout, labels = context.layout, context.labels
    for hit in labels.of(Label.SUPPLIER, Label.PAYEE):
        name = clean_name(right_text(layout, labels, hit))
        if not name_ok(name):
            found = _in_block(context, block_below(layout, hit.line, label_column(layout, hit))[:6])
            name = found or ""
        if name:
            yield Candidate(name, _SCORES["labelled"], hit.line)


def form_names(context: NameContext) -> Iterator[Candidate[str]]:
    """In a form ("Verkäufer" ... "Name: X"), the value of a name label whose section is the supplier's."""
    labels = context.labels
    for hit in labels.of(Label.NAME):
        section = _section_above(context, hit.line, hit.start)
        if section is Label.SUPPLIER:
            name = clean_name(right_text(context.layout, labels, hit))
            if name_ok(name):
                yield Candidate(name, _SCORES["labelled"], hit.line)


def _section_above(context: NameContext, index: int, column: int) -> Label | None:
    """The nearest party label above a line in the same column: which party's section the line is in."""
    for line in reversed(context.layout.lines[max(0, index - _SECTION_LINES) : index]):
        for hit in context.labels.on_line(line.index):
            if hit.kind in (Label.SUPPLIER, Label.CUSTOMER) and abs(hit.start - column) <= SLACK:
                return hit.kind
    return None


def block_names(context: NameContext, hits: Iterable[Identifier]) -> Iterator[Candidate[str]]:
    """The head of the column block holding the supplier's identifiers (name, address, SIRET...)."""
    layout = context.layout
    for hit in hits:
        cell = layout.cell_at(hit.line, hit.start, NAME_GAP)
        if cell is None or LEGAL.search(layout.lines[hit.line].folded):
            continue
        above = block_above(layout, hit.line, cell.start)
        name = _in_block(context, reversed(above))
        if name:
            yield Candidate(name, _SCORES["block"], hit.line)


def legal_names(context: NameContext) -> Iterator[Candidate[str]]:
    """The name opening a legal line ("X - SARL au capital de..."), or standing alone just above it."""
    layout = context.layout
    for line in layout.lines:
        if line.blank or not LEGAL.search(line.folded):
            continue
        name = clean_name(line.text)
        if name_ok(name):
            yield Candidate(name, _SCORES["legal"], line.index)
            continue
        alone = _alone_above(layout, line.index)
        if alone is not None:
            yield alone


def _alone_above(layout: Layout, index: int) -> Candidate[str] | None:
    """A name standing alone on one of the two lines above a line (a centred footer)."""
    for prev in reversed([line for line in layout.lines[max(0, index - 3) : index] if not line.blank][-2:]):
        cells = layout.cells(prev.index, NAME_GAP)
        name = clean_name(cells[0].text) if len(cells) == 1 else ""
        if name and name_ok(name):
            return Candidate(name, _SCORES["legal_above"], prev.index)
    return None


def top_name(context: NameContext) -> Iterator[Candidate[str]]:
    """The first name-like cell at the top of the first page, in reading order."""
    top = [line for line in context.layout.page_lines(1) if not line.blank][:_TOP_LINES]
    for line in top:
        for cell in context.layout.cells(line.index, NAME_GAP):
            name = _cell_name(context, cell)
            if name:
                yield Candidate(name, _SCORES["top"], line.index)
                return


def with_repeat_bonus(layout: Layout, candidates: Iterable[Candidate[str]]) -> Iterator[Candidate[str]]:
    """Each candidate, trusted more when another line starts with the name too (header and footer)."""
    squeezed = [squeeze(line.text) for line in layout.lines]
    for candidate in candidates:
        key = squeeze(candidate.value)
        again = any(text.startswith(key) for index, text in enumerate(squeezed) if index != candidate.line)
        yield Candidate(candidate.value, candidate.score + (_REPEATED_BONUS if again else 0), candidate.line)
