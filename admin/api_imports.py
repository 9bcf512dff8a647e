"""Admin API, import log and supervision: messages and documents, downloads, retries, the firm's overview.

Lists go newest first, `limit` at a time: pass the `next_cursor` of a page as `cursor` to get the next one
(null on the last page). A cursor is an id and a page holds only lower ids, so what arrives meanwhile never
shifts a later page: paging neither repeats nor skips a line. Periods (`received_from`, `received_to`) are
inclusive days in France. A stored message is listed under `/messages`; an arrival that was refused stores
nothing and shows, with the reason sent back, among the lines of `/import-log` (kind `refused`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict

from admin.api_access import ReadSession, State, company_for, writing
from admin.api_downloads import router as downloads_router
from admin.api_supervision import router as supervision_router
from admin.api_workers import Workers
from ingest.http_auth import CompanyRef
from ingest.http_push import ErrorBody
from purchases.access import Permission
from purchases.document_status import PublicStatus
from purchases.errors import InvalidInputError
from purchases.failures import ErrorPage, Retried, Stage, error_page, retry_document, retry_message
from purchases.import_log import Arrivals, LogPage, log_page
from purchases.message_log import (
    DocumentLine,
    MessageFilters,
    MessagePage,
    MessageState,
    MessageView,
    message_view,
)
from purchases.message_log import message_page as find_messages
from store.models import Channel, Document, ImportEventKind

_ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (401, 403, 404, 422)}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "There is nothing to retry: the reason says where it stands."}
}
router = APIRouter(prefix="/api/v1", tags=["imports"], responses=_ERRORS)
Viewed = Annotated[CompanyRef, Depends(company_for(Permission.VIEW))]
Edited = Annotated[CompanyRef, Depends(company_for(Permission.EDIT))]
MAX_ID = 2**63 - 1
MessageId = Annotated[int, Path(ge=1, le=MAX_ID, description="The stored message's id.")]
DocumentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The document's id.")]
ReceivedFrom = Annotated[date | None, Query(description="Received on or after this day (in France).")]
ReceivedTo = Annotated[date | None, Query(description="Received on or before this day (in France).")]
Platform = Annotated[
    str | None,
    Query(
        min_length=1, max_length=100, description='From this source platform ("email", "Welyb"...), any case.'
    ),
]
ChannelFilter = Annotated[Channel | None, Query(description="Arrived by this channel.")]
Sender = Annotated[
    str | None, Query(min_length=1, max_length=320, description="Sender containing this text, any case.")
]
Limit = Annotated[int, Query(ge=1, le=200, description="Lines per page.")]
Cursor = Annotated[int | None, Query(ge=1, le=MAX_ID, description="The `next_cursor` of the previous page.")]


class DocumentRetry(BaseModel):
    """A document sent back to a stage: which, whether this call sent it, and the document now."""

    model_config = ConfigDict(frozen=True)

    stage: Stage
    sent: bool
    """False when an earlier retry of the document is still under way: nothing was sent again."""
    document: DocumentLine


class MessageRetry(BaseModel):
    """A message sent back to unpacking: whether this call sent it, and the message now."""

    model_config = ConfigDict(frozen=True)

    stage: Stage
    sent: bool
    """False when an earlier retry of the message is still under way: nothing was sent again."""
    message: MessageView


def _arrivals(received_from: date | None, received_to: date | None) -> None:
    if received_from is not None and received_to is not None and received_from > received_to:
        raise InvalidInputError(
            "received_from", received_from.isoformat(), f"comes after received_to {received_to.isoformat()}"
        )


@router.get("/companies/{company}/messages")
def list_messages(
    *,
    company: Viewed,
    session: ReadSession,
    received_from: ReceivedFrom = None,
    received_to: ReceivedTo = None,
    status: Annotated[MessageState | None, Query(description="Only messages standing there.")] = None,
    document_status: Annotated[
        PublicStatus | None, Query(description="Only messages with a document in this status.")
    ] = None,
    platform: Platform = None,
    channel: ChannelFilter = None,
    sender: Sender = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> MessagePage:
    """The company's stored messages, newest first, each with where it stands (accepted, processing, done,
    failed and why) and its documents in words (processing, purchase_created with the purchase, duplicate
    of a purchase, twin, failed with the stage and reason). Refused arrivals are in `/import-log`."""
    _arrivals(received_from, received_to)
    filters = MessageFilters(
        received_from, received_to, platform, channel, sender, status=status, document_status=document_status
    )
    return find_messages(session, company.id, filters, before=cursor, limit=limit)


@router.get("/companies/{company}/messages/{message}")
def show_message(company: Viewed, message: MessageId, session: ReadSession) -> MessageView:
    """One stored message with its documents."""
    return message_view(session, company.id, message)


@router.get("/companies/{company}/import-log")
def import_log(
    *,
    company: Viewed,
    session: ReadSession,
    received_from: ReceivedFrom = None,
    received_to: ReceivedTo = None,
    kind: Annotated[
        list[ImportEventKind] | None,
        Query(description="Only lines of these kinds (repeat the parameter), e.g. `accepted` and `refused`."),
    ] = None,
    platform: Platform = None,
    channel: ChannelFilter = None,
    sender: Sender = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> LogPage:
    """The company's import log, newest first: every arrival accepted, refused (with the reason sent back)
    or found a duplicate, every file refused or skipped, every document read, failed, booked or retried."""
    _arrivals(received_from, received_to)
    arrivals = Arrivals(received_from, received_to, platform, channel, sender)
    return log_page(session, company.id, arrivals, kind or (), before=cursor, limit=limit)


@router.get("/companies/{company}/errors")
def list_errors(
    *,
    company: Viewed,
    session: ReadSession,
    stage: Annotated[
        str | None, Query(max_length=40, description="Failed at this stage: read, ocr, book.")
    ] = None,
    received_from: ReceivedFrom = None,
    received_to: ReceivedTo = None,
    platform: Platform = None,
    channel: ChannelFilter = None,
    sender: Sender = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ErrorPage:
    """The company's documents in error, newest first: the stage that failed, the reason in words, when,
    and the message each came in. `POST /companies/{company}/documents/{document}/retry` runs it again;
    messages that could not be unpacked are listed by `/messages?status=failed`."""
    _arrivals(received_from, received_to)
    arrivals = Arrivals(received_from, received_to, platform, channel, sender)
    return error_page(session, company.id, arrivals, stage, before=cursor, limit=limit)


def _sent(workers: Workers, retried: Retried) -> bool:
    if retried.rerun is not None:
        workers.send(retried.rerun)
    return retried.rerun is not None


@router.post("/companies/{company}/documents/{document}/retry", status_code=202, responses=_CONFLICT)
def retry_failed_document(
    company: Edited, document: DocumentId, state: State, workers: Workers
) -> DocumentRetry:
    """Runs a failed document's failed stage again (read, then OCR if needed; or booking), keeping the
    failure in the import log (a `retried` line). Asking again while that retry is under way answers the
    same without sending it again; a document that is not failed answers 409 saying where it stands."""
    with writing(state) as session:
        retried = retry_document(session, company.id, document)
        session.flush()
        line = DocumentLine.of(session.get_one(Document, document))
    return DocumentRetry(stage=retried.stage, sent=_sent(workers, retried), document=line)


@router.post("/companies/{company}/messages/{message}/retry", status_code=202, responses=_CONFLICT)
def retry_failed_message(company: Edited, message: MessageId, state: State, workers: Workers) -> MessageRetry:
    """Unpacks again a message that could not be unpacked, keeping the failure in the import log. Asking
    again while that retry is under way answers the same; any other message answers 409 (retry its failed
    documents instead)."""
    with writing(state) as session:
        retried = retry_message(session, company.id, message)
        session.flush()
        view = message_view(session, company.id, message)
    return MessageRetry(stage=retried.stage, sent=_sent(workers, retried), message=view)


router.include_router(downloads_router)
router.include_router(supervision_router)
