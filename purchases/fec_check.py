"""Checks a FEC file and reports every violation with its line number, a stable rule code and a sentence.

Sources: §7 is domain.md §7 (art. A47 A-1 LPF as the project applies it); TCD is the DGFiP's Test Compta Demat
(github.com/DGFiP/Test-Compta-Demat, src/testeur/trt_txt.pl), which the tax inspector's Alto 2 also runs.

Rules (code: what it asks [source]):
- file_size: at most MAX_FEC_BYTES, else refused unread, line 0 [a bound of ours]
- filename, filename_siren, filename_date: `<SIREN>FEC<YYYYMMDD>.txt`, a valid SIREN, a real date [§7, TCD]
- empty_file: at least the header line [TCD]
- bom, encoding: UTF-8 without BOM or ISO-8859-15, one of the two for the whole file [§7]
- line_end: no CR but at the end of a line (rows end with CRLF or LF) [§7]
- header: the 18 names, spelt exactly, in order [§7, TCD]
- separator: `|` or TAB, never `;` or `,` [§7, TCD]
- column_count: every row has the header's number of fields [TCD]
- empty_line, trailing_empty_line: no empty line, at the end neither (a final CRLF is no empty line) [§7, TCD]
- mandatory_field: the 10 mandatory columns are not blank [§7, TCD]
- date_format, invalid_date: YYYYMMDD, a calendar date [§7, TCD]
- amount_format: digits, a decimal comma, no `.`, no thousands separator; Debit/Credit never empty [§7, TCD]
- negative_amount: Debit and Credit not below zero (a credit note is the invoice's mirror) [§6]
- debit_credit: exactly one of Debit/Credit non-zero [§7, TCD]
- account_number: CompteNum starts with 3 digits [§7, TCD]
- pair: CompAuxNum/CompAuxLib, EcritureLet/DateLet, Montantdevise/Idevise filled together or not at all [§7]
- entry_mismatch: an entry's lines share JournalCode, EcritureDate, PieceRef, PieceDate [§7]
- unbalanced_entry: an entry's Debit total equals its Credit total [§7]
- entry_number_reused: an EcritureNum is one run of contiguous rows in one journal, unique in the file [§7]
- validation_order: ValidDate never goes back from one row to the next [§7]
- too_many_violations: beyond MAX_VIOLATIONS, the rest is counted, not listed, line 0 [a bound of ours]

Left out: ValidDate before EcritureDate (neither §7 nor TCD forbids it), gaps in entry numbering (schemes vary
per journal), "auxiliary only on 401 lines" (true of our purchase journal, not of every journal of a FEC) and
the file's total balance (implied by balanced entries; TCD turned that alert off).

The file is read line by line from the bytes (each line decoded on its own); kept across lines: the current
entry, and each entry number with its first line and journal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePath

from stdnum.fr import siren as stdnum_siren

from purchases.fec_entries import EntryChecks, RowValues
from purchases.fec_format import (
    ACCOUNT_START,
    COLUMNS,
    DATE_COLUMNS,
    FILENAME,
    MANDATORY,
    PAIRS,
)

MAX_FEC_BYTES = 500 * 1024 * 1024
"""A larger file is refused with a `file_size` violation instead of being read."""
MAX_VIOLATIONS = 10_000
"""Violations listed; beyond, one `too_many_violations` counts the rest."""

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_C1 = re.compile(rb"[\x80-\x9f]")
_DATE = re.compile(r"[0-9]{8}")
_AMOUNT = re.compile(r"-?[0-9]+(?:,[0-9]+)?")


@dataclass(frozen=True)
class FecViolation:
    """One broken rule: where (1 = the header, 0 = the whole file), which rule, and a sentence."""

    line: int  # 1-based line number in the file (1 = header); 0 for whole-file problems
    rule: str  # a stable code, e.g. "header", "separator", "date_format", "unbalanced_entry"...
    message: str  # one sentence in English naming the column and the value


class _Report:
    """The violations found so far, at most MAX_VIOLATIONS of them."""

    def __init__(self) -> None:
        self.violations: list[FecViolation] = []
        self.dropped = 0

    def add(self, line: int, rule: str, message: str) -> None:
        if len(self.violations) < MAX_VIOLATIONS:
            self.violations.append(FecViolation(line, rule, message))
        else:
            self.dropped += 1

    def result(self) -> list[FecViolation]:
        """The violations by line (whole-file ones first), in the order found within a line."""
        found = sorted(self.violations, key=lambda violation: violation.line)
        if not self.dropped:
            return found
        more = f"{self.dropped} more violations are not listed (the first {MAX_VIOLATIONS} found are)"
        return [*found, FecViolation(0, "too_many_violations", more)]


def check_fec(data: bytes, filename: str | None = None) -> list[FecViolation]:
    """Every violation of the DGFiP-style rules of domain.md §7 (empty list: the file passes)."""
    report = _Report()
    if filename is not None:
        _check_filename(PurePath(filename).name, report)
    if len(data) > MAX_FEC_BYTES:
        _too_big(len(data), report)
    else:
        _check_content(data, report)
    return report.result()


def check_fec_file(path: Path) -> list[FecViolation]:
    """check_fec on a file and its name; a file over MAX_FEC_BYTES is not read. OSError when unreadable."""
    size = path.stat().st_size
    if size > MAX_FEC_BYTES:
        report = _Report()
        _check_filename(path.name, report)
        _too_big(size, report)
        return report.result()
    with path.open("rb") as stream:
        return check_fec(stream.read(MAX_FEC_BYTES + 1), path.name)


def _too_big(size: int, report: _Report) -> None:
    limit = MAX_FEC_BYTES // (1024 * 1024)
    report.add(0, "file_size", f"the file has {size} bytes, more than the {limit} MB this check reads")


def _check_filename(name: str, report: _Report) -> None:
    match = FILENAME.fullmatch(name)
    if match is None:
        report.add(0, "filename", f"the file name {name!r} is not <SIREN>FEC<YYYYMMDD>.txt")
        return
    if not stdnum_siren.is_valid(match["siren"]):
        report.add(0, "filename_siren", f"{match['siren']!r} in the file name is not a valid SIREN")
    if _calendar_date(match["closing"]) is None:
        why = "is not a calendar date (the fiscal-year closing date, YYYYMMDD)"
        report.add(0, "filename_date", f"{match['closing']!r} in the file name {why}")


def _calendar_date(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def _check_content(data: bytes, report: _Report) -> None:
    if not data:
        report.add(0, "empty_file", "the file is empty: a FEC starts with its header line")
        return
    if data.startswith(_UTF16_BOMS):
        report.add(1, "encoding", "the file is UTF-16: a FEC is UTF-8 without BOM or ISO-8859-15")
        return
    start = 0
    if data.startswith(_UTF8_BOM):
        report.add(1, "bom", "the file starts with a byte order mark (BOM): a FEC in UTF-8 has none")
        start = len(_UTF8_BOM)
    lines = _decoded_lines(data, start, report)
    _, header = next(lines, (1, ""))
    separator = _separator(header, report)
    if separator is None:
        return
    names = header.split(separator)
    _check_header(names, report)
    rows = _Rows(separator, len(names), len(names) == len(COLUMNS), report)
    for number, text in lines:
        rows.check(number, text)
    rows.finish()


def _raw_lines(data: bytes, start: int) -> Iterator[bytes]:
    """The lines of data from start, without their LF; a final LF does not start a line."""
    end = len(data)
    while start < end:
        stop = data.find(b"\n", start)
        if stop < 0:
            yield data[start:]
            return
        yield data[start:stop]
        start = stop + 1


def _decoded_lines(data: bytes, start: int, report: _Report) -> Iterator[tuple[int, str]]:
    decoder = _Decoder(report)
    for number, raw in enumerate(_raw_lines(data, start), start=1):
        line = raw.removesuffix(b"\r")
        if b"\r" in line:
            why = (
                "a carriage return (CR) inside the line: rows end with CRLF or LF and text has no line break"
            )
            report.add(number, "line_end", why)
        yield number, decoder.decode(number, line)


class _Decoder:
    """Decodes each line as UTF-8 if it is, else as ISO-8859-15; the first non-ASCII line sets the file's."""

    def __init__(self, report: _Report) -> None:
        self.report = report
        self.encoding = ""
        self.since = 0

    def decode(self, number: int, raw: bytes) -> str:
        if raw.isascii():
            return raw.decode("ascii")
        try:
            text, found = raw.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            text, found = raw.decode("iso8859_15"), "ISO-8859-15"
            control = _C1.search(raw)
            if control is not None:
                byte = f"0x{control.group()[0]:02X}"
                why = "is neither UTF-8 nor a character of ISO-8859-15 (a Windows-1252 file?)"
                self.report.add(number, "encoding", f"byte {byte} {why}")
        if not self.encoding:
            self.encoding, self.since = found, number
        elif found != self.encoding:
            why = f"the line is {found} while line {self.since} is {self.encoding}: one encoding per file"
            self.report.add(number, "encoding", why)
        return text


def _separator(header: str, report: _Report) -> str | None:
    """The header's separator: `|` or TAB; None (and a violation) for anything else."""
    if "|" in header and "\t" in header:
        return "\t" if header.count("\t") == len(COLUMNS) - 1 else "|"
    if "|" in header or "\t" in header:
        return "|" if "|" in header else "\t"
    if not header:
        report.add(1, "header", "the first line is empty: a FEC starts with its header line")
        return None
    for wrong in (";", ","):
        if wrong in header:
            report.add(1, "separator", f"the header is separated by {wrong!r}: a FEC uses '|' or TAB")
            return None
    report.add(1, "separator", "the header has no '|' or TAB between its column names")
    return None


def _check_header(names: list[str], report: _Report) -> None:
    if len(names) != len(COLUMNS):
        report.add(1, "header", f"the header has {len(names)} columns, a FEC has these {len(COLUMNS)}")
    spelt = {column.lower(): column for column in COLUMNS}
    for position, name in enumerate(names, start=1):
        if name not in COLUMNS:
            right = spelt.get(name.strip().lower())
            hint = f", write {right!r}" if right else ""
            report.add(1, "header", f"column {position} {name!r} is not a FEC column name{hint}")
    near = {name.strip().lower() for name in names}
    missing = [column for column in COLUMNS if column.lower() not in near]
    for column in missing:
        report.add(1, "header", f"the header has no {column} column")
    if len(names) == len(COLUMNS) and not missing and set(names) == set(COLUMNS) and names != list(COLUMNS):
        report.add(1, "header", f"the columns are out of order; expected: {', '.join(COLUMNS)}")


class _Rows:
    """Checks each row after the header, then the entries they form."""

    def __init__(self, separator: str, columns: int, positional: bool, report: _Report) -> None:
        self.separator = separator
        self.columns = columns
        self.positional = positional
        self.report = report
        self.entries = EntryChecks(report.add)
        self.blank: tuple[int, int] | None = None

    def check(self, number: int, text: str) -> None:
        if not text:
            self.blank = (self.blank[0] if self.blank else number, number)
            return
        self._flush_blank("empty_line", "a FEC has no empty line")
        cells = text.split(self.separator)
        if len(cells) != self.columns:
            why = f"the row has {len(cells)} fields, the header {self.columns}"
            hint = f" (is there a {self.separator!r} inside a text?)" if len(cells) > self.columns else ""
            self.report.add(number, "column_count", why + hint)
            self.entries.unreadable(number, cells[2] if len(cells) > 2 else "")
        elif self.positional:
            row = dict(zip(COLUMNS, cells, strict=True))
            self.entries.add(number, row, _check_row(number, row, self.report))

    def finish(self) -> None:
        self._flush_blank("trailing_empty_line", "the file ends with empty lines after its last row")
        self.entries.close()

    def _flush_blank(self, rule: str, why: str) -> None:
        if self.blank is None:
            return
        first, last = self.blank
        where = f"line {first} is empty" if first == last else f"lines {first} to {last} are empty"
        self.report.add(first, rule, f"{where}: {why}")
        self.blank = None


def _check_row(number: int, row: dict[str, str], report: _Report) -> RowValues:
    """The checks of one row on its own."""
    for column in MANDATORY:
        if not row[column].strip():
            report.add(number, "mandatory_field", f"{column} is empty, and it is mandatory")
    account = row["CompteNum"]
    if account.strip() and not ACCOUNT_START.match(account):
        report.add(number, "account_number", f"CompteNum {account!r} does not start with 3 digits")
    for first, second in PAIRS:
        if bool(row[first].strip()) != bool(row[second].strip()):
            filled, empty = (first, second) if row[first].strip() else (second, first)
            why = f"{filled} is {row[filled]!r} but {empty} is empty: fill both or neither"
            report.add(number, "pair", why)
    dates = _dates(number, row, report)
    debit, credit = (_amount(number, column, row[column], report) for column in ("Debit", "Credit"))
    if row["Montantdevise"]:
        _amount(number, "Montantdevise", row["Montantdevise"], report)
    if debit is not None and credit is not None and debit.is_zero() == credit.is_zero():
        both = "both zero" if debit.is_zero() else f"both non-zero ({row['Debit']} and {row['Credit']})"
        report.add(number, "debit_credit", f"Debit and Credit are {both}: exactly one must be non-zero")
    return RowValues(debit, credit, dates.get("ValidDate"))


def _dates(number: int, row: dict[str, str], report: _Report) -> dict[str, date]:
    found: dict[str, date] = {}
    for column in DATE_COLUMNS:
        value = row[column]
        if not value.strip():
            continue  # a mandatory one is reported as mandatory_field
        if not _DATE.fullmatch(value):
            report.add(number, "date_format", f"{column} {value!r} is not a date written YYYYMMDD")
        elif (parsed := _calendar_date(value)) is None:
            report.add(number, "invalid_date", f"{column} {value!r} is not a calendar date")
        else:
            found[column] = parsed
    return found


def _amount(number: int, column: str, value: str, report: _Report) -> Decimal | None:
    if not _AMOUNT.fullmatch(value):
        if not value:
            why = f"{column} is empty: write 0,00 on the empty side"
        elif "." in value:
            why = f"{column} {value!r} has a '.': amounts have a decimal comma and no thousands separator"
        elif any(char.isspace() for char in value):
            why = f"{column} {value!r} has a space: amounts have no thousands separator"
        else:
            why = f"{column} {value!r} is not an amount written with a decimal comma, like 1200,00"
        report.add(number, "amount_format", why)
        return None
    amount = Decimal(value.replace(",", "."))
    if amount < 0 and column != "Montantdevise":
        why = f"{column} {value!r} is negative: a FEC line puts a positive amount on the other side"
        report.add(number, "negative_amount", why)
    return amount
