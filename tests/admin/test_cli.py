"""The `collecte` command as a user runs it: real processes, real SMTP, one-line errors."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.support import mail, small_pdf, start_server

COLLECTE = str(Path(sys.executable).with_name("collecte"))


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COLLECTE, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "COLLECTE_DATA_DIR": str(tmp_path / "var")}


def test_company_add_prints_collection_addresses(env: dict[str, str]) -> None:
    result = run(env, "company", "add", "Boulangerie Dupont SARL", "--siret", "732 829 320 00074")
    assert result.returncode == 0, result.stderr
    assert "boulangerie-dupont@achats.factures-meg.fr" in result.stdout
    assert "boulangerie-dupont@factures-meg.fr" in result.stdout
    listing = run(env, "company", "list")
    assert "boulangerie-dupont" in listing.stdout
    assert "73282932000074" in listing.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("company", "add", "X", "--siret", "123"),
            "Error: invalid SIRET '123': the number has an invalid length",
        ),
        (("company", "add", "X", "--siret", "73282932000075"), "Error: invalid SIRET '73282932000075'"),
        (("company", "add", "X", "--siret", "73282932000074", "--slug", "Bad Slug"), "Error: invalid slug"),
        (("company", "deactivate", "nobody"), "Error: no company with slug 'nobody'"),
    ],
)
def test_user_mistakes_are_one_line_without_traceback(
    env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    result = run(env, *args)
    assert result.returncode == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_duplicate_company_is_refused(env: dict[str, str]) -> None:
    assert run(env, "company", "add", "ACME", "--siret", "73282932000074").returncode == 0
    result = run(env, "company", "add", "ACME bis", "--siret", "73282932000074")
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: SIRET 73282932000074 is already registered as company 'acme'"


def test_unwritable_data_dir_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    env = {**os.environ, "COLLECTE_DATA_DIR": str(tmp_path / "file" / "var")}
    result = run(env, "company", "list")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_accepts_mail_and_stops_cleanly(env: dict[str, str]) -> None:
    assert run(env, "company", "add", "ACME", "--siret", "73282932000074").returncode == 0
    port = free_port()
    process = subprocess.Popen(
        [COLLECTE, "serve"],
        env={**env, "COLLECTE_SMTP_PORT": str(port), "COLLECTE_API_PORT": "0"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "Ctrl-C to stop" in line:
                break
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail(
                "a@b.fr", ["acme@achats.factures-meg.fr"], mail([("f.pdf", "application/pdf", small_pdf())])
            )
            assert client.noop()[0] == 250
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        process.kill()
        process.wait()
        if process.stderr is not None:
            process.stderr.close()
    with closing(sqlite3.connect(Path(env["COLLECTE_DATA_DIR"]) / "collecte.db")) as db:
        assert db.execute("SELECT count(*) FROM raw_messages").fetchone() == (1,)


def test_log_shows_accepted_and_refused_messages(env: dict[str, str], tmp_path: Path) -> None:
    assert run(env, "company", "add", "ACME", "--siret", "73282932000074").returncode == 0
    assert run(env, "log").stdout.strip() == "The import log is empty."
    running = start_server(tmp_path / "var")
    try:
        with smtplib.SMTP("127.0.0.1", running.port) as client:
            client.sendmail(
                "a@b.fr", ["acme@achats.factures-meg.fr"], mail([("f.pdf", "application/pdf", small_pdf())])
            )
            with pytest.raises(smtplib.SMTPDataError):
                client.sendmail("z@b.fr", ["acme@achats.factures-meg.fr"], mail([]))
    finally:
        running.stop()
    lines = run(env, "log", "--company", "acme").stdout.splitlines()
    accepted = [line for line in lines if " accepted " in line]
    refused = [line for line in lines if " refused " in line]
    assert len(accepted) == 1
    assert "acme" in accepted[0]
    assert "message 1" in accepted[0]
    assert len(refused) == 1
    assert "No invoice attached" in refused[0]
    assert run(env, "log", "--company", "nobody").stderr.strip() == "Error: no company with slug 'nobody'"
