"""Reading a push request: its length bounded before the body is read, then its form fields and files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from ingest.errors import ApiError
from ingest.http_accept import Upload
from ingest.tokens import Caller
from store.purchase_models import TokenRole

_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class PushLimits:
    """Bounds on one push: files, form fields, their sizes, and so the largest request body."""

    max_files: int
    max_document_size: int
    max_fields: int = 10
    max_field_size: int = 4096
    part_overhead: int = 64 * 1024
    max_reference: int = 200
    max_platform: int = 100

    @property
    def max_body(self) -> int:
        """The largest Content-Length read at all: every file at the size limit, plus multipart overhead."""
        return self.max_files * (self.max_document_size + self.part_overhead)


@dataclass(frozen=True)
class PushFields:
    """The form fields of a push, checked: the platform recorded and the platform's optional hints."""

    platform: str
    external_reference: str | None
    due_date: date | None


def _field(form: FormData, name: str, limit: int) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(
            422, "invalid_field", f"{name} must be a text field, not a file", details={"field": name}
        )
    value = value.strip()
    if len(value) > limit or not _PRINTABLE.match(value):
        reason = f"{name} must be at most {limit} printable characters"
        raise ApiError(422, "invalid_field", reason, details={"field": name})
    return value or None


def _platform(caller: Caller, given: str | None) -> str:
    if given is None:
        reason = "the form field 'platform' (name of the pushing platform) is required"
        raise ApiError(422, "missing_field", reason, details={"field": "platform"})
    if caller.role == TokenRole.FIRM_ADMIN:
        return given
    if given.casefold() != caller.name.casefold():
        reason = f"this token belongs to platform {caller.name!r}, not {given!r}"
        raise ApiError(403, "platform_mismatch", reason, details={"field": "platform"})
    return caller.name


def _due_date(given: str | None) -> date | None:
    if given is None:
        return None
    try:
        if not _ISO_DATE.match(given):
            raise ValueError(given)
        return date.fromisoformat(given)
    except ValueError:
        reason = f"due_date must be a date as YYYY-MM-DD, not {given!r}"
        raise ApiError(422, "invalid_field", reason, details={"field": "due_date"}) from None


def push_fields(form: FormData, caller: Caller, limits: PushLimits) -> PushFields:
    """The checked form fields; ApiError 422 (missing or invalid) or 403 (another platform's name)."""
    return PushFields(
        platform=_platform(caller, _field(form, "platform", limits.max_platform)),
        external_reference=_field(form, "external_reference", limits.max_reference),
        due_date=_due_date(_field(form, "due_date", 10)),
    )


async def read_uploads(form: FormData, limits: PushLimits) -> tuple[Upload, ...]:
    """Every file of the form (any field name), each read up to one byte past the document size limit."""
    files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
    if not files:
        raise ApiError(422, "no_file", "attach at least one file (multipart field 'files')")
    uploads = []
    for file in files:
        data = await file.read(limits.max_document_size + 1)
        declared = file.content_type or "application/octet-stream"
        uploads.append(Upload(file.filename, declared, data, max(file.size or 0, len(data))))
    return tuple(uploads)


def check_length(request: Request, limits: PushLimits) -> None:
    """Refuses, before reading the body, a request without a length or longer than any acceptable push."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(415, "not_multipart", "send the files as multipart/form-data")
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise ApiError(411, "length_required", "send a Content-Length header (chunked bodies are refused)")
    if int(length) > limits.max_body:
        reason = (
            f"the request is {int(length)} bytes, over the {limits.max_body} bytes of "
            f"{limits.max_files} files of {limits.max_document_size} bytes: push fewer or smaller files"
        )
        raise ApiError(413, "request_too_large", reason, details={"max_bytes": limits.max_body})


def form_error(detail: str, limits: PushLimits) -> ApiError:
    if detail.startswith("Too many files"):
        return ApiError(413, "too_many_files", f"push at most {limits.max_files} files per request")
    return ApiError(400, "invalid_form", f"the multipart body could not be read: {detail}")


async def read_form(
    request: Request, caller: Caller, limits: PushLimits
) -> tuple[PushFields, tuple[Upload, ...]]:
    """The checked fields and the files of a multipart push (parsed within limits, temporary files closed)."""
    try:
        form = await request.form(
            max_files=limits.max_files, max_fields=limits.max_fields, max_part_size=limits.max_field_size
        )
    except HTTPException as exc:
        raise form_error(str(exc.detail), limits) from None
    try:
        return push_fields(form, caller, limits), await read_uploads(form, limits)
    finally:
        await form.close()
