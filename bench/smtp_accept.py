"""SMTP acceptance benchmark: collecte, a bare aiosmtpd server and a private Postfix, loaded by smtp-source.

    .venv/bin/python bench/smtp_accept.py [--quick] [--rounds 3] [--sizes 10k,200k,2m] [--concurrency 1,10,50]

For each message size and smtp-source concurrency (-s), the three servers are loaded one after the other with
the same message file and the same recipients, one connection per message; the whole sweep is repeated
--rounds times and the medians are printed: messages/s (messages / wall time of smtp-source) and the servers'
CPU time per accepted message. Raw runs and medians go to bench/out/smtp_accept.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from stdnum import luhn
from stdnum.fr import siret as siret_number

from admin.runtime import Storage
from purchases.companies import add_company
from store.blobs import BlobStore
from store.settings import StoreSettings

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))  # fixtures/ is a folder of the project, not an installed package
from fixtures.attachments import padded_pdf  # noqa: E402
from fixtures.mails import pdf_mail  # noqa: E402

KIB = 1024
MIB = KIB * KIB
DEFAULT_SIZES = "10k,200k,2m"
DEFAULT_CONCURRENCY = "1,10,50"
LARGE_MESSAGE = MIB
"""Messages of at least this size get the smaller default message count."""
DEFAULT_MESSAGES = (1000, 200)
QUICK_MESSAGES = (30, 10)
SERVER_NAMES = ("collecte", "bare", "postfix")
COLLECTE_DOMAIN = "achats.factures-meg.fr"
POSTFIX_DOMAIN = "example.test"
LOCAL_PART = "inv"
"""smtp-source -N turns recipient inv@domain into 1inv@domain, 2inv@domain, ... one number per message."""
SENDER = "facturation@fournisseur-bench.fr"
HELO_NAME = "mx.fournisseur-bench.fr"
SMTP_SOURCE = "/usr/sbin/smtp-source"
POSTFIX_SCRIPT = Path(os.environ.get("BENCH_POSTFIX_SCRIPT", "/work/shared/bench/postfix_private.sh"))
OUT_FILE = BENCH_DIR / "out" / "smtp_accept.json"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
OTHER_LOAD_WARNING = 0.2
"""Cores used by unrelated processes during a run above which the run is listed as disturbed."""
DEDUP_NOTE = (
    "collecte deduplicates (company, sha256): smtp-source -N gives every message of a run its own recipient "
    "(1inv..Ninv, one company each) and every run gets its own message file (own Message-ID and PDF bytes), "
    "so each message is a new raw_messages row with its SQLite commit. Still shared: within a run the raw "
    "bytes are identical, so the content-addressed blob is written and fsynced once per run, not per message."
)


class BenchError(Exception):
    """A setup problem that stops the benchmark."""


# ---------------------------------------------------------------- CPU accounting from /proc


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process in /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int(_stat_fields(entry.name)[1])
    return parents


def _stat_fields(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state is [0], ppid [1], utime [11])."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def _runtime_ns(pid: int) -> int | None:
    """CPU nanoseconds of the living threads of pid, from /proc/PID/task/*/schedstat (None: unreadable)."""
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    for task in tasks:
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
    return total


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds of one process and of the children it has reaped; 0.0 once it is gone.

    Own time comes from the nanosecond schedstat of its threads, falling back to utime+stime (10 ms ticks,
    which lose most of the time of short-lived or little-used processes); cutime+cstime hold the children
    it has waited for, so the Postfix master keeps the time of smtpd or cleanup processes that exited.
    """
    try:
        fields = _stat_fields(pid)
    except OSError:
        return 0.0
    reaped = (int(fields[13]) + int(fields[14])) / CLOCK_TICKS
    own = _runtime_ns(pid)
    if own is None:
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS + reaped
    return own / 1e9 + reaped


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds (user + system, all threads) of root and all its descendants, living or reaped."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += process_cpu_seconds(pid)
        todo.extend(children.get(pid, ()))
    return total


# ---------------------------------------------------------------- servers under test


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_banner(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Returns once 127.0.0.1:port answers with a 220 banner; BenchError if the process dies or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"server exited with status {process.returncode} before listening on {port}")
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            banner = sock.recv(512)
            sock.sendall(b"QUIT\r\n")
            if banner.startswith(b"220"):
                return
        time.sleep(0.1)
    raise BenchError(f"no SMTP banner on port {port} after {timeout:.0f} s")


@dataclass
class Server:
    """A server under test, run in its own session so that its whole process group can be stopped."""

    name: str
    domain: str
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None

    def command(self) -> list[str]:
        """The command line that runs the server in the foreground."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        """The server's environment."""
        return dict(os.environ)

    def prepare(self, recipients: int) -> None:
        """Work before start, such as creating the companies 1inv..N."""

    def start(self) -> None:
        """Starts the server (output to WORKDIR/NAME.log) and waits for its banner."""
        self.log = (self.workdir / f"{self.name}.log").open("wb")
        self.process = subprocess.Popen(
            self.command(),
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_banner(self.port, self.process)

    def check_alive(self) -> None:
        """BenchError, with the end of the server's log, when the server is no longer running."""
        assert self.process is not None
        if self.process.poll() is None:
            return
        log = self.workdir / f"{self.name}.log"
        tail = log.read_text(errors="replace").splitlines()[-15:] if log.is_file() else []
        raise BenchError(
            f"{self.name} exited with status {self.process.returncode}; end of {log}:\n" + "\n".join(tail)
        )

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the server's processes."""
        assert self.process is not None
        return tree_cpu_seconds(self.process.pid)

    def count(self) -> int | None:
        """Messages the server has finished with so far, by its own records (None: it keeps none)."""
        return None

    def settle(self, expected: int) -> None:
        """After a run: waits until the server's own count reaches expected (work it does after 250)."""

    def stop(self) -> None:
        """Terminates the process group (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is not None and self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if self.log is not None:
            self.log.close()


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, signum)


def siret_for(number: int) -> str:
    """A valid SIRET (Luhn SIREN, then Luhn over all 14 digits) that differs for each number."""
    siren = f"{70_000_000 + number:08d}"
    siren += str(luhn.calc_check_digit(siren))
    base = siren + "0001"
    siret = base + str(luhn.calc_check_digit(base))
    assert siret_number.is_valid(siret), siret
    return siret


class Collecte(Server):
    """`collecte serve` on a fresh data folder holding one company per smtp-source recipient."""

    @property
    def data_dir(self) -> Path:
        """COLLECTE_DATA_DIR: SQLite database and blob store."""
        return self.workdir / "collecte-data"

    def command(self) -> list[str]:
        """The project's console script, next to this Python."""
        return [str(Path(sys.executable).with_name("collecte")), "serve"]

    def environment(self) -> dict[str, str]:
        """Data folder and listening address."""
        return {
            **os.environ,
            "COLLECTE_DATA_DIR": str(self.data_dir),
            "COLLECTE_SMTP_HOST": "127.0.0.1",
            "COLLECTE_SMTP_PORT": str(self.port),
        }

    def prepare(self, recipients: int) -> None:
        """Companies 1inv..N, added in one process through the project's API (the CLI takes ~0.3 s each)."""
        storage = Storage.open(StoreSettings(data_dir=self.data_dir))
        try:
            with storage.sessions.begin() as session:
                for number in range(1, recipients + 1):
                    add_company(session, f"Client bench {number}", siret_for(number), f"{number}{LOCAL_PART}")
        finally:
            storage.engine.dispose()

    def count(self) -> int:
        """Rows in raw_messages."""
        uri = f"file:{self.data_dir / 'collecte.db'}?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=30) as db:
            return int(db.execute("SELECT count(*) FROM raw_messages").fetchone()[0])


@dataclass
class Bare(Server):
    """bench/bare_smtpd.py: aiosmtpd that discards every message (stock DATA reader unless fast_data)."""

    fast_data: bool = False

    def command(self) -> list[str]:
        """This Python running bare_smtpd.py."""
        fast = ["--fast-data"] if self.fast_data else []
        return [sys.executable, str(BENCH_DIR / "bare_smtpd.py"), str(self.port), *fast]


@dataclass
class Postfix(Server):
    """A private Postfix from postfix_private.sh: smtpd -> cleanup (fsynced queue file) -> qmgr -> discard."""

    flow_delay: str | None = None

    @property
    def instance(self) -> Path:
        """The instance's DIR: etc/, spool/, data/, maillog."""
        return self.workdir / "postfix"

    def command(self) -> list[str]:
        """postfix_private.sh start-fg DIR PORT."""
        return [str(POSTFIX_SCRIPT), "start-fg", str(self.instance), str(self.port)]

    def environment(self) -> dict[str, str]:
        """PF_IN_FLOW_DELAY when --postfix-flow-delay is given."""
        extra = {} if self.flow_delay is None else {"PF_IN_FLOW_DELAY": self.flow_delay}
        return {**os.environ, **extra}

    def count(self) -> int:
        """Queue files removed after delivery to discard, from the instance's maillog."""
        try:
            text = (self.instance / "maillog").read_text(errors="replace")
        except FileNotFoundError:
            return 0
        return len(re.findall(r"^.*postfix/qmgr\[\d+\]: \w+: removed$", text, re.MULTILINE))

    def settle(self, expected: int, timeout: float = 60.0) -> None:
        """Waits for qmgr and discard to finish the accepted messages: their CPU belongs to the run."""
        deadline = time.monotonic() + timeout
        while self.count() < expected and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        """postfix_private.sh stop DIR (the master runs in its own session), then the script's group."""
        subprocess.run(
            [str(POSTFIX_SCRIPT), "stop", str(self.instance)], capture_output=True, timeout=60, check=False
        )
        super().stop()
        with suppress(OSError, ValueError):
            master = int((self.instance / "spool" / "pid" / "master.pid").read_text().split()[0])
            os.kill(master, signal.SIGKILL)


def make_servers(plan: Plan, workdir: Path) -> list[Server]:
    """The servers asked for, in the order given."""
    factories: dict[str, Callable[[], Server]] = {
        "collecte": lambda: Collecte("collecte", COLLECTE_DOMAIN, workdir),
        "bare": lambda: Bare("bare", COLLECTE_DOMAIN, workdir, fast_data=plan.bare_fast_data),
        "postfix": lambda: Postfix("postfix", POSTFIX_DOMAIN, workdir, flow_delay=plan.flow_delay),
    }
    return [factories[name]() for name in plan.servers]


@contextmanager
def running(servers: Sequence[Server], recipients: int) -> Iterator[Sequence[Server]]:
    """Prepares and starts the servers; stops every one of them on the way out, errors and Ctrl-C included."""
    with ExitStack() as stack:
        for server in servers:
            stack.callback(server.stop)
            server.prepare(recipients)
            server.start()
            print(f"started {server.name} on 127.0.0.1:{server.port}", flush=True)
        yield servers


# ---------------------------------------------------------------- benchmark messages


def supplier_mail(wire_size: int, tag: str) -> bytes:
    """A supplier email (French text + one invoice PDF) of about wire_size bytes with CRLF line ends.

    The PDF is padded with random bytes seeded by tag, so that each tag gives different bytes (a new sha256).
    """
    seed = zlib.crc32(tag.encode())
    pdf_size = wire_size * 3 // 4
    raw = b""
    for _ in range(4):  # base64 turns 57 bytes into a 78-byte line: converges in two or three steps
        raw = pdf_mail(
            padded_pdf(max(pdf_size, 64), seed),
            recipient=f"{LOCAL_PART}@{COLLECTE_DOMAIN}",
            filename=f"facture-FV-2026-{seed % 10000:04d}.pdf",
            subject=f"Facture FV-2026-{seed % 10000:04d}",
            message_id=f"<bench-{tag}@fournisseur-bench.fr>",
        )
        pdf_size += (wire_size - len(raw)) * 57 // 78
    return raw


def write_mail_file(directory: Path, wire_size: int, tag: str) -> tuple[Path, int]:
    """The message file for smtp-source -F and its size on the wire.

    smtp-source appends CRLF to every line it reads, including lines that already end in CR (they would go
    out as CR CR LF), so the file is written with LF line ends.
    """
    raw = supplier_mail(wire_size, tag)
    path = directory / f"mail-{tag}.eml"
    path.write_bytes(raw.replace(b"\r\n", b"\n"))
    return path, len(raw)


def parse_size(text: str) -> int:
    """'10k' -> 10240, '2m' -> 2097152, '5000' -> 5000."""
    match = re.fullmatch(r"\s*(\d+)\s*([kKmM]?)i?[bB]?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 10k, 200k, 2m)")
    return int(match.group(1)) * {"": 1, "k": KIB, "m": MIB}[match.group(2).lower()]


def size_label(size: int) -> str:
    """10240 -> '10 KiB', 2097152 -> '2 MiB'."""
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    return f"{size // KIB} KiB" if size >= KIB else f"{size} B"


# ---------------------------------------------------------------- one run


@dataclass(frozen=True)
class Load:
    """One smtp-source invocation: message file, message count, parallel sessions."""

    size: int
    wire_size: int
    concurrency: int
    messages: int
    mail_file: Path
    round: int


@dataclass
class Run:
    """The measurements of one server under one load."""

    server: str
    size: int
    wire_size: int
    concurrency: int
    round: int
    messages: int
    accepted: int
    seconds: float
    cpu_seconds: float
    client_cpu_seconds: float
    """CPU of smtp-source."""
    other_cpu_seconds: float
    """CPU used meanwhile by processes other than the server, smtp-source and this one."""
    window_seconds: float
    """Wall time from the first CPU reading to the last (smtp-source, then the server settling)."""
    exit_status: int
    problems: list[str]

    @property
    def label(self) -> str:
        """round, size, concurrency and server."""
        return f"round {self.round} {size_label(self.size):>7} s={self.concurrency:<3} {self.server:<9}"

    @property
    def other_load(self) -> float:
        """Average number of cores used by other processes during the run."""
        return self.other_cpu_seconds / self.window_seconds if self.window_seconds > 0 else 0.0

    @property
    def disturbed(self) -> bool:
        """Other processes used more than OTHER_LOAD_WARNING core, and more than 5 clock ticks in all."""
        return self.other_load > OTHER_LOAD_WARNING and self.other_cpu_seconds > 5 / CLOCK_TICKS

    @property
    def rate(self) -> float:
        """Messages per second, from smtp-source's wall time."""
        return self.accepted / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per accepted message."""
        return 1000 * self.cpu_seconds / max(self.accepted, 1)


def smtp_source(load: Load, port: int, domain: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Runs smtp-source (one connection per message, -N numbered recipients); wall seconds and result."""
    command = [
        SMTP_SOURCE,
        *("-A", "-N", "-4"),
        *("-s", str(load.concurrency), "-m", str(load.messages)),
        *("-M", HELO_NAME, "-f", SENDER, "-t", f"{LOCAL_PART}@{domain}"),
        *("-F", str(load.mail_file), f"127.0.0.1:{port}"),
    ]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    return time.perf_counter() - start, result


@dataclass(frozen=True)
class Meter:
    """Counters read around a run: wall clock, busy CPU of the machine, of this process, of its children."""

    wall: float
    machine: float
    own: float
    children: float

    @classmethod
    def read(cls) -> Meter:
        """The counters now; machine time is user+nice+system+irq+softirq of the 'cpu' line of /proc/stat."""
        ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # smtp-source, once waited for
        return cls(
            time.monotonic(),
            (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS,  # without idle and iowait
            time.process_time(),
            children.ru_utime + children.ru_stime,
        )


def measure(server: Server, load: Load) -> Run:
    """Loads one server; CPU is read just before smtp-source starts and once the server has settled."""
    server.check_alive()
    before = server.count()
    start, cpu_before = Meter.read(), server.cpu_seconds()
    seconds, result = smtp_source(load, server.port, server.domain)
    if before is not None:
        server.settle(before + load.messages)
    cpu = server.cpu_seconds() - cpu_before
    end = Meter.read()
    server.check_alive()
    client = end.children - start.children
    other = end.machine - start.machine - cpu - client - (end.own - start.own)
    problems = [line for line in result.stderr.splitlines() if line.strip()]
    if result.returncode != 0:
        problems.append(f"smtp-source exited with status {result.returncode}")
    accepted = _accepted(server, load.messages, before, problems)
    return Run(
        server=server.name,
        size=load.size,
        wire_size=load.wire_size,
        concurrency=load.concurrency,
        round=load.round,
        messages=load.messages,
        accepted=accepted,
        seconds=seconds,
        cpu_seconds=cpu,
        client_cpu_seconds=client,
        other_cpu_seconds=max(other, 0.0),
        window_seconds=end.wall - start.wall,
        exit_status=result.returncode,
        problems=problems,
    )


def _accepted(server: Server, sent: int, before: int | None, problems: list[str]) -> int:
    """Messages accepted: by the server's own count if it keeps one, else sent minus smtp-source refusals."""
    after = server.count()
    if before is None or after is None:
        return sent - min(sent, sum("rejected" in line or "fatal" in line for line in problems))
    if after - before != sent:
        problems.append(f"{server.name} recorded {after - before} messages, {sent} were sent")
    return after - before


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


# ---------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class Plan:
    """What to run."""

    sizes: tuple[int, ...]
    concurrency: tuple[int, ...]
    rounds: int
    messages: dict[int, int]
    servers: tuple[str, ...]
    flow_delay: str | None
    bare_fast_data: bool
    keep: bool


def sweep(plan: Plan, servers: Sequence[Server], workdir: Path) -> list[Run]:
    """Rounds of (size, concurrency) loads; within each, every server in turn on the same message file."""
    runs: list[Run] = []
    for number in range(1, plan.rounds + 1):
        for size in plan.sizes:
            for concurrency in plan.concurrency:
                tag = f"r{number}-{size}-s{concurrency}"
                path, wire_size = write_mail_file(workdir, size, tag)
                load = Load(size, wire_size, concurrency, plan.messages[size], path, number)
                for server in servers:
                    runs.append(measure(server, load))
                    report_run(runs[-1])
    return runs


def blob_put_cost(workdir: Path, size: int, count: int = 10) -> dict[str, float]:
    """Wall and CPU ms of BlobStore.put of a new blob of size bytes: what deduplication spares collecte."""
    store = BlobStore(workdir / "blob-probe")
    blobs = [random.randbytes(size) for _ in range(count)]
    walls: list[float] = []
    cpu_start = time.process_time()
    for blob in blobs:
        start = time.perf_counter()
        store.put(blob)
        walls.append(1000 * (time.perf_counter() - start))
    return {
        "size": size,
        "wall_ms_median": statistics.median(walls),
        "cpu_ms_mean": 1000 * (time.process_time() - cpu_start) / count,
    }


# ---------------------------------------------------------------- results


Summary = dict[tuple[int, int, str], dict[str, float]]


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


def _metric(summary: Summary, key: tuple[int, int, str], metric: str) -> float | None:
    entry = summary.get(key)
    return None if entry is None else entry[metric]


def _cells(values: dict[str, float | None], digits: int) -> list[str]:
    return ["-" if values[name] is None else f"{values[name]:.{digits}f}" for name in SERVER_NAMES]


def table_rows(plan: Plan, summary: Summary) -> list[list[str]]:
    """One row per (size, concurrency): msg/s and CPU ms per server, then collecte's ratios."""
    rows = []
    for size in plan.sizes:
        for concurrency in plan.concurrency:
            rate = {name: _metric(summary, (size, concurrency, name), "msg_per_s") for name in SERVER_NAMES}
            cpu = {
                name: _metric(summary, (size, concurrency, name), "cpu_ms_per_msg") for name in SERVER_NAMES
            }
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


# ---------------------------------------------------------------- command line


def _int_list(text: str) -> tuple[int, ...]:
    return tuple(int(item) for item in text.split(",") if item.strip())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The options; see --help."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help="message sizes on the wire (default %(default)s)"
    )
    parser.add_argument("--concurrency", default=DEFAULT_CONCURRENCY, help="smtp-source -s values")
    parser.add_argument("--rounds", type=int, default=3, help="sweeps; medians are reported (default 3)")
    parser.add_argument(
        "--messages", type=int, help="messages per run (default 1000, 200 from 1 MiB; --quick: 30, 10)"
    )
    parser.add_argument("--quick", action="store_true", help="one round with few messages, to check setup")
    parser.add_argument("--servers", default=",".join(SERVER_NAMES), help="subset of collecte,bare,postfix")
    parser.add_argument(
        "--postfix-flow-delay",
        metavar="DELAY",
        help="Postfix in_flow_delay, e.g. 0 to switch inbound flow control off (default: Postfix's 1s)",
    )
    parser.add_argument(
        "--bare-fast-data",
        action="store_true",
        help="bare server reads DATA with collecte's chunked reader instead of stock aiosmtpd's line reader",
    )
    parser.add_argument("--output", type=Path, default=OUT_FILE, help="JSON results (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, data, queue)")
    return parser.parse_args(argv)


def check_tools(servers: Sequence[str]) -> None:
    """BenchError naming what is missing for these servers."""
    unknown = set(servers) - set(SERVER_NAMES)
    if unknown:
        raise BenchError(f"unknown server(s) {sorted(unknown)}: choose among {', '.join(SERVER_NAMES)}")
    if "postfix" in servers and (os.geteuid() != 0 or not POSTFIX_SCRIPT.is_file()):
        raise BenchError(
            f"the private Postfix needs root and {POSTFIX_SCRIPT}; or use --servers collecte,bare"
        )
    if not Path(SMTP_SOURCE).is_file():
        raise BenchError(f"{SMTP_SOURCE} is missing: install postfix (scripts/system-deps.sh bench)")


def make_plan(args: argparse.Namespace) -> Plan:
    """The plan from the options, checked."""
    sizes = tuple(parse_size(item) for item in args.sizes.split(",") if item.strip())
    small, large = QUICK_MESSAGES if args.quick else DEFAULT_MESSAGES
    servers = tuple(name.strip() for name in args.servers.split(",") if name.strip())
    check_tools(servers)
    return Plan(
        sizes=sizes,
        concurrency=_int_list(args.concurrency),
        rounds=1 if args.quick else args.rounds,
        messages={size: args.messages or (large if size >= LARGE_MESSAGE else small) for size in sizes},
        servers=servers,
        flow_delay=args.postfix_flow_delay,
        bare_fast_data=args.bare_fast_data,
        keep=args.keep,
    )


def run_benchmark(plan: Plan, workdir: Path, output: Path) -> None:
    """Starts the servers, sweeps, prints and saves the results."""
    workdir.chmod(0o755)  # Postfix daemons run as user postfix inside it
    servers = make_servers(plan, workdir)
    with running(servers, max(plan.messages.values())):
        runs = sweep(plan, servers, workdir)
    blob_costs = [blob_put_cost(workdir, size) for size in plan.sizes] if "collecte" in plan.servers else []
    print_summary(plan, runs, blob_costs)
    write_json(output, plan, runs, blob_costs)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C, so that the servers are stopped


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = parse_args(argv)
    try:
        plan = make_plan(args)
    except BenchError as exc:
        print(f"smtp_accept: {exc}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="smtp-accept-"))
    keep = plan.keep
    try:
        run_benchmark(plan, workdir, args.output)
    except BenchError as exc:
        print(f"smtp_accept: {exc}", file=sys.stderr)
        keep = True
        return 1
    except KeyboardInterrupt:
        print("smtp_accept: interrupted; servers stopped", file=sys.stderr)
        return 130
    finally:
        if keep:
            print(f"Work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
