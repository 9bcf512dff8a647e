"""Worker actors: short, straight runs of pipeline steps taking ids; permanent failures are recorded."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dramatiq
import structlog
from dramatiq import Broker

from core.errors import CollecteError
from purchases.pipeline import Pipeline, ReadOutcome
from purchases.settings import PipelineSettings

log = structlog.get_logger(__name__)
OCR_QUEUE = "ocr"
EXHAUSTED = "collecte_retries_exhausted"


@dataclass(frozen=True)
class Actors:
    """The pipeline's actors, bound to one broker."""

    unpack_message: dramatiq.Actor[..., Any]
    read_document: dramatiq.Actor[..., Any]
    ocr_document: dramatiq.Actor[..., Any]
    book_document: dramatiq.Actor[..., Any]
    """Books the read documents of the document's message (after a read, or a failure, of any of them)."""


def build_actors(broker: Broker, pipeline: Callable[[], Pipeline], settings: PipelineSettings) -> Actors:
    """Declares the actors on broker; `pipeline` gives the Pipeline of the running process."""
    retry = {
        "max_retries": settings.max_retries,
        "min_backoff": 1000,
        "max_backoff": 300_000,
        "on_retry_exhausted": EXHAUSTED,
    }

    def unpack_message(message_id: int) -> None:
        try:
            documents = pipeline().unpack(message_id)
        except CollecteError as exc:
            pipeline().fail_message(message_id, "unpack", exc.reason, traceback.format_exc())
            return
        for document_id in documents:
            actors.read_document.send(document_id)

    def read_document(document_id: int) -> None:
        if _read(pipeline(), document_id, "read", allow_ocr=False) == ReadOutcome.NEEDS_OCR:
            actors.ocr_document.send(document_id)
        else:
            actors.book_document.send(document_id)

    def ocr_document(document_id: int) -> None:
        _read(pipeline(), document_id, "ocr", allow_ocr=True)
        actors.book_document.send(document_id)

    def book_document(document_id: int) -> None:
        pipeline().book(document_id)

    def retries_exhausted(message: dict[str, Any], retry_info: dict[str, Any]) -> None:
        _record_exhausted(pipeline(), message, retry_info)

    def declare(fn: Callable[..., None], queue: str, **options: Any) -> dramatiq.Actor[..., Any]:
        decorator = dramatiq.actor(
            actor_name=f"collecte_{fn.__name__}", queue_name=queue, broker=broker, **options
        )
        return decorator(fn)

    actors = Actors(
        unpack_message=declare(unpack_message, "default", **retry),
        read_document=declare(read_document, "default", **retry),
        ocr_document=declare(ocr_document, OCR_QUEUE, time_limit=settings.ocr_time_limit * 1000, **retry),
        book_document=declare(book_document, "default", **retry),
    )
    declare(retries_exhausted, "default", max_retries=3)
    return actors


def _read(pipeline: Pipeline, document_id: int, stage: str, *, allow_ocr: bool) -> ReadOutcome | None:
    try:
        return pipeline.read(document_id, allow_ocr=allow_ocr)
    except CollecteError as exc:
        pipeline.fail_document(document_id, stage, exc.reason, traceback.format_exc())
        return None


def _record_exhausted(pipeline: Pipeline, message: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """After the last retry of a transient error (or an unexpected one), the failure becomes visible."""
    actor, args = str(message.get("actor_name", "")), list(message.get("args", []))
    trace = str(message.get("options", {}).get("traceback", ""))
    reason = (
        f"gave up after {retry_info.get('retries', '?')} retries: {trace.strip().splitlines()[-1:] or '?'}"
    )
    log.error("pipeline.retries_exhausted", actor=actor, args=args)
    if not args:
        return
    if actor.endswith("unpack_message"):
        pipeline.fail_message(int(args[0]), "unpack", reason, trace)
        return
    stage = actor.removeprefix("collecte_").removesuffix("_document")
    pipeline.fail_document(int(args[0]), stage, reason, trace)
    if stage != "book":  # the failed document no longer holds back its siblings
        pipeline.book(int(args[0]))
