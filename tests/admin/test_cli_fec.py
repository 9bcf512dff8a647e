"""`collecte fec-check` as a user runs it: a real process on real files; exit 0 passes, 1 fails, 2 unread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from purchases.fec import write_fec
from tests.purchases.test_fec import JOURNAL
from tests.purchases.test_fec_check import changed, fec

COLLECTE = str(Path(sys.executable).with_name("collecte"))


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLLECTE_DATA_DIR": str(tmp_path / "var")}
    command = [COLLECTE, "fec-check", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_a_written_file_passes(tmp_path: Path) -> None:
    path = tmp_path / "732829320FEC20261231.txt"
    path.write_bytes(write_fec(JOURNAL))
    result = run(tmp_path, str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "732829320FEC20261231.txt: no violation, the file passes the FEC checks.\n"


def test_violations_are_listed_one_a_line(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_bytes(fec(*changed(3, CompteNum="F606400")) + b"\r\n\r\n")
    result = run(tmp_path, str(path))
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "file: [filename] the file name 'export.txt' is not <SIREN>FEC<YYYYMMDD>.txt",
        "line 3: [account_number] CompteNum 'F606400' does not start with 3 digits",
        "line 7: [trailing_empty_line] line 7 is empty: the file ends with empty lines after its last row",
        "export.txt: 3 violation(s) on 2 line(s); the file fails the FEC checks.",
    ]


def test_a_missing_file_is_exit_status_2(tmp_path: Path) -> None:
    result = run(tmp_path, str(tmp_path / "absent.txt"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert (
        result.stderr == f"Error: cannot read {str(tmp_path / 'absent.txt')!r}: No such file or directory\n"
    )
