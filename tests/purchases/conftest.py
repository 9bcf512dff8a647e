"""Fixtures of the books tests: a migrated database in tmp_path, a session on it, and the company ACME."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from admin.runtime import Storage
from tests.purchases.books_db import add_acme, open_storage


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    """A migrated SQLite database and blob store in tmp_path."""
    opened = open_storage(tmp_path / "var")
    yield opened
    opened.engine.dispose()


@pytest.fixture
def session(storage: Storage) -> Iterator[Session]:
    """One session on the database (flushes, never commits unless a test does)."""
    with storage.sessions() as opened:
        yield opened


@pytest.fixture
def acme(session: Session) -> int:
    """The id of the company ACME SAS (slug acme)."""
    return add_acme(session)
