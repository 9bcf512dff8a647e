"""Admin API, dashboards: a company's month in numbers (JSON) and its page with charts (HTML)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ingest.http_push import ErrorBody

_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (401, 403, 404, 422)}
router = APIRouter(prefix="/api/v1", tags=["dashboards"], responses=_ERRORS)
