"""CPU figures read from /proc: a process tree's CPU seconds, and the machine counters read around a run."""

from __future__ import annotations

import os
import resource
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state is [0], ppid [1], utime [11])."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def _tick_seconds(fields: list[str], first: int) -> float:
    """Seconds in the tick counters fields[first] and fields[first + 1] (utime+stime, cutime+cstime)."""
    return (int(fields[first]) + int(fields[first + 1])) / CLOCK_TICKS


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process in /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int(_stat_fields(entry.name)[1])
    return parents


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
    reaped = _tick_seconds(fields, 13)
    own = _runtime_ns(pid)
    if own is None:
        return _tick_seconds(fields, 11) + reaped
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
