"""The company directory answers from the database and reuses answers for a short time only."""

from __future__ import annotations

import time

from sqlalchemy import text

from ingest.directory import CompanyDirectory
from tests.support import SIRETS, RunningServer


def test_lookup_and_cache_expiry(server: RunningServer) -> None:
    directory = CompanyDirectory(server.storage.sessions, cache_seconds=0.3)
    acme = directory.active_company_id("acme")
    assert acme is not None
    assert directory.active_company_id("later") is None
    later = server.add_company("Later SAS", SIRETS[2], "later")
    with server.storage.sessions.begin() as session:
        session.execute(text("UPDATE companies SET active = 0 WHERE slug = 'acme'"))
    assert directory.active_company_id("acme") == acme
    assert directory.active_company_id("later") is None
    time.sleep(0.35)
    assert directory.active_company_id("acme") is None
    assert directory.active_company_id("later") == later
