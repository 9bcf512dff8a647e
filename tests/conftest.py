"""Shared fixtures: a real collecte SMTP server per test with one company, 'acme'."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import SIRETS, RunningServer, start_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    """collecte on a free loopback port with the company 'acme' (ACME SAS)."""
    running = start_server(tmp_path / "var")
    running.add_company("ACME SAS", SIRETS[0], "acme")
    yield running
    running.stop()
