"""The import log read back: last import per company and source platform, shown by `collecte log --last`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.runtime import Storage
from purchases.errors import NotFoundError
from purchases.import_log import Arrivals, LastImport, last_imports, log_page
from store.models import Channel, Company, ImportEvent, ImportEventKind
from tests.purchases.books_db import add_acme

COLLECTE = str(Path(sys.executable).with_name("collecte"))


def add(session: Session, company_id: int, platform: str, at: datetime, kind: ImportEventKind) -> None:
    channel = Channel.HTTP if platform not in ("email", "Welyb") else Channel.SMTP
    session.add(
        ImportEvent(
            at=at,
            company_id=company_id,
            kind=kind,
            channel=channel,
            source_platform=platform,
            sender="x@example.fr",
            recipients=[],
        )
    )


def fill(session: Session) -> None:
    acme = add_acme(session)
    other = add_acme(session, "Boulangerie Dupont", "35600000000048", "dupont")
    accepted, refused = ImportEventKind.ACCEPTED, ImportEventKind.REFUSED
    add(session, acme, "email", datetime(2026, 11, 1, 9, tzinfo=UTC), accepted)
    add(session, acme, "email", datetime(2026, 11, 3, 9, tzinfo=UTC), accepted)
    add(session, acme, "Welyb", datetime(2026, 11, 2, 9, tzinfo=UTC), accepted)
    add(session, acme, "Welyb", datetime(2026, 11, 20, 9, tzinfo=UTC), refused)
    add(session, other, "Pennylane GED", datetime(2026, 11, 4, 9, tzinfo=UTC), accepted)
    session.flush()


def test_last_import_per_company_and_platform(session: Session) -> None:
    fill(session)
    assert last_imports(session) == [
        LastImport("acme", "email", datetime(2026, 11, 3, 9, tzinfo=UTC), 2),
        LastImport("acme", "Welyb", datetime(2026, 11, 2, 9, tzinfo=UTC), 1),
        LastImport("dupont", "Pennylane GED", datetime(2026, 11, 4, 9, tzinfo=UTC), 1),
    ]
    assert [item.platform for item in last_imports(session, "dupont")] == ["Pennylane GED"]
    with pytest.raises(NotFoundError, match="no company with slug 'nobody'"):
        last_imports(session, "nobody")


def test_log_last_command(storage: Storage, tmp_path: Path) -> None:
    with storage.sessions.begin() as session:
        fill(session)
    env = {**os.environ, "COLLECTE_DATA_DIR": str(tmp_path / "var")}
    result = subprocess.run(
        [COLLECTE, "log", "--last", "--company", "acme"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [["acme", "email"], ["acme", "Welyb"]]
    assert "2026-11-03 09:00:00 2 message(s)" in lines[0]


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date.min, date.max, 4),
        (date.min, date.min, 0),
        (date.max, date.max, 0),
        (date(2026, 11, 2), date.max, 3),
        (date.min, date(2026, 11, 2), 2),
    ],
)
def test_a_period_may_reach_the_first_and_last_days_of_the_calendar(
    session: Session, start: date, end: date, count: int
) -> None:
    fill(session)
    acme = session.scalars(select(Company.id).where(Company.slug == "acme")).one()
    page = log_page(session, acme, Arrivals(received_from=start, received_to=end))
    assert (page.total, len(page.lines)) == (count, count)
