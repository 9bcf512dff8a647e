"""Company directory for the edges: which active company a collection address belongs to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.models import Company


class CompanyDirectory:
    """Looks companies up by slug in the database (called from worker threads, never the event loop)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def active_company_id(self, slug: str) -> int | None:
        """The id of the active company with this slug, or None."""
        with self._sessions() as session:
            return session.scalar(select(Company.id).where(Company.slug == slug, Company.active.is_(True)))
