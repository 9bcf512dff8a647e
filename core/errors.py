"""The one root error class of collecte; every package's errors derive from it and carry their data."""

from __future__ import annotations


class CollecteError(Exception):
    """Root of every error collecte raises on purpose; `reason` is a sentence fit for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
