"""Content-addressed blob store: durable, idempotent, and nothing half-written on failure."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from store.blobs import BlobStore
from store.errors import BlobNotFoundError, BlobWriteError


def test_put_get_and_layout(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    data = b"%PDF-1.4 hello"
    ref = blobs.put(data)
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    assert ref.created
    assert ref.size == len(data)
    path = blobs.path_for(ref.sha256)
    assert path == tmp_path / "blobs" / ref.sha256[:2] / ref.sha256[2:4] / ref.sha256
    assert path.read_bytes() == data
    assert blobs.get(ref.sha256) == data
    assert blobs.exists(ref.sha256)
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


def test_second_put_writes_nothing(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    first = blobs.put(b"same")
    mtime = blobs.path_for(first.sha256).stat().st_mtime_ns
    second = blobs.put(b"same")
    assert not second.created
    assert blobs.path_for(first.sha256).stat().st_mtime_ns == mtime


def test_truncated_blob_is_rewritten(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    ref = blobs.put(b"complete content")
    blobs.path_for(ref.sha256).write_bytes(b"compl")
    assert blobs.put(b"complete content").created
    assert blobs.get(ref.sha256) == b"complete content"


def test_missing_blob(tmp_path: Path) -> None:
    with pytest.raises(BlobNotFoundError):
        BlobStore(tmp_path).get("0" * 64)


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    sha = hashlib.sha256(b"data").hexdigest()
    (tmp_path / sha[:2]).mkdir()
    (tmp_path / sha[:2] / sha[2:4]).write_bytes(b"a file where a folder should be")
    with pytest.raises(BlobWriteError) as caught:
        blobs.put(b"data")
    assert caught.value.sha256 == sha
    assert "File exists" in caught.value.reason
    assert list((tmp_path / "tmp").iterdir()) == []
