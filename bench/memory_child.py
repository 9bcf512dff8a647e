"""Run by bench/pipeline.py in a fresh process: read_with_ocr on the PDF from stdin, peaks printed as JSON.

The worker's peak is its own VmHWM at the end. The tesseract children's peak is sampled every 20 ms from
their /proc/PID/status VmHWM while they run: `getrusage(RUSAGE_CHILDREN).ru_maxrss` cannot be used, since a
child forked from this process counts this process's pages as its own until it execs tesseract.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

from parsers.extract import read_with_ocr
from parsers.filetype import FileKind
from parsers.pdf_text import PDFIUM_LOCK, open_pdf

POLL_SECONDS = 0.02


def _high_water_kb(pid: str) -> int:
    """VmHWM of a process in kB (0 when it is gone or has none)."""
    with suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _tesseracts() -> list[str]:
    """The pids of this process's living children that run tesseract (not a fork still before its exec)."""
    me, found = str(os.getpid()), []
    for entry in Path("/proc").iterdir():
        with suppress(OSError, IndexError):
            if not entry.name.isdigit() or (entry / "comm").read_text().strip() != "tesseract":
                continue
            if (entry / "stat").read_text().rpartition(")")[2].split()[1] == me:
                found.append(entry.name)
    return found


def watch_children(peak: list[int], stop: threading.Event) -> None:
    """Keeps in peak[0] the largest VmHWM seen among this process's tesseract children until stop is set."""
    while not stop.wait(POLL_SECONDS):
        for pid in _tesseracts():
            peak[0] = max(peak[0], _high_water_kb(pid))


def main() -> None:
    """Reads stdin's PDF by OCR and prints seconds, pages and the peaks in kB."""
    data = sys.stdin.buffer.read()
    peak, stop = [0], threading.Event()
    watcher = threading.Thread(target=watch_children, args=(peak, stop), daemon=True)
    watcher.start()
    start = time.perf_counter()
    fields = read_with_ocr(data, FileKind.PDF)
    seconds = time.perf_counter() - start
    stop.set()
    watcher.join()
    with PDFIUM_LOCK, open_pdf(data, max_pages=1000) as document:
        pages = len(document)
    result = {
        "seconds": seconds,
        "pages": pages,
        "worker_kb": _high_water_kb("self"),
        "tesseract_kb": peak[0],
        "read_total": fields.total_incl_tax is not None,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
