"""What every `collecte` command shares: one-line errors (`Error: ...`, exit 1) and database sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from admin.runtime import Storage
from core.errors import CollecteError
from store.db import write_gate
from store.settings import StoreSettings

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(command: F) -> F:
    """Turns expected errors into one 'Error: ...' line on stderr and exit status 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CollecteError as exc:
            raise click.ClickException(exc.reason) from None
        except SQLAlchemyError as exc:
            raise click.ClickException(f"database error: {exc.__class__.__name__}: {exc}") from None
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened() -> Iterator[Storage]:
    """The configured database and blob store, closed afterwards."""
    storage = Storage.open(StoreSettings())
    try:
        yield storage
    finally:
        storage.engine.dispose()


@contextmanager
def reading() -> Iterator[Session]:
    """A read-only session on the configured database."""
    with opened() as storage, storage.sessions() as session:
        yield session


@contextmanager
def writing() -> Iterator[Session]:
    """A write transaction on the configured database (committed unless an error escapes)."""
    with opened() as storage, write_gate(storage.engine), storage.sessions.begin() as session:
        yield session
