"""Database engine, sessions and migrations: SQLite by default (WAL, full fsync), PostgreSQL in production."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin) instead of the driver's deferred BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: a read-then-write transaction can then wait on busy_timeout
    # instead of failing at once with "database is locked" when another writer committed meanwhile.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for url; for SQLite the folder is created and durable pragmas are set on each connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_REGISTRY_LOCK = threading.Lock()


def write_gate(engine: Engine) -> AbstractContextManager[Any]:
    """Held around write transactions: one writer at a time per SQLite file within this process.

    SQLite allows a single writer; a second one waits in its busy handler, which sleeps in steps of up to
    100 ms. Queuing writers on a lock instead hands the database over as soon as it is free. Other
    databases get a no-op.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _REGISTRY_LOCK:
        return _SQLITE_WRITERS.setdefault(str(engine.url), threading.Lock())


@contextmanager
def write_session(engine: Engine, sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A write transaction on engine, committed unless an error escapes (one SQLite writer at a time)."""
    with write_gate(engine), sessions.begin() as session:
        yield session


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to engine, with the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Brings the schema to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")
