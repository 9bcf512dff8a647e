"""Invoice number, issue date and due date, read next to their labels (with weaker fallbacks)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from parsers.fields.dates import DateOrder, find_dates
from parsers.fields.labels import Label, LabelHit, Labels
from parsers.fields.layout import Layout
from parsers.fields.values import Candidate, best, cells_below, date_below, dates_right, right_text

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.\-]{0,34}")
_SPLIT_PREFIX = re.compile(r"^([A-Z]{2,5}) (\d)")
"""A capital prefix split from the digits of a number by one space ("IBZY 2087", "FA 2026-17")."""
_OCR_ZEROS = re.compile(r"(?<=[\d/-])[Oo]+(?=\d)|(?<=\d)[Oo]+(?=[\d/-]|$)")
"""O letters among digits of a number ("2024-OO15"): OCR reads zeros so."""
_NUMBER_SCORES = {  # (right of the label, under it)
    Label.NUMBER: (1.0, 0.8),
    Label.NUMBER_WEAK: (0.6, 0.5),
    Label.NUMBER_BARE: (0.55, 0.0),
    Label.TITLE: (0.5, 0.0),
}
_DATE_SCORES = {Label.ISSUE_DATE: (1.0, 0.8), Label.DATE: (0.6, 0.45)}
_DATE_LABELS = (Label.ISSUE_DATE, Label.DATE, Label.DUE_DATE, Label.OTHER_DATE)
_FALLBACK_LINES = 15
_FALLBACK_SCORE = 0.35


@dataclass(frozen=True)
class Header:
    """The document's own references: number, issue date, due date (each None when not found)."""

    number: Candidate[str] | None
    issue_date: Candidate[dt.date] | None
    due_date: Candidate[dt.date] | None


def number_token(text: str) -> str | None:
    """The invoice number at the start of a value ("# BLR_1", "FA-2026-0017 ", "FA 2026-17"), if it looks
    like one."""
    text = _SPLIT_PREFIX.sub(r"\1\2", text.lstrip(" :#°.-"))
    match = _TOKEN.match(text)
    if match is None:
        return None
    token = _OCR_ZEROS.sub(lambda zeros: "0" * len(zeros.group()), match.group().rstrip("./-_"))
    if not re.search(r"\d", token) or find_dates(token) or not token.strip("0"):
        return None
    return token


def _number_candidates(layout: Layout, labels: Labels) -> Iterator[Candidate[str]]:
    for hit in labels.of(*_NUMBER_SCORES):
        right_score, below_score = _NUMBER_SCORES[hit.kind]
        token = number_token(right_text(layout, labels, hit))
        if token is not None:
            yield Candidate(token, right_score, hit.line)
            continue
        if below_score:
            for cell in cells_below(layout, hit, count=2)[:1]:
                token = number_token(cell.text)
                if token is not None:
                    yield Candidate(token, below_score, cell.line)


def _label_dates(
    layout: Layout, labels: Labels, hit: LabelHit, order: DateOrder
) -> Iterator[tuple[int, dt.date, bool]]:
    """The dates a label announces: (line, date, found right of it rather than under it)."""
    right = dates_right(layout, labels, hit, order)
    if right:
        yield hit.line, right[0].value, True
        return
    below = date_below(layout, hit, order)
    if below is not None:
        yield below[0], below[1].value, False


def _dated(
    layout: Layout, labels: Labels, order: DateOrder, scores: dict[Label, tuple[float, float]]
) -> Iterator[Candidate[dt.date]]:
    for hit in labels.of(*scores):
        for line, value, right in _label_dates(layout, labels, hit, order):
            yield Candidate(value, scores[hit.kind][0 if right else 1], line)


def _claimed(layout: Layout, labels: Labels, order: DateOrder) -> set[tuple[int, dt.date]]:
    """The dates that belong to some label (delivery, order, due...), which the fallback must skip."""
    return {
        (line, value)
        for hit in labels.of(*_DATE_LABELS)
        for line, value, _ in _label_dates(layout, labels, hit, order)
    }


def _fallback_dates(layout: Layout, labels: Labels, order: DateOrder) -> Iterator[Candidate[dt.date]]:
    """Unlabelled dates near the top of the first page, earliest line first."""
    claimed = _claimed(layout, labels, order)
    top = [line for line in layout.page_lines(1) if not line.blank][:_FALLBACK_LINES]
    for rank, line in enumerate(top):
        for match in find_dates(line.text, order):
            if (line.index, match.value) not in claimed:
                yield Candidate(match.value, _FALLBACK_SCORE - rank / 1000, line.index)


def read_header(layout: Layout, labels: Labels, order: DateOrder) -> Header:
    """The invoice number, issue date and due date of a document."""
    issue = best(_dated(layout, labels, order, _DATE_SCORES)) or best(_fallback_dates(layout, labels, order))
    return Header(
        number=best(_number_candidates(layout, labels), repeat_bonus=0.2),
        issue_date=issue,
        due_date=best(_dated(layout, labels, order, {Label.DUE_DATE: (1.0, 0.8)})),
    )
