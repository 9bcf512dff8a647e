"""Admin API, downloads: a stored message's raw bytes (.eml) and a document's file, to those who may view.

The download name is never a path: a raw message is named from its id, a document by `safe_name` (its
received name cut to its last component and cleaned, with the detected type's extension), sent in a
`Content-Disposition: attachment` header with an ASCII `filename` and an RFC 6266 / RFC 5987 `filename*`.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Response

from admin.api_access import Consulted, ReadSession, company_for
from admin.api_workers import Workers
from ingest.http_auth import CompanyRef
from purchases.access import Permission
from purchases.downloads import CONTENT_TYPES, StoredFile, document_file, message_file, read_file

router = APIRouter(tags=["imports"])
Viewed = Annotated[CompanyRef, Depends(company_for(Permission.VIEW))]
MAX_ID = 2**63 - 1
MessageId = Annotated[int, Path(ge=1, le=MAX_ID, description="The stored message's id.")]
DocumentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The document's id.")]


def _binary(media_types: tuple[str, ...], what: str) -> dict[int | str, dict[str, Any]]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": what, "content": dict.fromkeys(media_types, binary)}}


def content_disposition(name: str) -> str:
    """`attachment` with name as an ASCII fallback and, in full, as an RFC 5987 `filename*` (UTF-8)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in plain) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _download(workers: Workers, stored: StoredFile) -> Response:
    headers = {
        "Content-Disposition": content_disposition(stored.name),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return Response(read_file(workers.blobs, stored), media_type=stored.content_type, headers=headers)


@router.get(
    "/companies/{company}/messages/{message}/raw",
    response_class=Response,
    responses=_binary(("message/rfc822",), "The message exactly as received (or as a push was recorded)."),
)
def download_message(company: Viewed, message: MessageId, session: ReadSession, workers: Workers) -> Response:
    """The raw message (.eml) exactly as it was stored, named `message-<id>.eml`."""
    return _download(workers, message_file(session, company.id, message))


@router.get(
    "/companies/{company}/documents/{document}/file",
    response_class=Response,
    responses=_binary(CONTENT_TYPES, "The document's bytes, with the type detected from them."),
)
def download_document(
    reached: Consulted, document: DocumentId, session: ReadSession, workers: Workers
) -> Response:
    """A document's file with the content type detected from its bytes (application/pdf, image/jpeg...,
    application/octet-stream when unknown) under a cleaned name: never a path. Accounting software reaches
    only the documents behind validated entries (those its pull links to)."""
    validated_only = reached.permission is not Permission.VIEW
    stored = document_file(session, reached.company.id, document, validated_only=validated_only)
    return _download(workers, stored)
