"""Content-addressed blob store: blobs named by sha256, written durably (temp, fsync, rename, fsync dir)."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from store.errors import BlobNotFoundError, BlobWriteError


@dataclass(frozen=True)
class BlobRef:
    """A stored blob: its sha256, its size, and whether this call wrote it (False: it was already there)."""

    sha256: str
    size: int
    created: bool


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """Blobs under root/ab/cd/<sha256>; a blob is visible only once complete and on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"

    def path_for(self, sha256: str) -> Path:
        """Where the blob with this sha256 lives (whether or not it exists)."""
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        """True when the blob is stored."""
        return self.path_for(sha256).is_file()

    def get(self, sha256: str) -> bytes:
        """The blob's bytes; BlobNotFoundError when absent."""
        try:
            return self.path_for(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobNotFoundError(sha256) from None

    def put(self, data: bytes) -> BlobRef:
        """Stores data durably and returns its reference; raises BlobWriteError leaving no partial file."""
        sha256 = hashlib.sha256(data).hexdigest()
        final = self.path_for(sha256)
        if final.is_file() and final.stat().st_size == len(data):
            return BlobRef(sha256, len(data), created=False)
        try:
            self._write(final, data)
        except OSError as exc:
            raise BlobWriteError(sha256, final, exc.strerror or str(exc)) from exc
        return BlobRef(sha256, len(data), created=True)

    def _write(self, final: Path, data: bytes) -> None:
        self._ensure_dir(self._tmp)
        self._ensure_dir(final.parent)
        tmp = self._tmp / f"{final.name}.{uuid.uuid4().hex}.part"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            try:
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            finally:
                os.close(fd)
            tmp.replace(final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(final.parent)

    def _ensure_dir(self, path: Path) -> None:
        """Creates path and its parents, fsyncing each parent whose entry list changed."""
        if path.is_dir():
            return
        missing: list[Path] = []
        cursor = path
        while not cursor.is_dir():
            missing.append(cursor)
            cursor = cursor.parent
        for folder in reversed(missing):
            folder.mkdir(exist_ok=True)
            _fsync_dir(folder.parent)
