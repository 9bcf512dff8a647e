"""Expected fields of corpus and fixture documents, the corpus README's comparison rules, and the tallies.

Corpus rules (../shared/corpus/README.md): only fields the truth has are counted (a missing prediction is
wrong); `hidden` fields (in the XML only, not printed) are skipped when the document is read from its print
(text layer, OCR); `alt` values are accepted; amounts to the cent on absolute values; dates ISO; currency
upper-case; names without case, spaces and punctuation; invoice numbers without case, spaces and a leading
`#`; VAT numbers and IBANs without spaces, dots and dashes; a 14-digit SIRET matches the 9-digit SIREN it
starts with. Fixtures (`fixtures/invoices/<case>.expected.json`) are compared key by key, exactly, as the
golden tests do.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from parsers.identifiers import valid_iban, valid_siren, valid_siret, valid_vat

FIELDS = (
    "supplier_name",
    "supplier_siret",
    "supplier_vat",
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "total_excl_tax",
    "total_tax",
    "total_incl_tax",
    "iban",
)
FIXTURE_IGNORED = ("file", "method", "confidence", "warnings")
"""Keys of an .expected.json (or of the contract) that are not fields to score."""
IDENTIFIERS = ("supplier_siret", "supplier_vat", "iban")


@dataclass(frozen=True)
class Expected:
    """What one document should read as: the accepted values of each field (the truth first)."""

    name: str
    values: dict[str, tuple[Any, ...]]
    exact: bool = False
    """Fixtures: plain equality with the contract value instead of the README rules."""


def corpus_records(folder: Path) -> list[dict[str, Any]]:
    """The lines of folder/truth.jsonl."""
    lines = (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def corpus_expected(record: dict[str, Any], printed: bool) -> Expected:
    """A truth.jsonl record's fields; printed: read from the print, so `hidden` fields are left out."""
    hidden = set(record.get("hidden") or ()) if printed else set()
    alternatives = record.get("alt") or {}
    values = {
        key: (record[key], *alternatives.get(key, ()))
        for key in FIELDS
        if record.get(key) is not None and key not in hidden
    }
    return Expected(record["file"], values)


def fixture_expected(path: Path, invoices: Path) -> Expected:
    """A fixture's expected.json (invoices/<case>.expected.json, case = the name before its first dot)."""
    case = path.name.split(".")[0]
    truth = json.loads((invoices / f"{case}.expected.json").read_text(encoding="utf-8"))
    values = {key: (value,) for key, value in truth.items() if key not in FIXTURE_IGNORED}
    return Expected(path.name, values, exact=True)


def _amount(value: Any) -> Decimal | None:
    try:
        return abs(Decimal(str(value))).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _name(value: Any) -> str:
    return "".join(char for char in unicodedata.normalize("NFC", str(value)).casefold() if char.isalnum())


def _number(value: Any) -> str:
    return re.sub(r"\s+", "", str(value)).casefold().lstrip("#")


def _code(value: Any) -> str:
    return re.sub(r"[\s.\-]", "", str(value)).upper()


NORMALIZE: dict[str, Callable[[Any], Any]] = {
    "supplier_name": _name,
    "invoice_number": _number,
    "supplier_vat": _code,
    "iban": _code,
    "currency": lambda value: str(value).upper(),
    "total_excl_tax": _amount,
    "total_tax": _amount,
    "total_incl_tax": _amount,
}


def matches(key: str, predicted: Any, truth: Any) -> bool:
    """Whether a predicted value counts as the truth under the corpus rules."""
    if predicted is None:
        return False
    if key == "supplier_siret":
        got, want = re.sub(r"\D", "", str(predicted)), re.sub(r"\D", "", str(truth))
        return got == want or (len(want) == 9 and len(got) == 14 and got.startswith(want))
    normalize = NORMALIZE.get(key, str)
    return bool(normalize(predicted) == normalize(truth))


def fails_check(key: str, truth: Any) -> bool:
    """Whether a truth identifier fails its own check digits (sample data): the extractor rejects it.

    The extractor's own checks (parsers.identifiers) decide, so that "rejected by design" means just that.
    """
    if key not in IDENTIFIERS or not isinstance(truth, str):
        return False
    value = _code(truth)
    if key == "supplier_siret":
        return not (valid_siret(value) if len(value) == 14 else valid_siren(value))
    if key == "supplier_vat":
        return value[:2].isalpha() and not valid_vat(value)
    return not valid_iban(value)


@dataclass(frozen=True)
class Outcome:
    """One field compared: prediction, truth, whether it counts as right, whether the truth is invalid."""

    key: str
    predicted: Any
    truth: Any
    ok: bool
    invalid: bool


def compare(expected: Expected, contract: dict[str, Any]) -> list[Outcome]:
    """Every expected field of a document compared with the `collecte extract` contract read from it."""
    outcomes = []
    for key, accepted in expected.values.items():
        predicted = contract.get(key)
        if expected.exact:
            ok = predicted == accepted[0]
        else:
            ok = any(matches(key, predicted, value) for value in accepted)
        outcomes.append(Outcome(key, predicted, accepted[0], ok, fails_check(key, accepted[0])))
    return outcomes


@dataclass
class Tally:
    """Right and counted comparisons, and those of them whose truth identifier fails its check digits."""

    right: int = 0
    counted: int = 0
    invalid: int = 0
    invalid_right: int = 0

    def add(self, outcome: Outcome) -> None:
        """Count one comparison."""
        self.counted += 1
        self.right += outcome.ok
        self.invalid += outcome.invalid
        self.invalid_right += outcome.ok and outcome.invalid

    def merge(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.right += other.right
        self.counted += other.counted
        self.invalid += other.invalid
        self.invalid_right += other.invalid_right

    @property
    def accuracy(self) -> float:
        """Right / counted (0 when nothing was counted)."""
        return self.right / self.counted if self.counted else 0.0

    @property
    def valid_accuracy(self) -> float:
        """The accuracy without the comparisons whose truth identifier fails its check digits."""
        kept = self.counted - self.invalid
        return (self.right - self.invalid_right) / kept if kept else 0.0

    @property
    def invalid_misses(self) -> int:
        """Wrong fields whose truth is an identifier failing its check digits (rejected by design)."""
        return self.invalid - self.invalid_right


@dataclass
class Scores:
    """Tallies by (kind, field), documents and seconds by kind, and the misses for --details."""

    tallies: dict[tuple[str, str], Tally] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def add(self, kind: str, name: str, outcomes: Iterable[Outcome], seconds: float) -> None:
        """Count one document read as kind."""
        self.documents[kind] = self.documents.get(kind, 0) + 1
        self.seconds[kind] = self.seconds.get(kind, 0.0) + seconds
        for outcome in outcomes:
            self.tallies.setdefault((kind, outcome.key), Tally()).add(outcome)
            if not outcome.ok:
                note = " (truth fails its check digits)" if outcome.invalid else ""
                self.misses.append(
                    f"{kind:<13} {name}: {outcome.key}: got {outcome.predicted!r},"
                    f" want {outcome.truth!r}{note}"
                )

    def total(self, kinds: Iterable[str], keys: Iterable[str] | None = None) -> Tally:
        """The tallies of the given kinds (and fields, default all) added up."""
        wanted = set(keys) if keys is not None else None
        total = Tally()
        for kind in kinds:
            for (tally_kind, key), tally in self.tallies.items():
                if tally_kind == kind and (wanted is None or key in wanted):
                    total.merge(tally)
        return total

    def counted_keys(self) -> list[str]:
        """The fields counted, FIELDS first, then the other keys (fixtures) in the order first seen."""
        seen = dict.fromkeys(key for _kind, key in self.tallies)
        return [key for key in FIELDS if key in seen] + [key for key in seen if key not in FIELDS]
