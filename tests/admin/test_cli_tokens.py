"""The `collecte token` commands as a user runs them: real processes on a real database."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

COLLECTE = str(Path(sys.executable).with_name("collecte"))


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COLLECTE, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {**os.environ, "COLLECTE_DATA_DIR": str(tmp_path / "var")}
    for name, siret in (("ACME", "73282932000074"), ("Other", "35600000000048")):
        assert run(environment, "company", "add", name, "--siret", siret).returncode == 0
    return environment


def database(env: dict[str, str]) -> sqlite3.Connection:
    return sqlite3.connect(Path(env["COLLECTE_DATA_DIR"]) / "collecte.db")


def test_create_prints_the_secret_once_and_stores_only_its_hash(env: dict[str, str]) -> None:
    result = run(env, "token", "create", "--role", "platform", "--name", "Welyb", "--company", "acme")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Token 'Welyb' (platform) created for acme."
    secret = lines[1]
    assert secret.startswith("clt_")
    assert len(secret) > 40
    assert "not stored" in lines[2]
    with closing(database(env)) as db:
        row = db.execute("SELECT name, role, secret_hash, prefix FROM api_tokens").fetchone()
        companies = db.execute("SELECT company_id FROM api_token_companies").fetchall()
    assert row == ("Welyb", "platform", hashlib.sha256(secret.encode()).hexdigest(), secret[:8])
    assert companies == [(1,)]
    listing = run(env, "token", "list")
    assert listing.returncode == 0
    assert secret not in listing.stdout
    assert secret[:8] in listing.stdout
    assert "Welyb" in listing.stdout
    assert "acme" in listing.stdout
    assert "active" in listing.stdout


def test_firm_admin_reaches_every_company(env: dict[str, str]) -> None:
    result = run(env, "token", "create", "--role", "firm_admin", "--name", "Cabinet Martin")
    assert result.returncode == 0, result.stderr
    assert "created for every company" in result.stdout
    assert " * " in run(env, "token", "list").stdout


def test_revoke(env: dict[str, str]) -> None:
    run(
        env,
        "token",
        "create",
        "--role",
        "platform",
        "--name",
        "Welyb",
        "--company",
        "acme",
        "--company",
        "other",
    )
    result = run(env, "token", "revoke", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Token 1 (Welyb, clt_")
    assert "revoked" in result.stdout
    listing = run(env, "token", "list").stdout
    assert "revoked" in listing
    assert "acme,other" in listing
    with closing(database(env)) as db:
        assert db.execute("SELECT revoked_at IS NOT NULL FROM api_tokens").fetchone() == (1,)


def test_empty_list(env: dict[str, str]) -> None:
    assert run(env, "token", "list").stdout.startswith("No token yet")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--role", "platform", "--name", "Welyb"),
            "Error: companies: a token with role platform needs at least one company",
        ),
        (
            ("--role", "firm_user", "--name", "Paul"),
            "Error: companies: a token with role firm_user needs at least one company",
        ),
        (
            ("--role", "accounting_software", "--name", "Sage"),
            "Error: companies: a token with role accounting_software needs at least one company",
        ),
        (
            ("--role", "firm_admin", "--name", "Cabinet", "--company", "acme"),
            "Error: companies: a token with role firm_admin reaches every company: name none",
        ),
        (
            ("--role", "platform", "--name", "Welyb", "--company", "nobody"),
            "Error: company: no company with slug 'nobody'",
        ),
        (("--role", "platform", "--name", " ", "--company", "acme"), "Error: name: give 1 to 100 printable"),
    ],
)
def test_create_mistakes_are_one_line(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = run(env, "token", "create", *args)
    assert result.returncode == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    with closing(database(env)) as db:
        assert db.execute("SELECT count(*) FROM api_tokens").fetchone() == (0,)


def test_revoke_unknown_token_is_one_line(env: dict[str, str]) -> None:
    result = run(env, "token", "revoke", "7")
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: token: no token with id 7"


def test_unknown_role_is_refused_by_the_command_line(env: dict[str, str]) -> None:
    result = run(env, "token", "create", "--role", "root", "--name", "X")
    assert result.returncode == 2
    assert "'root' is not one of" in result.stderr
