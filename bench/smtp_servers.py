"""The SMTP servers under test (collecte, a bare aiosmtpd, a private Postfix): start, watch, stop them."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cpu_meter import tree_cpu_seconds
from smtp_messages import COLLECTE_DOMAIN, POSTFIX_DOMAIN, add_companies

SERVER_NAMES = ("collecte", "bare", "postfix")
BARE_SMTPD = Path(__file__).resolve().with_name("bare_smtpd.py")
POSTFIX_SCRIPT = Path(os.environ.get("BENCH_POSTFIX_SCRIPT", "/work/shared/bench/postfix_private.sh"))


class BenchError(Exception):
    """A setup problem that stops the benchmark."""


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

    @property
    def log_path(self) -> Path:
        """WORKDIR/NAME.log: the server's output."""
        return self.workdir / f"{self.name}.log"

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
        self.log = self.log_path.open("wb")
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
        log = self.log_path
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
        """Companies 1inv..N in the data folder."""
        add_companies(self.data_dir, recipients)

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
        return [sys.executable, str(BARE_SMTPD), str(self.port), *fast]


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


def make_servers(
    names: Sequence[str], workdir: Path, *, bare_fast_data: bool, flow_delay: str | None
) -> list[Server]:
    """The servers named, in the order given."""
    factories: dict[str, Callable[[], Server]] = {
        "collecte": lambda: Collecte("collecte", COLLECTE_DOMAIN, workdir),
        "bare": lambda: Bare("bare", COLLECTE_DOMAIN, workdir, fast_data=bare_fast_data),
        "postfix": lambda: Postfix("postfix", POSTFIX_DOMAIN, workdir, flow_delay=flow_delay),
    }
    return [factories[name]() for name in names]


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
