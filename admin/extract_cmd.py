"""`collecte extract`: reads invoice files offline (no server, database or broker) and prints their fields."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from core.errors import CollecteError
from parsers.extract import ReadLimits, read_document
from parsers.filetype import DOCUMENTS, sniff

MAX_FILE_BYTES = 50 * 1024 * 1024
PROGRESS_FROM = 5
TABLE_COLUMNS = (
    "file",
    "supplier_name",
    "invoice_number",
    "issue_date",
    "total_incl_tax",
    "method",
    "confidence",
)


def extract_one(path: Path, limits: ReadLimits) -> dict[str, Any]:
    """The contract object for one file, or {"file", "error"} when it cannot be read."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return {"file": str(path), "error": f"file over {MAX_FILE_BYTES // (1024 * 1024)} MB"}
        data = path.read_bytes()
        sniffed = sniff(data)
        if sniffed.kind not in DOCUMENTS:
            return {"file": str(path), "error": f"not an invoice format: {sniffed.description}"}
        return read_document(data, sniffed.kind, limits).to_contract(str(path))
    except CollecteError as exc:
        return {"file": str(path), "error": exc.reason}
    except OSError as exc:
        return {"file": str(path), "error": exc.strerror or str(exc)}


def _results(paths: tuple[Path, ...], limits: ReadLimits) -> Iterator[dict[str, Any]]:
    if len(paths) < PROGRESS_FROM:
        yield from (extract_one(path, limits) for path in paths)
        return
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("Reading invoices", total=len(paths))
        for path in paths:
            yield extract_one(path, limits)
            progress.advance(task)


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(*TABLE_COLUMNS, "error")
    for row in rows:
        table.add_row(*(str(row.get(c) if row.get(c) is not None else "") for c in (*TABLE_COLUMNS, "error")))
    return table


@click.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file on stdout (JSON lines).")
@click.option("--max-pages", default=50, show_default=True, help="Pages read per document.")
def extract(paths: tuple[Path, ...], as_json: bool, max_pages: int) -> None:
    """Reads PDFs, images or e-invoice XML files and prints their invoice fields."""
    limits = ReadLimits(max_pages=max_pages)
    failed = False
    rows: list[dict[str, Any]] = []
    for row in _results(paths, limits):
        failed = failed or "error" in row
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            rows.append(row)
    if not as_json:
        Console().print(_table(rows))
    if failed:
        sys.exit(1)
