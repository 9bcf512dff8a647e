"""Errors of the storage layer: blobs that could not be written or read."""

from __future__ import annotations

from pathlib import Path

from core.errors import CollecteError


class StoreError(CollecteError):
    """A storage operation failed; the caller decides whether to retry."""


class BlobWriteError(StoreError):
    """A blob could not be written durably; nothing was left half-written."""

    def __init__(self, sha256: str, path: Path, cause: str) -> None:
        super().__init__(f"could not store blob {sha256[:12]} at {path}: {cause}")
        self.sha256 = sha256
        self.path = path
        self.cause = cause


class BlobNotFoundError(StoreError):
    """No blob with this sha256 is in the store."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"no blob {sha256}")
        self.sha256 = sha256
