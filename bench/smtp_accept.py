"""SMTP acceptance benchmark: collecte, a bare aiosmtpd server and a private Postfix, loaded by smtp-source.

    .venv/bin/python bench/smtp_accept.py [--quick] [--rounds 3] [--sizes 10k,200k,2m] [--concurrency 1,10,50]

For each message size and smtp-source concurrency (-s), the three servers are loaded one after the other with
the same message file and the same recipients, one connection per message; the whole sweep is repeated
--rounds times and the medians are printed: messages/s (messages / wall time of smtp-source) and the servers'
CPU time per accepted message. Raw runs and medians go to bench/out/smtp_accept.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from smtp_messages import MIB, parse_size, write_mail_file
from smtp_report import print_summary, report_run, write_json
from smtp_run import SMTP_SOURCE, Load, Plan, Run, measure
from smtp_servers import POSTFIX_SCRIPT, SERVER_NAMES, BenchError, Server, make_servers, running

from store.blobs import BlobStore

DEFAULT_SIZES = "10k,200k,2m"
DEFAULT_CONCURRENCY = "1,10,50"
LARGE_MESSAGE = MIB
"""Messages of at least this size get the smaller default message count."""
DEFAULT_MESSAGES = (1000, 200)
QUICK_MESSAGES = (30, 10)
OUT_FILE = Path(__file__).resolve().parent / "out" / "smtp_accept.json"


# ---------------------------------------------------------------- the sweep


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


# ---------------------------------------------------------------- command line


def _items(text: str) -> list[str]:
    """The non-blank items of a comma-separated option (as given: parse_size's error quotes them)."""
    return [item for item in text.split(",") if item.strip()]


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
    sizes = tuple(parse_size(item) for item in _items(args.sizes))
    small, large = QUICK_MESSAGES if args.quick else DEFAULT_MESSAGES
    servers = tuple(name.strip() for name in _items(args.servers))
    check_tools(servers)
    return Plan(
        sizes=sizes,
        concurrency=tuple(int(item) for item in _items(args.concurrency)),
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
    servers = make_servers(
        plan.servers, workdir, bare_fast_data=plan.bare_fast_data, flow_delay=plan.flow_delay
    )
    with running(servers, max(plan.messages.values())):
        runs = sweep(plan, servers, workdir)
    blob_costs = [blob_put_cost(workdir, size) for size in plan.sizes] if "collecte" in plan.servers else []
    print_summary(plan, runs, blob_costs)
    write_json(output, plan, runs, blob_costs)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C, so that the servers are stopped


def _complain(message: object) -> None:
    """An error line on stderr, prefixed with the script's name."""
    print(f"smtp_accept: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = parse_args(argv)
    try:
        plan = make_plan(args)
    except BenchError as exc:
        _complain(exc)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="smtp-accept-"))
    keep = plan.keep
    try:
        run_benchmark(plan, workdir, args.output)
    except BenchError as exc:
        _complain(exc)
        keep = True
        return 1
    except KeyboardInterrupt:
        _complain("interrupted; servers stopped")
        return 130
    finally:
        if keep:
            print(f"Work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
