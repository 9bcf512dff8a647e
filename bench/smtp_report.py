"""Reports the results: a progress line per run, the table of medians with its caveats, the JSON file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smtp_messages import size_label
from smtp_run import OTHER_LOAD_WARNING, Plan, Run
from smtp_servers import SERVER_NAMES

DEDUP_NOTE = (
    "collecte deduplicates (company, sha256): smtp-source -N gives every message of a run its own recipient "
    "(1inv..Ninv, one company each) and every run gets its own message file (own Message-ID and PDF bytes), "
    "so each message is a new raw_messages row with its SQLite commit. Still shared: within a run the raw "
    "bytes are identical, so the content-addressed blob is written and fsynced once per run, not per message."
)
HEADERS = [
    "size",
    "-s",
    *(f"{name} msg/s" for name in SERVER_NAMES),
    *(f"{name} CPU ms/msg" for name in SERVER_NAMES),
    "msg/s c/bare",
    "msg/s c/postfix",
    "CPU c/bare",
    "CPU c/postfix",
]

Summary = dict[tuple[int, int, str], dict[str, float]]


def report_run(run: Run) -> None:
    """One progress line, plus the first problems of the run."""
    print(
        f"  {run.label} {run.rate:8.1f} msg/s {run.cpu_ms:8.2f} ms CPU/msg"
        f"  ({run.accepted}/{run.messages} accepted;"
        f" smtp-source {1000 * run.client_cpu_seconds / run.messages:.2f} ms CPU/msg;"
        f" others {run.other_load:.2f} core)",
        flush=True,
    )
    for line in run.problems[:5]:
        print(f"    WARNING: {line}", flush=True)
    if len(run.problems) > 5:
        print(f"    WARNING: ... {len(run.problems) - 5} more lines", flush=True)


def medians(runs: Sequence[Run]) -> Summary:
    """(size, concurrency, server) -> median msg/s, median CPU ms/msg, median wire size."""
    groups: dict[tuple[int, int, str], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.size, run.concurrency, run.server), []).append(run)
    return {
        key: {
            "msg_per_s": statistics.median(r.rate for r in group),
            "cpu_ms_per_msg": statistics.median(r.cpu_ms for r in group),
            "wire_size": statistics.median(r.wire_size for r in group),
            "rounds": len(group),
        }
        for key, group in groups.items()
    }


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or not denominator:
        return "-"
    return f"{numerator / denominator:.2f}"


def _by_server(summary: Summary, size: int, concurrency: int, metric: str) -> dict[str, float | None]:
    """Server name -> its median of metric for (size, concurrency); None for a server not run."""
    entries = {name: summary.get((size, concurrency, name)) for name in SERVER_NAMES}
    return {name: None if entry is None else entry[metric] for name, entry in entries.items()}


def _cells(values: dict[str, float | None], digits: int) -> list[str]:
    return ["-" if values[name] is None else f"{values[name]:.{digits}f}" for name in SERVER_NAMES]


def table_rows(plan: Plan, summary: Summary) -> list[list[str]]:
    """One row per (size, concurrency): msg/s and CPU ms per server, then collecte's ratios."""
    rows = []
    for size in plan.sizes:
        for concurrency in plan.concurrency:
            rate = _by_server(summary, size, concurrency, "msg_per_s")
            cpu = _by_server(summary, size, concurrency, "cpu_ms_per_msg")
            rows.append(
                [
                    size_label(size),
                    str(concurrency),
                    *_cells(rate, 1),
                    *_cells(cpu, 2),
                    _ratio(rate["collecte"], rate["bare"]),
                    _ratio(rate["collecte"], rate["postfix"]),
                    _ratio(cpu["collecte"], cpu["bare"]),
                    _ratio(cpu["collecte"], cpu["postfix"]),
                ]
            )
    return rows


def print_table(title: str, rows: list[list[str]]) -> None:
    """With rich when installed, else as aligned text."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(row[i]) for row in [HEADERS, *rows]) for i in range(len(HEADERS))]
        print(title)
        for row in [HEADERS, *rows]:
            print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        return
    table = Table(title=title)
    for header in HEADERS:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(*row)
    console = Console(width=None if sys.stdout.isatty() else 200)
    console.print(table)


def print_summary(plan: Plan, runs: Sequence[Run], blob_costs: list[dict[str, float]]) -> None:
    """The table of medians, then the caveats that matter for reading it."""
    title = (
        f"SMTP acceptance, median of {plan.rounds} round(s); smtp-source, one connection per message"
        " (ratios: collecte / other; msg/s ratio < 1 means collecte is slower, CPU ratio > 1 costlier)"
    )
    reader = "collecte's chunked FastDataSMTP" if plan.bare_fast_data else "stock aiosmtpd (line by line)"
    delay = "Postfix's default 1s" if plan.flow_delay is None else plan.flow_delay
    print(f"\nbare reads DATA with {reader}; postfix in_flow_delay: {delay}")
    if plan.flow_delay is None:
        print("(Postfix's inbound flow control may throttle it at high concurrency: --postfix-flow-delay 0)")
    print_table(title, table_rows(plan, medians(runs)))
    print(f"\nDuplicates: {DEDUP_NOTE}")
    for cost in blob_costs:
        print(
            f"  not in the figures: BlobStore.put of a new {size_label(int(cost['size']))} blob here takes"
            f" {cost['wall_ms_median']:.2f} ms wall (median), {cost['cpu_ms_mean']:.2f} ms CPU (mean)"
        )
    list_runs(
        f"Runs during which other processes used more than {OTHER_LOAD_WARNING} core",
        [(run, f"{run.other_load:.2f} core") for run in runs if run.disturbed],
        len(runs),
    )
    list_runs("Runs with problems", [(run, run.problems[0]) for run in runs if run.problems], len(runs))


def list_runs(title: str, notes: Sequence[tuple[Run, str]], total: int) -> None:
    """A count line, then one line per run with its note."""
    print(f"\n{title}: {len(notes)} of {total}")
    for run, note in notes:
        print(f"  {run.label}: {note}")


def write_json(path: Path, plan: Plan, runs: Sequence[Run], blob_costs: list[dict[str, float]]) -> None:
    """Raw runs, medians and the conditions of the benchmark."""
    summary = [
        {"size": size, "concurrency": concurrency, "server": server, **values}
        for (size, concurrency, server), values in medians(runs).items()
    ]
    document: dict[str, Any] = {
        "benchmark": "smtp_accept",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": {"cpus": os.cpu_count(), "machine": platform.machine(), "kernel": platform.release()},
        "plan": {**asdict(plan), "messages": {str(k): v for k, v in plan.messages.items()}},
        "deduplication": DEDUP_NOTE,
        "blob_put_cost": blob_costs,
        "summary": summary,
        "runs": [
            {**asdict(run), "msg_per_s": run.rate, "cpu_ms_per_msg": run.cpu_ms, "other_load": run.other_load}
            for run in runs
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nRaw results: {path}")
