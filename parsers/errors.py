"""Errors of the pure parsers: inputs that cannot be read, with what was wrong."""

from __future__ import annotations

from core.errors import CollecteError


class ParseError(CollecteError):
    """An input could not be parsed; the reason says what was wrong with it."""


class MimeLimitError(ParseError):
    """A message nests too deep or has too many parts to be walked safely."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"message has {what} (limit {limit})")
        self.what = what
        self.limit = limit
