"""Admin API, accounting exports: journals, preview, period validation, FEC and CSV, the entries pull."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ingest.http_push import ErrorBody

_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (401, 403, 404, 422)}
router = APIRouter(prefix="/api/v1", tags=["exports"], responses=_ERRORS)
