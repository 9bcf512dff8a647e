"""Business errors: invalid or conflicting input about companies and their purchases."""

from __future__ import annotations

from core.errors import CollecteError


class InvalidInputError(CollecteError):
    """A value given by a person is invalid; the reason says which and why."""

    def __init__(self, field: str, value: str, why: str) -> None:
        super().__init__(f"invalid {field} {value!r}: {why}")
        self.field = field
        self.value = value
        self.why = why


class ConflictError(CollecteError):
    """The request conflicts with what is stored (already exists, locked...)."""


class NotFoundError(CollecteError):
    """The thing asked for does not exist."""
