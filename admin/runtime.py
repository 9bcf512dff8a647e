"""Composition root: builds storage, pipeline and SMTP front end from settings; starts and stops them."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import structlog
from dramatiq import Worker
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ingest.accept import Acceptance, Acceptor
from ingest.directory import CompanyDirectory
from ingest.imap_poller import ImapPoller
from ingest.imap_settings import ImapSettings
from ingest.settings import IngestSettings
from ingest.smtp import CollecteHandler, SmtpListener, start_smtp_server
from parsers.extract import ReadLimits, read_with_ocr, read_without_ocr
from parsers.gate import GatePolicy
from purchases.broker import make_broker, start_worker
from purchases.pipeline import Pipeline, Readers
from purchases.settings import PipelineSettings
from purchases.tasks import Actors, build_actors
from store.blobs import BlobStore
from store.db import make_engine, make_sessionmaker, migrate
from store.settings import StoreSettings

log = structlog.get_logger(__name__)


@dataclass
class Storage:
    """The opened database and blob store."""

    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore

    @classmethod
    def open(cls, settings: StoreSettings, *, upgrade: bool = True) -> Storage:
        """Connects to the database (bringing its schema up to date) and opens the blob store."""
        engine = make_engine(settings.resolved_database_url)
        if upgrade:
            migrate(engine)
        return cls(engine, make_sessionmaker(engine), BlobStore(settings.blob_dir))


def build_pipeline(storage: Storage, ingest: IngestSettings, settings: PipelineSettings) -> Pipeline:
    """The pipeline steps with the reading stages of parsers and the limits of settings."""
    limits = ReadLimits(max_pages=settings.max_pages)
    readers = Readers(
        fast=partial(read_without_ocr, limits=limits), ocr=partial(read_with_ocr, limits=limits)
    )
    policy = GatePolicy(max_document_size=ingest.max_document_size)
    return Pipeline(storage.engine, storage.blobs, policy, readers)


def requeue_unfinished(pipeline: Pipeline, actors: Actors) -> int:
    """Sends again every message accepted but not unpacked and every document not read; returns the count."""
    messages, documents = pipeline.unfinished()
    for message_id in messages:
        actors.unpack_message.send(message_id)
    for document_id in documents:
        actors.read_document.send(document_id)
    return len(messages) + len(documents)


@dataclass
class Runtime:
    """Everything `collecte serve` runs, started and stopped inside one event loop."""

    store: StoreSettings = field(default_factory=StoreSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    pipeline_settings: PipelineSettings = field(default_factory=PipelineSettings)
    imap_settings: ImapSettings = field(default_factory=ImapSettings)
    storage: Storage | None = None
    pipeline: Pipeline | None = None
    actors: Actors | None = None
    worker: Worker | None = None
    smtp: SmtpListener | None = None
    imap: ImapPoller | None = None
    executor: ThreadPoolExecutor | None = None
    sweeper: asyncio.Task[None] | None = None

    @property
    def smtp_port(self) -> int:
        """The port the SMTP server actually listens on."""
        assert self.smtp is not None
        return self.smtp.port

    def _start_pipeline(self) -> None:
        assert self.storage is not None
        pipeline = build_pipeline(self.storage, self.ingest, self.pipeline_settings)
        broker = make_broker(self.pipeline_settings)
        self.pipeline, self.actors = pipeline, build_actors(broker, lambda: pipeline, self.pipeline_settings)
        if not self.pipeline_settings.uses_redis:
            self.worker = start_worker(broker, self.pipeline_settings.worker_threads)
        log.info("pipeline.requeued", count=requeue_unfinished(pipeline, self.actors))

    def hand_off(self, acceptance: Acceptance) -> None:
        """Wakes the workers for newly stored messages (blocking: runs off the event loop)."""
        assert self.actors is not None
        for message_id in acceptance.stored:
            self.actors.unpack_message.send(message_id)

    async def start(self) -> None:
        """Opens storage, starts the pipeline's workers (in-process unless Redis) and SMTP."""
        loop = asyncio.get_running_loop()
        self.storage = await loop.run_in_executor(None, Storage.open, self.store)
        await loop.run_in_executor(None, self._start_pipeline)
        self.executor = ThreadPoolExecutor(self.ingest.smtp_threads, thread_name_prefix="ingest")
        acceptor = Acceptor(self.storage.engine, self.storage.blobs)
        directory = CompanyDirectory(self.storage.sessions)
        handler = CollecteHandler(self.ingest, directory, acceptor, self.executor, on_accepted=self.hand_off)
        self.smtp = await start_smtp_server(self.ingest, handler)
        log.info("smtp.listening", host=self.ingest.smtp_host, port=self.smtp_port)
        self.imap = ImapPoller(
            self.imap_settings,
            self.ingest,
            engine=self.storage.engine,
            acceptor=acceptor,
            directory=directory,
            executor=self.executor,
            on_accepted=self.hand_off,
        )
        await self.imap.start()
        self.sweeper = asyncio.create_task(self._sweep(), name="requeue-sweep")

    async def _sweep(self) -> None:
        """Sends again, now and then, messages that waited too long to be unpacked."""
        after = timedelta(seconds=self.pipeline_settings.requeue_after)
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(max(after.total_seconds() / 2, 0.5), 60))
            try:
                await loop.run_in_executor(self.executor, self._send_waiting, after)
            except Exception:
                log.exception("pipeline.sweep_failed")

    def _send_waiting(self, after: timedelta) -> None:
        assert self.pipeline is not None and self.actors is not None
        for message_id in self.pipeline.waiting_messages(after):
            log.info("pipeline.requeued_waiting", message=message_id)
            self.actors.unpack_message.send(message_id)

    async def stop(self) -> None:
        """Stops listening, lets work in progress finish, stops the workers, closes storage."""
        loop = asyncio.get_running_loop()
        if self.sweeper is not None:
            self.sweeper.cancel()
        if self.imap is not None:
            await self.imap.stop()
        if self.smtp is not None:
            await self.smtp.close()
        if self.executor is not None:
            await loop.run_in_executor(None, self.executor.shutdown, True)
        if self.worker is not None:
            await loop.run_in_executor(None, self.worker.stop)
        if self.storage is not None:
            self.storage.engine.dispose()
