"""SIRET, SIREN, VAT numbers and IBANs found in text, kept only when python-stdnum and the RIB key agree."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass

from parsers.fields.layout import Layout, Line
from parsers.identifiers import valid_iban, valid_siren, valid_siret, valid_vat

_VAT_COUNTRIES = "AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|GB|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI|CHE"
_IBAN_START = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{1,4})+")
_VAT_START = re.compile(rf"(?<![A-Z0-9])(?:{_VAT_COUNTRIES})[ -]?[0-9A-Z]{{2}}(?:[ .-]?[0-9A-Z]{{1,4}})+")
_SIRET = re.compile(r"(?<![\dA-Z])(?:\d{14}|\d{3} \d{3} \d{3} \d{5}|\d{3} \d{3} \d{3} \d{3} \d{2})(?! ?\d)")
_SIREN_LABELLED = re.compile(
    r"(?:siren|r\.?c\.?s\.?|registre du commerce)(?:\s*:?\s*|[ ,:]+[a-z' -]{1,30}?[ :]+(?:[ab] )?)"
    r"(\d{9}|\d{3} \d{3} \d{3})(?! ?\d)"
)
_VAT_LABELLED = re.compile(
    r"(?<![a-z])(?:vat|tva|btw|ust|mwst|gst|tin)[\w./-]*\s*(?:no\.?|number|n°|nr\.?|id)?\s*[:#]?\s*(\d[0-9a-z]{7,14})(?![0-9a-z])"
)
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_CHECK_LOOKALIKES = str.maketrans({"O": "0", "S": "5", "I": "1", "Z": "2", "B": "8"})
_IBAN_CHECK = re.compile(r"(?<![A-Z0-9])([A-Z]{2})([0-9OSIZB]{2})(?=[A-Z0-9]{4})")
"""An IBAN's country code and check digits: OCR reads 5 as S, 0 as O..."""


class IdKind(enum.StrEnum):
    """What an identifier is."""

    SIRET = "siret"
    SIREN = "siren"
    VAT = "vat"
    IBAN = "iban"


@dataclass(frozen=True)
class Identifier:
    """A checked identifier at columns [start, end) of a line; `validated` is False for an unchecked VAT."""

    kind: IdKind
    value: str
    line: int
    start: int
    end: int
    validated: bool = True

    @property
    def siren(self) -> str | None:
        """The French company number inside, if any."""
        if self.kind in (IdKind.SIRET, IdKind.SIREN):
            return self.value[:9]
        if self.kind is IdKind.VAT and self.value.startswith("FR") and self.validated:
            return self.value[4:]
        return None


def _plain_view(text: str) -> str:
    """The line in upper case with no-break spaces as spaces, one char for one char."""
    return text.upper().replace("\u00a0", " ").replace("\u202f", " ")


def _ocr_view(text: str) -> str:
    """The plain view with O/o/l/I next to a digit read as a digit, and IBAN check digits read as digits
    (OCR slips), one char for one char."""
    chars = list(_plain_view(text))
    for index, char in enumerate(text):
        if char in "OolI|" and _near_digit(text, index):
            chars[index] = char.translate(_DIGIT_LOOKALIKES)
    return _IBAN_CHECK.sub(lambda m: m.group(1) + m.group(2).translate(_CHECK_LOOKALIKES), "".join(chars))


def _near_digit(text: str, index: int) -> bool:
    before = text[index - 1] if index else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    return before.isdigit() or after.isdigit()


def _prefixes(match: re.Match[str]) -> Iterator[tuple[str, int]]:
    """Longest first: the match and its shorter prefixes cut at separators, compacted, with their end."""
    text = match.group()
    cuts = [m.start() for m in re.finditer(r"[ .-]", text)] + [len(text)]
    for cut in sorted(set(cuts), reverse=True):
        yield re.sub(r"[ .-]", "", text[:cut]), match.start() + cut


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= left or start >= right for left, right in taken)


def _scan_checked(line: Line, view: str, taken: list[tuple[int, int]]) -> Iterator[Identifier]:
    for kind, pattern, check in (
        (IdKind.IBAN, _IBAN_START, valid_iban),
        (IdKind.VAT, _VAT_START, valid_vat),
    ):
        for match in pattern.finditer(view):
            for value, end in _prefixes(match):
                if _free(taken, match.start(), end) and check(value):
                    taken.append((match.start(), end))
                    yield Identifier(kind, value, line.index, match.start(), end)
                    break


def _scan_company(line: Line, view: str, taken: list[tuple[int, int]]) -> Iterator[Identifier]:
    for match in _SIRET.finditer(view):
        value = match.group().replace(" ", "")
        if _free(taken, *match.span()) and valid_siret(value):
            taken.append(match.span())
            yield Identifier(IdKind.SIRET, value, line.index, *match.span())
    for match in _SIREN_LABELLED.finditer(view.lower()):
        value = match.group(1).replace(" ", "")
        if _free(taken, *match.span(1)) and valid_siren(value):
            taken.append(match.span(1))
            yield Identifier(IdKind.SIREN, value, line.index, *match.span(1))


def _scan_unchecked_vat(line: Line, view: str, taken: list[tuple[int, int]]) -> Iterator[Identifier]:
    """A VAT or tax number after its label with no country prefix (e.g. an Indian TIN): kept unchecked."""
    for match in _VAT_LABELLED.finditer(view.lower()):
        if _free(taken, *match.span(1)) and sum(char.isdigit() for char in match.group(1)) >= 8:
            taken.append(match.span(1))
            yield Identifier(IdKind.VAT, match.group(1).upper(), line.index, *match.span(1), validated=False)


def line_identifiers(line: Line) -> tuple[Identifier, ...]:
    """The identifiers of one line: IBANs, VAT numbers, SIRETs, labelled SIRENs, then unchecked VATs.

    The line is read as printed, then once more with OCR look-alikes (O for 0, l for 1) read as digits.
    """
    taken: list[tuple[int, int]] = []
    found: list[Identifier] = []
    for view in dict.fromkeys((_plain_view(line.text), _ocr_view(line.text))):
        found += [*_scan_checked(line, view, taken), *_scan_company(line, view, taken)]
    if not any(item.kind is IdKind.VAT for item in found):
        found += _scan_unchecked_vat(line, _plain_view(line.text), taken)
    return tuple(sorted(found, key=lambda item: item.start))


def find_identifiers(layout: Layout) -> tuple[Identifier, ...]:
    """Every identifier of the document, in reading order."""
    return tuple(item for line in layout.lines if not line.blank for item in line_identifiers(line))
