"""A throwaway PostgreSQL cluster on a free loopback port, started for the test session and removed after it.

The cluster lives in a temporary folder: `initdb` with trust authentication for the superuser `collecte`,
then `postgres` in the foreground with fsync off, listening on 127.0.0.1 and on a unix socket in that folder,
in the Europe/Paris time zone (as a French production server may be: datetimes must still come back in UTC).
PostgreSQL refuses to run as root, so as root both run as the `postgres` system user (who owns the folder);
otherwise as the current user. Each test gets a database of its own (`new_database`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, text

SUPERUSER = "collecte"
SYSTEM_USER = "postgres"
"""The system user running the cluster when the tests run as root (Debian's postgresql package creates it)."""
TIME_ZONE = "Europe/Paris"
MISSING = "PostgreSQL server binaries not found (initdb, postgres): run scripts/system-deps.sh"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _version(folder: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", folder.parent.name))


def server_binaries() -> Path:
    """The folder of initdb and postgres: Debian's newest /usr/lib/postgresql/<version>/bin, else PATH."""
    found = [
        p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if (p.parent / "postgres").exists()
    ]
    if found:
        return max(found, key=_version)
    initdb = shutil.which("initdb")
    if initdb is None or shutil.which("postgres") is None:
        raise RuntimeError(MISSING)
    return Path(initdb).parent


def _run_as() -> dict[str, Any]:
    """Popen arguments that drop root to the postgres system user; nothing to change for a normal user."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise RuntimeError(f"no '{SYSTEM_USER}' system user to run PostgreSQL as: {MISSING}") from None
    return {
        "user": user.pw_uid,
        "group": user.pw_gid,
        "extra_groups": [],
        "env": {**os.environ, "HOME": user.pw_dir},
    }


@dataclass
class PostgresServer:
    """A running throwaway cluster; `new_database()` gives a fresh database's SQLAlchemy URL."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def admin_url(self) -> str:
        """A libpq URL of the maintenance database, as the superuser."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database of the cluster (psycopg 3 driver)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Creates an empty database test_<n> and returns its SQLAlchemy URL."""
        name = f"test_{next(self._numbers)}"
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}".encode())
        return self.url(name)

    def log(self) -> str:
        """The server's log so far."""
        path = self.root / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stops the server (fast shutdown: open sessions are ended) and removes the cluster's folder."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _initdb(binaries: Path, data: Path, run_as: dict[str, Any]) -> None:
    done = subprocess.run(
        [str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
         "--no-locale", "--no-sync", "--no-instructions"],
        cwd=data.parent,
        capture_output=True,
        check=False,
        **run_as,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed:\n{done.stdout.decode()}{done.stderr.decode()}")


def _ready(server: PostgresServer, deadline: float) -> bool:
    while time.monotonic() < deadline and server.process.poll() is None:
        with (
            contextlib.suppress(psycopg.OperationalError),
            psycopg.connect(server.admin_url, connect_timeout=2),
        ):
            return True
        time.sleep(0.05)
    return False


def start_postgres() -> PostgresServer:
    """initdb in a temporary folder, then postgres on a free loopback port; stop() it afterwards."""
    binaries = server_binaries()
    run_as = _run_as()
    root = Path(tempfile.mkdtemp(prefix="collecte-postgres-"))
    if run_as:
        os.chown(root, run_as["user"], run_as["group"])
    try:
        _initdb(binaries, root / "data", run_as)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    log = ""
    for _attempt in range(3):
        port = free_port()
        with (root / "postgres.log").open("wb") as output:
            process = subprocess.Popen(
                [str(binaries / "postgres"), "-D", str(root / "data"), "-p", str(port),
                 "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={root}",
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", f"timezone={TIME_ZONE}", "-c", "max_connections=50", "-c", "shared_buffers=32MB"],
                cwd=root,
                stdout=output,
                stderr=subprocess.STDOUT,
                **run_as,
            )  # fmt: skip
        server = PostgresServer(root, port, process)
        if _ready(server, time.monotonic() + 30):
            return server
        log = server.log()
        process.kill()
        process.wait()
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"postgres did not start:\n{log}")


def wait_for_a_lock_waiter(engine: Engine, what: str) -> None:
    """Returns once another session of the engine's database is blocked on a lock (else fails, naming what
    should have waited)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 10
    with engine.connect() as connection:
        while not connection.execute(query).scalar():
            assert time.monotonic() < deadline, f"{what} never waited for the first"
            time.sleep(0.01)
            connection.rollback()
