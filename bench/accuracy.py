"""Field accuracy of the production reader (`read_document`) per field and kind: e-invoices, text PDFs, scans.

    .venv/bin/python bench/accuracy.py                          # ../shared/corpus/dev, as received
    .venv/bin/python bench/accuracy.py --scans --fixtures       # + scanned copies + the project's fixtures
    .venv/bin/python bench/accuracy.py CORPUS_DIR --details     # another corpus; list every wrong field

Each file is sniffed and read by `parsers.extract.read_document` (XML, else the text layer, else OCR: the
reader chooses). Kinds come from truth.jsonl: `xml`, `facturx` (PDF with embedded XML), `text` (PDF).
`text-layer*` is a reference, not a production path: `extract_fields` on the text layer of every corpus PDF,
Factur-X included, compared with the printed truth; it is what the scans of the same PDFs are measured
against. `--scans` renders every corpus PDF (text and Factur-X) and every fixtures/invoices PDF as image-only
PDFs in memory (bench/scans.py: scan-200, scan-300, scan-degraded) and reads them in a spawn pool
(`--workers`, default 2). Scans and the text layer are compared with the printed truth (`hidden` left out).
Comparison rules: bench/truth.py. Not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accuracy_report import LAYER, print_report
from cpu_meter import Meter
from scans import VARIANTS, ScanJob, read_scan
from truth import Expected, Scores, compare, corpus_expected, corpus_records, fixture_expected

from parsers.extract import read_document
from parsers.fields import extract_fields
from parsers.filetype import sniff
from parsers.pdf_text import pdf_text

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
FIXTURE_INVOICES = ROOT / "fixtures" / "invoices"
FIXTURE_EINVOICES = ROOT / "fixtures" / "einvoices"
KINDS = {"xml": "xml", "facturx-pdf": "facturx", "text-pdf": "text"}


@dataclass(frozen=True)
class Document:
    """A file to read, its kind, its truth as read whole and as printed (for its text layer and scans)."""

    path: Path
    kind: str
    expected: Expected
    printed: Expected
    scan: bool


def corpus_documents(folder: Path) -> list[Document]:
    """The corpus files named in truth.jsonl; PDFs are scanned (with --scans)."""
    documents = []
    for record in corpus_records(folder):
        kind = KINDS.get(record["kind"], record["kind"])
        printed = corpus_expected(record, printed=True)
        expected = corpus_expected(record, printed=kind == "text")
        documents.append(Document(folder / record["file"], kind, expected, printed, kind != "xml"))
    return documents


def fixture_documents() -> list[Document]:
    """fixtures/invoices/*.pdf (scanned too), fixtures/einvoices/*.xml and *.facturx.pdf."""
    groups = (
        ("text", sorted(FIXTURE_INVOICES.glob("*.pdf"))),
        ("xml", sorted(FIXTURE_EINVOICES.glob("*.xml"))),
        ("facturx", sorted(FIXTURE_EINVOICES.glob("*.pdf"))),
    )
    return [
        Document(path, kind, expected, expected, kind == "text")
        for kind, paths in groups
        for path in paths
        for expected in [fixture_expected(path, FIXTURE_INVOICES)]
    ]


def read_whole(path: Path) -> tuple[dict[str, Any], float]:
    """The contract read the production way (sniff + read_document) and its seconds."""
    data = path.read_bytes()
    start = time.perf_counter()
    fields = read_document(data, sniff(data).kind)
    return fields.to_contract(path.name), time.perf_counter() - start


def read_layer(path: Path) -> tuple[dict[str, Any], float]:
    """The contract of extract_fields on the PDF's text layer alone (no XML, no OCR) and its seconds."""
    data = path.read_bytes()
    start = time.perf_counter()
    fields = extract_fields(pdf_text(data))
    return fields.to_contract(path.name), time.perf_counter() - start


def score_direct(documents: list[Document], scores: Scores, layer: bool) -> None:
    """Reads every document as received (and its text layer for PDFs when layer) and counts the fields."""
    for document in documents:
        contract, seconds = read_whole(document.path)
        scores.add(document.kind, document.path.name, compare(document.expected, contract), seconds)
        if layer and document.kind != "xml":
            contract, seconds = read_layer(document.path)
            scores.add(LAYER, document.path.name, compare(document.printed, contract), seconds)


def score_scans(groups: list[tuple[list[Document], Scores]], workers: int) -> int:
    """Reads every variant of every scanned document in a spawn pool; returns the pages OCRed."""
    owners: dict[str, tuple[Document, Scores]] = {}
    for documents, scores in groups:
        owners.update({str(d.path): (d, scores) for d in documents if d.scan})
    jobs = [ScanJob(path, variant) for variant in VARIANTS for path in owners]
    pages, start = 0, time.monotonic()
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for done, result in enumerate(pool.imap_unordered(read_scan, jobs), start=1):
            document, scores = owners[result.job.path]
            outcomes = compare(document.printed, result.contract)
            scores.add(result.job.variant, document.path.name, outcomes, result.seconds)
            pages += result.pages
            if done % 20 == 0 or done == len(jobs):
                print(f"  scans: {done}/{len(jobs)} read, {time.monotonic() - start:.0f} s", flush=True)
    return pages


def main() -> int:
    """Reads, compares and prints the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--fixtures", action="store_true", help="also score the project's fixtures")
    parser.add_argument("--scans", action="store_true", help="also score scanned copies of the PDFs")
    parser.add_argument("--details", action="store_true", help="list every wrong field")
    parser.add_argument("--workers", type=int, default=2, help="processes reading the scans")
    args = parser.parse_args()
    before, load = Meter.read(), os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)")
    groups: list[tuple[str, list[Document], Scores]] = []
    if (args.corpus / "truth.jsonl").is_file():
        groups.append((f"corpus {args.corpus}", corpus_documents(args.corpus), Scores()))
    else:
        print(f"no corpus at {args.corpus} (no truth.jsonl): skipped")
    if args.fixtures:
        groups.append(("fixtures (exact match with .expected.json)", fixture_documents(), Scores()))
    for title, documents, scores in groups:
        score_direct(documents, scores, layer=title.startswith("corpus"))
    pages = score_scans([(d, s) for _t, d, s in groups], args.workers) if args.scans else 0
    after = Meter.read()
    for title, _documents, scores in groups:
        print_report(title, scores, args.details)
    wall = after.wall - before.wall
    ours = after.own - before.own + after.children - before.children
    others = max(after.machine - before.machine - ours, 0.0) / wall
    print(f"elapsed {wall:.0f} s ({pages} scanned pages OCRed by {args.workers} processes);")
    print(f"CPU: this run {ours:.0f} s, other processes {others:.2f} cores on average;", end=" ")
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
