"""A bare aiosmtpd server for benchmarks: accepts any recipient, answers 250 OK to DATA, keeps nothing.

    python bench/bare_smtpd.py PORT [--host 127.0.0.1] [--fast-data]

It is the floor collecte is compared with: the same library (stock aiosmtpd.smtp.SMTP, binary DATA, 25 MiB
data_size_limit) in one asyncio process, with no recipient lookup, no MIME gate, no disk and no database.
Stock aiosmtpd reads DATA line by line; --fast-data uses collecte's chunked DATA reader
(ingest.smtp_protocol.FastDataSMTP) instead, to separate the cost of reading from the rest.
Stops on SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Callable
from typing import Any

from aiosmtpd.smtp import SMTP

DATA_SIZE_LIMIT = 25 * 1024 * 1024
"""Same as collecte's default COLLECTE_MAX_MESSAGE_SIZE."""


class DiscardHandler:
    """Accepts every recipient and every message, and drops the content."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        """Any recipient is fine."""
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """The content is discarded."""
        return "250 OK"


def protocol_factory(handler: DiscardHandler, fast_data: bool) -> Callable[[], SMTP]:
    """Makes stock aiosmtpd SMTP sessions, or sessions of collecte's subclass that reads DATA in chunks."""
    options: dict[str, Any] = {
        "decode_data": False,
        "hostname": "bench",
        "data_size_limit": DATA_SIZE_LIMIT,
        "loop": asyncio.get_running_loop(),
    }
    if not fast_data:
        return lambda: SMTP(handler, **options)
    from ingest.smtp_protocol import FastDataSMTP

    sessions: set[Any] = set()  # FastDataSMTP keeps its open sessions in a set its server can close
    return lambda: FastDataSMTP(sessions, handler, **options)


async def serve(host: str, port: int, fast_data: bool) -> None:
    """Listens on host:port until SIGINT or SIGTERM."""
    loop = asyncio.get_running_loop()
    protocol = protocol_factory(DiscardHandler(), fast_data)
    kind = type(protocol()).__name__  # fails here, loudly, rather than in each accepted connection
    server = await loop.create_server(protocol, host=host, port=port, reuse_address=True)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(f"bare_smtpd: {kind} on {host}:{port}", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main() -> None:
    """Parses the options, then serves."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("port", type=int)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--fast-data", action="store_true", help="read DATA with collecte's FastDataSMTP")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.fast_data))


if __name__ == "__main__":
    main()
