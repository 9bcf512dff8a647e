"""The `collecte access` commands as a user runs them: real processes on a real database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from admin.runtime import Storage
from purchases.companies import add_company
from store.settings import StoreSettings
from tests.support import SIRETS

COLLECTE = str(Path(sys.executable).with_name("collecte"))
DEFAULTS = """\
Access of acme (firm_admin: everything):
  profile         exports  accounting
  firm_user       yes      yes
  company_admin   no       no
  company_user    no       no
"""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COLLECTE, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A database with the company acme, made in this process (quicker than `collecte company add`)."""
    storage = Storage.open(StoreSettings(data_dir=tmp_path / "var"))
    with storage.sessions.begin() as session:
        add_company(session, "ACME SAS", SIRETS[0], "acme")
    storage.engine.dispose()
    return {**os.environ, "COLLECTE_DATA_DIR": str(tmp_path / "var")}


def test_show_then_set_switches(env: dict[str, str]) -> None:
    shown = run(env, "access", "show", "acme")
    assert (shown.returncode, shown.stdout) == (0, DEFAULTS), shown.stderr
    changed = run(env, "access", "set", "ACME", "--profile", "company_user", "--exports")
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines()[-1].split() == ["company_user", "yes", "no"]
    changed = run(env, "access", "set", "acme", "--profile", "firm_user", "--no-accounting")
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines()[2:] == [
        "  firm_user       yes      no",
        "  company_admin   no       no",
        "  company_user    yes      no",
    ]
    with closing(sqlite3.connect(Path(env["COLLECTE_DATA_DIR"]) / "collecte.db")) as db:
        rows = db.execute(
            "SELECT profile, exports, accounting FROM company_access ORDER BY profile"
        ).fetchall()
    assert rows == [("company_user", 1, 0), ("firm_user", 1, 0)]


def test_mistakes_are_one_line_errors(env: dict[str, str]) -> None:
    unknown = run(env, "access", "set", "nobody", "--profile", "company_user", "--exports")
    assert (unknown.returncode, unknown.stderr) == (1, "Error: no company with slug 'nobody'\n")
    nothing = run(env, "access", "set", "acme", "--profile", "company_user")
    assert nothing.returncode == 1
    assert nothing.stderr.startswith("Error: nothing to set: give --exports/--no-exports")
