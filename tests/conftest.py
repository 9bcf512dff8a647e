"""Shared fixtures: a real collecte SMTP server per test with one company, 'acme'; a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_server import PostgresServer, start_postgres
from tests.support import SIRETS, RunningServer, start_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    """collecte on a free loopback port with the company 'acme' (ACME SAS)."""
    running = start_server(tmp_path / "var")
    running.add_company("ACME SAS", SIRETS[0], "acme")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster on a free loopback port, for the whole session."""
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres: PostgresServer) -> str:
    """The SQLAlchemy URL of a fresh, empty PostgreSQL database of the test's own."""
    return postgres.new_database()
