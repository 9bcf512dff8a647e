"""Reading speed: text PDFs (docs/s) and OCR (pages/s) against pdftotext, pdfplumber and bare tesseract.

    .venv/bin/python bench/pipeline.py            # fixtures + ../shared/corpus/dev PDFs (~8 min on 2 cores)
    .venv/bin/python bench/pipeline.py --quick    # a few files and pages (~1 min)

Everything runs in the same run on the same files, interleaved (see bench/README.md):
- text: collecte's whole text path (sniff + Factur-X lookup + pdf_text + needs_ocr + extract_fields) on every
  PDF, its text stage alone, `read_document` as received (Factur-X PDFs read from their XML), against
  `pdftotext -layout` (a process per document), pdfplumber `extract_text()` and `extract_text(layout=True)`;
  best and median of --rounds rounds.
- OCR: collecte's whole OCR path (sniff + read_document on an image-only scan: render, tesseract, layout,
  fields) and `ocr_pdf` alone, against `OMP_THREAD_LIMIT=1 tesseract page.jpg stdout -l fra+eng`.
- 1 vs 2 worker processes (spawn pool) on the single pages of the same scans, runs alternating 1 2, 2 1.
- peak memory of `read_with_ocr` on a ~10 MB, 50-page scanned PDF in a fresh process.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber
from cpu_meter import Meter
from pipeline_ocr import (
    BARE,
    BARE_SAMPLE,
    PYTESSERACT,
    WHOLE,
    bench_memory,
    bench_ocr,
    make_scan,
    memory_scan,
    pool_run,
)

from parsers.einvoice import embedded_xml
from parsers.extract import read_document
from parsers.fields import extract_fields
from parsers.filetype import sniff
from parsers.pdf_text import needs_ocr, pdf_text

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "invoices"
CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
TEXT_PATH = "collecte whole text path"
PLUMBER = "pdfplumber extract_text"


def text_path(data: bytes) -> None:
    """collecte's text path as a worker runs it on a text PDF: type, Factur-X lookup, text layer, fields."""
    sniff(data)
    embedded_xml(data)
    text = pdf_text(data)
    if not needs_ocr(text):
        extract_fields(text)


def _plumber(data: bytes, layout: bool) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text(layout=layout)


READERS: dict[str, Callable[[Path, bytes], object]] = {
    TEXT_PATH: lambda _path, data: text_path(data),
    "collecte text stage (pdf_text+needs_ocr)": lambda _path, data: needs_ocr(pdf_text(data)),
    "collecte read_document as received": lambda _path, data: read_document(data, sniff(data).kind),
    "pdftotext -layout (a process each)": lambda path, _data: subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ),
    PLUMBER: lambda _path, data: _plumber(data, layout=False),
    "pdfplumber extract_text(layout)": lambda _path, data: _plumber(data, layout=True),
}


def bench_text(files: list[Path], rounds: int) -> dict[str, list[float]]:
    """Name -> documents per second of each round; readers take turns on each file, in a rotating order."""
    datas = [(path, path.read_bytes()) for path in files]
    names = list(READERS)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        seconds = dict.fromkeys(names, 0.0)
        for index, (path, data) in enumerate(datas):
            shift = (round_number + index) % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter()
                READERS[name](path, data)
                seconds[name] += time.perf_counter() - start
        for name in names:
            rates[name].append(len(datas) / seconds[name])
    return rates


def _verdict(value: float, target: float) -> str:
    return f"{value:.2f} (target >= {target}): {'met' if value >= target else 'NOT MET'}"


def print_text(rates: dict[str, list[float]], documents: int, others: float) -> None:
    """The text table: best and median docs/s, ratio to pdfplumber extract_text, and the target."""
    plumber = max(rates[PLUMBER])
    print(f"\n{f'text path, {documents} PDFs':42} {'best docs/s':>11} {'median':>8} {'x plumber':>10}")
    for name, values in rates.items():
        best = max(values)
        print(f"{name:42} {best:11.1f} {statistics.median(values):8.1f} {best / plumber:10.2f}")
    ratio = max(rates[TEXT_PATH]) / plumber
    print(f"target: whole text path / pdfplumber extract_text = {_verdict(ratio, 0.5)}")
    print(f"(other processes used {others:.2f} cores on average during the text runs)")


def print_ocr(results: dict[str, list[float]], doubtful: int, others: float) -> None:
    """The OCR table: s/page, pages/s and the ratio to the bare command on the same pages, and the target."""
    print(f"\n{'OCR path, scan-300 pages':42} {'pages':>5} {'s/page':>7} {'pages/s':>8} {'x bare':>7}")
    for name, (pages, seconds) in results.items():
        bare_pages, bare_seconds = results[BARE_SAMPLE if name in PYTESSERACT else BARE]
        ratio = (pages / seconds) / (bare_pages / bare_seconds)
        print(f"{name:42} {pages:5.0f} {seconds / pages:7.3f} {pages / seconds:8.3f} {ratio:7.2f}")
    bare_rate = results[BARE][0] / results[BARE][1]
    whole_rate = results[WHOLE][0] / results[WHOLE][1]
    print(f"target: whole OCR path / bare tesseract = {_verdict(whole_rate / bare_rate, 0.9)}")
    print(f"pages still under LOW_CONFIDENCE after ocr_pdf (orientation checked): {doubtful}")
    print(f"(other processes used {others:.2f} cores on average during the OCR runs)")


def bench_pool(pages: list[bytes], rounds: int) -> dict[int, list[tuple[float, float]]]:
    """Processes -> (seconds, others' cores) of each run; 1 and 2 alternate as 1 2, 2 1, 1 2..."""
    runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    for round_number in range(rounds):
        for processes in (1, 2) if round_number % 2 == 0 else (2, 1):
            runs[processes].append(pool_run(pages, processes))
    return runs


def print_pool(pages: int, runs: dict[int, list[tuple[float, float]]]) -> None:
    """Every run's pages/s with 1 and 2 worker processes, the speed-up of the best runs, and the target."""
    print(f"\nworkers: whole OCR path over {pages} single-page scans, spawn pool, runs alternating")
    for processes, results in runs.items():
        for seconds, others in results:
            print(f"  {processes} process(es): {seconds:6.1f} s, {pages / seconds:.3f} pages/s", end="")
            print(f" (other processes used {others:.2f} cores meanwhile)")
    speedup = min(seconds for seconds, _ in runs[1]) / min(seconds for seconds, _ in runs[2])
    print(f"target on an idle machine: speed-up 2 vs 1 (best runs) = {_verdict(speedup, 1.7)}")


def print_memory(memory: dict[str, float], megabytes: float, quality: int) -> None:
    """Peak RSS of the worker process and of its largest tesseract child, against 500 MB."""
    worker, tesseract = memory["worker_kb"] / 1024, memory["tesseract_kb"] / 1024
    print(f"\nmemory: read_with_ocr of a {megabytes:.1f} MB, {memory['pages']:.0f}-page scanned PDF", end=" ")
    print(f"(grey, 300 dpi, JPEG quality {quality}) in a fresh process: {memory['seconds']:.0f} s")
    print(f"  peak RSS: worker {worker:.0f} MB, largest tesseract child {tesseract:.0f} MB")
    print(f"  target: worker < 500 MB: {'met' if worker < 500 else 'NOT MET'};", end=" ")
    print(f"worker + tesseract at once at most {worker + tesseract:.0f} MB")


def _others(before: Meter) -> float:
    """Mean cores used by other processes since before (machine busy time minus ours and our children's)."""
    after = Meter.read()
    ours = after.own - before.own + after.children - before.children
    return max(after.machine - before.machine - ours, 0.0) / (after.wall - before.wall)


def main() -> None:
    """Runs the four benchmarks and prints their tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few files and pages, one round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the text benchmark")
    parser.add_argument("--ocr-docs", type=int, default=0, help="OCR only the first N PDFs (0: all)")
    parser.add_argument("--pytesseract-pages", type=int, default=5, help="pages also read via pytesseract")
    parser.add_argument("--pool-pages", type=int, default=0, help="pages for 1 vs 2 workers (0: all)")
    parser.add_argument("--pool-rounds", type=int, default=2, help="runs of each pool size, alternating")
    parser.add_argument("--memory-pages", type=int, default=50)
    parser.add_argument("--skip-memory", action="store_true")
    options = parser.parse_args()
    if options.quick:
        options.rounds, options.ocr_docs = 1, options.ocr_docs or 3
        options.pytesseract_pages, options.memory_pages = 1, 5
        options.pool_pages, options.pool_rounds = options.pool_pages or 8, 1
    os.environ["OMP_THREAD_LIMIT"] = "1"  # for pytesseract, which hands its children os.environ
    files = sorted(FIXTURES.glob("*.pdf")) + (sorted(CORPUS.glob("*.pdf")) if CORPUS.is_dir() else [])
    load = os.getloadavg()
    print(f"{len(files)} PDFs from {FIXTURES} and {CORPUS if CORPUS.is_dir() else '(no corpus)'}")
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)")
    before = Meter.read()
    print_text(bench_text(files, options.rounds), len(files), _others(before))
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as work:
        scans = [make_scan(path, Path(work)) for path in files[: options.ocr_docs or None]]
        before = Meter.read()
        print_ocr(*bench_ocr(scans, options.pytesseract_pages), _others(before))
    pages = [page for scan in scans for page in scan.page_pdfs]
    pages = [pages[index % len(pages)] for index in range(options.pool_pages or len(pages))]
    print_pool(len(pages), bench_pool(pages, options.pool_rounds))
    if not options.skip_memory:
        data, quality = memory_scan(sorted(FIXTURES.glob("*.pdf")), options.memory_pages, 10.0)
        print_memory(bench_memory(data), len(data) / 1e6, quality)
    print("\nload average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
