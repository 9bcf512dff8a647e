"""Errors at the edges where mail arrives."""

from __future__ import annotations

from core.errors import CollecteError


class AcceptError(CollecteError):
    """A message could not be stored durably: the sender must retry (SMTP 451)."""

    def __init__(self, sha256: str, cause: str) -> None:
        super().__init__(f"message {sha256[:12]} not stored: {cause}")
        self.sha256 = sha256
        self.cause = cause
