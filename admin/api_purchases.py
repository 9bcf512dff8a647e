"""Admin API, purchases and payments: list, view and edit purchases, settle and list payments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ingest.http_push import ErrorBody

_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (401, 403, 404, 422)}
router = APIRouter(prefix="/api/v1", tags=["purchases"], responses=_ERRORS)
