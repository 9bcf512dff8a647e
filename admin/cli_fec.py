"""The `collecte fec-check FILE` command: every FEC violation of a file; exit 0 passes, 1 fails, 2 unread."""

from __future__ import annotations

from pathlib import Path

import click

from admin.cli_support import friendly_errors
from purchases.fec import FecViolation, check_fec_file


class UnreadableFileError(click.ClickException):
    """The file to check cannot be read at all: one `Error: ...` line, exit status 2."""

    exit_code = 2


def _where(violation: FecViolation) -> str:
    return f"line {violation.line}" if violation.line else "file"


@click.command("fec-check")
@click.argument("file", type=click.Path(path_type=Path))
@friendly_errors
def fec_check(file: Path) -> None:
    """Checks a FEC file (art. A47 A-1 LPF) and prints each violation as `line N: [rule] message`.

    Whole-file problems (name, size) print as `file: [rule] message`. Exit status: 0 when the file passes,
    1 when it has violations, 2 when it cannot be read.
    """
    try:
        violations = check_fec_file(file)
    except OSError as exc:
        raise UnreadableFileError(f"cannot read {str(file)!r}: {exc.strerror or exc}") from None
    for violation in violations:
        click.echo(f"{_where(violation)}: [{violation.rule}] {violation.message}")
    if not violations:
        click.echo(f"{file.name}: no violation, the file passes the FEC checks.")
        return
    lines = len({violation.line for violation in violations if violation.line})
    click.echo(
        f"{file.name}: {len(violations)} violation(s) on {lines} line(s); the file fails the FEC checks."
    )
    raise click.exceptions.Exit(1)
