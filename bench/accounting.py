"""Accounting at one company's yearly size: validating a year, its FEC and CSV, pull, dashboards, listing.

Books N read invoices (bench/booking.py's invoices, issued evenly over the 12 months of 2026) into a fresh
SQLite database with the real booking code, one write transaction per message, then times, on that database,
what the accountants and their software do with a year: validating the whole year, the FEC (written, then
checked by check_fec) and the CSV, both also as kept exports, the entries pull in pages of 500, the
dashboard of each month and the purchases listing in pages of 50. Every step prints its wall time, its rate,
the peak RSS of the process during the step and the cores used meanwhile by other processes.

    .venv/bin/python bench/accounting.py [--purchases 5000] [--suppliers 300] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from booking import fields, store_read
from cpu_meter import Meter
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from admin.runtime import Storage
from parsers.invoice import InvoiceFields
from purchases.booking import book_message
from purchases.companies import add_company
from purchases.dashboard import Month, dashboard
from purchases.entries_pull import MAX_LIMIT, Cursor, pull_entries
from purchases.export_history import ExportRecord, ExportRequest, record_export
from purchases.exports import csv_file, fec_lines, validated_entries
from purchases.fec import check_fec, fec_filename, write_fec
from purchases.journals import Period
from purchases.listing import purchase_page
from purchases.periods import validate_period
from store.db import write_session
from store.export_models import ExportFormat
from store.models import RawMessage
from store.purchase_models import Purchase, PurchaseStatus
from store.settings import StoreSettings

SIRET = "73282932000074"
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
TODAY = date(2027, 1, 15)
"""Booking day and dashboard day: after the year, so that no invoice of it is dated in the future."""
NOW = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
"""When the year is validated and exported."""
PULL_PAGE = MAX_LIMIT
LISTING_PAGE = 50
MB = 1024 * 1024
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def year_fields(n: int, count: int, suppliers: int) -> InvoiceFields:
    """booking.fields(n), issued on a day of YEAR so that the count invoices cover its 12 months evenly."""
    days = (YEAR.end - YEAR.start).days + 1
    return replace(fields(n, suppliers), issue_date=YEAR.start + timedelta(days=n * days // count))


def store_year(storage: Storage, company_id: int, count: int, suppliers: int) -> list[int]:
    """Messages with one read document each, as the pipeline leaves them, issued over the months of YEAR."""
    return store_read(storage, company_id, count, suppliers, lambda n: year_fields(n, count, suppliers))


def _status_kib(key: str) -> int:
    match = re.search(rf"^{key}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    return int(match.group(1)) if match else 0


def _reset_peak() -> bool:
    """Resets the process's peak RSS (VmHWM) to its current RSS; False where the kernel does not allow it."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Step:
    """One timed step: items handled, wall time, the calls it made, memory, and other processes' load."""

    name: str
    items: int
    unit: str
    seconds: float
    calls: tuple[float, ...]
    """Seconds of each call, for steps made of repeated calls (pages, months); empty otherwise."""
    call_unit: str
    rss_start: int
    peak_rss: int
    """Bytes: VmHWM at the end of the step, reset at its start (else the peak so far: exact_peak False)."""
    exact_peak: bool
    others: float
    """Cores busy with other processes during the step (machine busy time minus this process's CPU)."""


class Probe:
    """Measures one step: started on creation (after a full garbage collection), read by `stop`."""

    def __init__(self) -> None:
        gc.collect()  # the garbage of the steps before is not collected at this one's expense
        self.exact = _reset_peak()
        self.rss = _status_kib("VmRSS") * 1024
        self.meter = Meter.read()
        self.calls: list[float] = []
        self.start = time.perf_counter()

    def stop(self, name: str, items: int, unit: str, call_unit: str = "") -> Step:
        """The step's figures, from the probe's start to now."""
        seconds = time.perf_counter() - self.start
        end = Meter.read()
        wall = end.wall - self.meter.wall
        others = ((end.machine - self.meter.machine) - (end.own - self.meter.own)) / wall if wall else 0.0
        peak = _status_kib("VmHWM") * 1024
        return Step(
            name,
            items,
            unit,
            seconds,
            tuple(self.calls),
            call_unit,
            self.rss,
            peak,
            self.exact,
            max(others, 0),
        )


def book_all(storage: Storage, messages: list[int]) -> None:
    """Books every message, one write transaction per message, as the book_document actor does."""
    for message_id in messages:
        with write_session(storage.engine, storage.sessions) as session:
            message = session.get(RawMessage, message_id)
            assert message is not None
            book_message(session, message, TODAY)


def pull_all(storage: Storage, company_id: int, probe: Probe) -> list[int]:
    """The ids of every validated entry through the pull, one session per page as the API does."""
    seen: list[int] = []
    after: Cursor | None = None
    more = True
    while more:
        started = time.perf_counter()
        with storage.sessions() as session:
            page = pull_entries(session, company_id, after=after, limit=PULL_PAGE)
        probe.calls.append(time.perf_counter() - started)
        seen.extend(pulled.entry.id for pulled in page.entries)
        after, more = page.next_cursor, page.has_more
    return seen


def list_all(storage: Storage, company_id: int, probe: Probe) -> list[int]:
    """The ids of every purchase through the listing, pages of LISTING_PAGE, one session per page."""
    seen: list[int] = []
    after: int | None = None
    while True:
        started = time.perf_counter()
        with storage.sessions() as session:
            page = purchase_page(session, company_id, after=after, limit=LISTING_PAGE)
        probe.calls.append(time.perf_counter() - started)
        seen.extend(row.purchase.id for row in page.rows)
        if page.next_cursor is None:
            return seen
        after = page.next_cursor


def _rate(step: Step) -> str:
    return f"{step.items / step.seconds:,.0f} {step.unit}/s" if step.seconds else "-"


def _per_call(step: Step) -> str:
    if not step.calls:
        return ""
    ms = [call * 1000 for call in step.calls]
    return (
        f"{statistics.mean(ms):.1f} ms/{step.call_unit} "
        f"(median {statistics.median(ms):.1f}, max {max(ms):.1f}; x{len(ms)})"
    )


def print_steps(title: str, steps: Sequence[Step]) -> None:
    """The table of steps."""
    table = Table(title=title)
    for header in ("step", "items", "wall s", "rate", "per call", "peak RSS MB (+start)", "others cores"):
        table.add_column(header, justify="left" if header in {"step", "per call"} else "right")
    for step in steps:
        peak = f"{step.peak_rss / MB:.0f} (+{max(step.peak_rss - step.rss_start, 0) / MB:.0f})"
        table.add_row(
            step.name,
            f"{step.items:,} {step.unit}",
            f"{step.seconds:.3f}",
            _rate(step),
            _per_call(step),
            peak if step.exact_peak else f"<= {step.peak_rss / MB:.0f}",
            f"{step.others:.2f}",
        )
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, help="purchases over the year (5000; 500 with --quick)")
    parser.add_argument("--suppliers", type=int, help="suppliers they come from (300; 30 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 500 purchases, 30 suppliers")
    args = parser.parse_args()
    count: int = args.purchases or (500 if args.quick else 5000)
    suppliers: int = args.suppliers or (30 if args.quick else 300)
    steps: list[Step] = []
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage.open(StoreSettings(data_dir=Path(folder)))
        with storage.sessions.begin() as session:
            company_id = add_company(session, "ACME SAS", SIRET, "acme").id
        messages = store_year(storage, company_id, count, suppliers)

        probe = Probe()
        book_all(storage, messages)
        steps.append(probe.stop("book (set-up, 1 transaction each)", count, "purchases"))
        with storage.sessions() as session:
            ready = session.scalar(select(func.count()).where(Purchase.status == PurchaseStatus.READY)) or 0
            months = session.scalar(
                select(func.count(func.distinct(func.strftime("%m", Purchase.issue_date))))
            )
        if ready != count:
            sys.exit(f"only {ready} of {count} purchases are ready: the year cannot be validated")

        probe = Probe()
        with write_session(storage.engine, storage.sessions) as session:
            validation = validate_period(session, company_id, YEAR, NOW)
        steps.append(probe.stop("validate the year (validate_period)", validation.entries, "entries"))
        assert validation.entries == count and validation.purchases_locked == count, validation

        probe = Probe()
        with storage.sessions() as session:
            entries = validated_entries(session, company_id, YEAR)
        steps.append(probe.stop("read validated entries (validated_entries)", len(entries), "entries"))

        probe = Probe()
        fec = write_fec(fec_lines(entries))
        lines = fec.count(b"\n")  # rows after the header: the last one has no CRLF
        steps.append(probe.stop("write FEC (fec_lines + write_fec)", lines, "lines"))

        filename = fec_filename(SIRET[:9], YEAR.end)
        probe = Probe()
        violations = check_fec(fec, filename)
        steps.append(probe.stop("check FEC (check_fec)", lines, "lines"))

        probe = Probe()
        csv = csv_file(entries, SIRET[:9], YEAR)
        steps.append(probe.stop("write CSV (csv_file)", csv.line_count, "lines"))

        entry_ids = {entry.id for entry in entries}
        del entries  # not kept alive through the next steps: the collector would scan it again and again

        kept: dict[ExportFormat, ExportRecord] = {}
        for kind in (ExportFormat.FEC, ExportFormat.CSV):
            probe = Probe()
            with write_session(storage.engine, storage.sessions) as session:
                kept[kind] = record_export(session, company_id, ExportRequest(YEAR, kind), "bench", NOW)
            name = f"kept {kind.value.upper()} export (record_export)"
            steps.append(probe.stop(name, kept[kind].line_count, "lines"))

        probe = Probe()
        pulled = pull_all(storage, company_id, probe)
        steps.append(probe.stop(f"entries pull ({PULL_PAGE} a page)", len(pulled), "entries", "page"))
        pages = len(probe.calls)

        probe = Probe()
        for month in range(1, 13):
            started = time.perf_counter()
            with storage.sessions() as session:
                dashboard(session, company_id, Month(YEAR.start.year, month), TODAY)
            probe.calls.append(time.perf_counter() - started)
        steps.append(probe.stop("dashboard of each month", 12, "months", "month"))

        probe = Probe()
        listed = list_all(storage, company_id, probe)
        steps.append(probe.stop(f"purchases listing ({LISTING_PAGE} a page)", len(listed), "rows", "page"))
        storage.engine.dispose()

    print(
        f"{count:,} purchases from {suppliers} suppliers, issued over {months} months of {YEAR.start.year}; "
        f"one company, SQLite in a temporary folder"
    )
    print_steps("collecte accounting at one company's yearly size", steps)
    print(
        f"FEC {filename}: {len(fec):,} bytes, {lines:,} lines, {len(entry_ids):,} entries, "
        f"{len(violations)} violations"
    )
    print(f"CSV {csv.filename}: {len(csv.data):,} bytes, {csv.line_count:,} lines")
    for kind, record in kept.items():
        print(
            f"kept {kind.value.upper()}: {record.size:,} bytes, {record.entry_count:,} entries, "
            f"debit {record.total_debit}, credit {record.total_credit}"
        )
    print(
        f"validation: {validation.entries:,} entries numbered in {len(validation.journals)} journal(s): "
        + ", ".join(f"{j.first}..{j.last}" for j in validation.journals)
        + f", {validation.purchases_locked:,} purchases locked"
    )
    print(f"pull: {len(pulled):,} entries in {pages} pages, {len(set(pulled)):,} distinct")
    print(f"listing: {len(listed):,} purchases, {len(set(listed)):,} distinct")
    peak = max(step.peak_rss for step in steps)  # not ru_maxrss: resetting VmHWM resets it too
    print(f"process peak RSS over the steps: {peak / MB:.0f} MB")
    print(
        "Wall times on a shared machine: 'others cores' is the CPU other processes used meanwhile (2 cores "
        "here); above ~0.2 the step was probably slowed down, run again to compare."
    )
    assert not violations, violations[:5]
    assert len(pulled) == len(set(pulled)), "the pull gave an entry twice"
    assert set(pulled) == entry_ids, "the pull missed a validated entry"
    assert len(listed) == len(set(listed)) == count, "the listing repeated or missed a purchase"


if __name__ == "__main__":
    main()
