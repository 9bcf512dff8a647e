"""`collecte imap` as a user runs it (real processes, a real Dovecot): add, list, poll --once, remove."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.dovecot import Dovecot, start_dovecot
from tests.support import mail, small_pdf, zip_of

IMAP = [sys.executable, "-c", "from admin.cli_imap import imap; imap(prog_name='collecte imap')"]
"""`collecte imap`, whether or not admin/cli.py registers the group yet."""
COLLECTE = str(Path(sys.executable).with_name("collecte"))


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = start_dovecot()
    yield server
    server.stop()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "COLLECTE_DATA_DIR": str(tmp_path / "var")}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*IMAP, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def add_company(env: dict[str, str]) -> None:
    result = subprocess.run(
        [COLLECTE, "company", "add", "ACME", "--siret", "73282932000074"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_add_list_poll_once_remove(dovecot: Dovecot, env: dict[str, str], tmp_path: Path) -> None:
    add_company(env)
    user = dovecot.add_user()
    secret = tmp_path / "imap-password"
    secret.write_text("secret\n")
    dovecot.append(user, mail([("f.pdf", "application/pdf", small_pdf("cli"))], to="acme@factures-meg.fr"))
    dovecot.append(user, mail([("f.zip", "application/zip", zip_of("f.pdf", small_pdf("z")))], subject="zip"))
    added = run(
        env,
        *("add", "cabinet", "--host", "127.0.0.1", "--port", str(dovecot.port), "--security", "plain"),
        *("--user", user, "--password-file", str(secret)),
    )
    assert added.returncode == 0, added.stderr
    assert f"IMAP account 'cabinet' added: {user}@127.0.0.1:{dovecot.port}/INBOX (plain)." in added.stdout
    assert "routed by delivered-to,x-original-to,to" in added.stdout
    listing = run(env, "list")
    assert f"password file {secret}" in listing.stdout
    assert "polled never" in listing.stdout
    polled = run(env, "poll", "--once")
    assert polled.returncode == 0, polled.stderr
    assert "cabinet: 2 fetched: 1 accepted, 0 duplicate(s), 1 refused, 0 unrouted" in polled.stdout
    assert "secret" not in polled.stderr
    with closing(sqlite3.connect(Path(env["COLLECTE_DATA_DIR"]) / "collecte.db")) as db:
        assert db.execute("SELECT channel FROM raw_messages").fetchall() == [("imap",)]
    assert len(dovecot.messages(user, "collecte-refused")) == 1
    assert run(env, "disable", "cabinet").stdout.strip() == "IMAP account 'cabinet' is now disabled."
    assert run(env, "poll", "--once").stdout.strip() == "No IMAP account to poll."
    assert run(env, "remove", "cabinet").stdout.strip() == "IMAP account 'cabinet' removed."


def test_wrong_password_is_one_error_line(dovecot: Dovecot, env: dict[str, str]) -> None:
    user = dovecot.add_user()
    added = run(
        env,
        *("add", "cabinet", "--host", "127.0.0.1", "--port", str(dovecot.port), "--security", "plain"),
        *("--user", user, "--password", "wrong-pass-4242"),
    )
    assert added.returncode == 0, added.stderr
    polled = run(env, "poll", "--once")
    assert polled.returncode == 1
    assert polled.stderr.strip().splitlines()[-1] == (
        f"Error: IMAP account 'cabinet': login refused by 127.0.0.1 for user {user!r}: "
        "[AUTHENTICATIONFAILED] Authentication failed."
    )
    assert "Traceback" not in polled.stderr
    assert "wrong-pass-4242" not in polled.stderr + polled.stdout
    listing = run(env, "list")
    assert "wrong-pass-4242" not in listing.stdout
    assert "stored password" in listing.stdout
    assert "error: IMAP account 'cabinet': login refused" in listing.stdout


def stored(env: dict[str, str]) -> int:
    with closing(sqlite3.connect(Path(env["COLLECTE_DATA_DIR"]) / "collecte.db")) as db:
        return int(db.execute("SELECT count(*) FROM raw_messages").fetchone()[0])


def test_poll_without_once_runs_until_stopped(dovecot: Dovecot, env: dict[str, str]) -> None:
    add_company(env)
    user = dovecot.add_user()
    arguments = (
        "--port",
        str(dovecot.port),
        "--security",
        "plain",
        "--password",
        "secret",
        "--company",
        "acme",
    )
    assert run(env, "add", "cabinet", "--host", "127.0.0.1", "--user", user, *arguments).returncode == 0
    process = subprocess.Popen([*IMAP, "poll"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "Ctrl-C to stop" in line:
                break
        dovecot.append(user, mail([("f.pdf", "application/pdf", small_pdf("daemon"))]))
        deadline = time.monotonic() + 15
        while stored(env) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stored(env) == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        process.kill()
        process.wait()
        if process.stderr is not None:
            process.stderr.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("add", "cabinet", "--host", "h", "--user", "u"),
            "Error: IMAP account 'cabinet': password: give exactly",
        ),
        (
            ("add", "x", "--host", "h", "--user", "u", "--password", "p", "--company", "nobody"),
            "company: no company",
        ),
        (("remove", "ghost"), "Error: IMAP account 'ghost': name: no such account"),
        (("disable", "ghost"), "Error: IMAP account 'ghost': name: no such account"),
        (
            ("poll", "--once", "--account", "ghost"),
            "Error: IMAP account 'ghost': name: no such enabled account",
        ),
    ],
)
def test_mistakes_are_one_line(env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = run(env, *args)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert message in line
