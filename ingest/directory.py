"""Company directory for the edges: which active company a collection address belongs to (cached briefly)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.models import Company

CACHE_SECONDS = 5.0
"""How long an answer is reused: a company added or deactivated is seen by SMTP within this delay."""


class CompanyDirectory:
    """Looks companies up by slug (from worker threads, never the event loop), caching answers briefly."""

    def __init__(self, sessions: sessionmaker[Session], cache_seconds: float = CACHE_SECONDS) -> None:
        self._sessions = sessions
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, int | None]] = {}
        self._lock = threading.Lock()

    def active_company_id(self, slug: str) -> int | None:
        """The id of the active company with this slug, or None."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(slug)
        if cached is not None and now - cached[0] < self._cache_seconds:
            return cached[1]
        with self._sessions() as session:
            found = session.scalar(select(Company.id).where(Company.slug == slug, Company.active.is_(True)))
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[slug] = (now, found)
        return found
