"""One measured run: smtp-source loads one server with one message file while the CPU used is metered."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from cpu_meter import CLOCK_TICKS, Meter
from smtp_messages import HELO_NAME, LOCAL_PART, SENDER, size_label
from smtp_servers import Server

SMTP_SOURCE = "/usr/sbin/smtp-source"
OTHER_LOAD_WARNING = 0.2
"""Cores used by unrelated processes during a run above which the run is listed as disturbed."""


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
