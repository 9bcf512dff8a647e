"""FEC checks across rows: entries contiguous, unique, consistent and balanced; rows in validation order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from purchases.fec_format import ENTRY_SHARED

Report = Callable[[int, str, str], None]
"""Where a violation goes: (line, rule, message)."""


@dataclass(frozen=True)
class RowValues:
    """What the entry checks need of one row: its amounts and ValidDate when they could be read."""

    debit: Decimal | None
    credit: Decimal | None
    valid_date: date | None


@dataclass
class _Run:
    """The current entry: one EcritureNum on contiguous rows."""

    number: str
    first: int
    last: int
    shared: dict[str, str]
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    summable: bool = True


class EntryChecks:
    """Checks across rows: entries (contiguous, unique, consistent, balanced) and the validation order."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.run: _Run | None = None
        self.seen: dict[str, tuple[int, str]] = {}
        self.previous: tuple[int, date] | None = None

    def add(self, number: int, row: dict[str, str], values: RowValues) -> None:
        self._order(number, values.valid_date)
        entry = row["EcritureNum"]
        if not entry.strip():  # most likely a line of the current entry: its balance is unknown
            if self.run is not None:
                self.run.summable = False
            return
        if self.run is None or self.run.number != entry:
            self.close()
            self._open(number, entry, row)
        else:
            self._join(number, row)
        run = self.run
        assert run is not None
        run.last = number
        if values.debit is None or values.credit is None:
            run.summable = False
        else:
            run.debit += values.debit
            run.credit += values.credit

    def unreadable(self, number: int, entry: str) -> None:
        """A row split into the wrong number of fields (`entry`: its third): its entry cannot be summed."""
        if self.run is None or self.run.number != entry:
            self.close()
            self.run = _Run(entry, number, number, {})
        self.run.summable = False
        self.run.last = number

    def close(self) -> None:
        """Ends the current entry: it must balance."""
        run, self.run = self.run, None
        if run is None or not run.summable or run.debit == run.credit:
            return
        lines = f"line {run.first}" if run.first == run.last else f"lines {run.first}-{run.last}"
        totals = f"Debit {_spell(run.debit)}, Credit {_spell(run.credit)}"
        self.report(run.first, "unbalanced_entry", f"entry {run.number} ({lines}) does not balance: {totals}")

    def _open(self, number: int, entry: str, row: dict[str, str]) -> None:
        journal = row["JournalCode"]
        earlier = self.seen.get(entry)
        if earlier is None:
            self.seen[entry] = (number, journal)
        else:
            line, first_journal = earlier
            if first_journal != journal:
                why = f"is already an entry of journal {first_journal} (line {line}): numbers are unique"
            else:
                why = f"was already used from line {line}: an entry's lines are contiguous, its number unique"
            self.report(number, "entry_number_reused", f"EcritureNum {entry!r} {why}")
        self.run = _Run(entry, number, number, {column: row[column] for column in ENTRY_SHARED})

    def _join(self, number: int, row: dict[str, str]) -> None:
        run = self.run
        assert run is not None
        if not run.shared:  # the entry began with an unreadable row
            run.shared = {column: row[column] for column in ENTRY_SHARED}
        for column in ENTRY_SHARED:
            if row[column] != run.shared[column]:
                first = f"{run.shared[column]!r} on line {run.first}, the first line of entry {run.number}"
                self.report(number, "entry_mismatch", f"{column} {row[column]!r} differs from {first}")

    def _order(self, number: int, valid: date | None) -> None:
        if valid is None:
            return
        if self.previous is not None and valid < self.previous[1]:
            line, before = self.previous
            why = f"is before {before:%Y%m%d} on line {line}: rows come in chronological validation order"
            self.report(number, "validation_order", f"ValidDate {valid:%Y%m%d} {why}")
        self.previous = (number, valid)


def _spell(amount: Decimal) -> str:
    return f"{amount:f}".replace(".", ",")
