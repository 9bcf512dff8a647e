"""Composition root: builds storage, pipeline, SMTP and the HTTP API from settings; starts and stops them."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import structlog
import uvicorn
from dramatiq import Worker
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from admin.api import ApiContext, create_app
from admin.settings import AdminSettings
from ingest.accept import Acceptance, Acceptor
from ingest.directory import CompanyDirectory
from ingest.imap_poller import ImapPoller
from ingest.imap_settings import ImapSettings
from ingest.settings import IngestSettings
from ingest.smtp import CollecteHandler, SmtpListener, start_smtp_server
from parsers.extract import ReadLimits, read_with_ocr, read_without_ocr
from parsers.gate import GatePolicy
from purchases.broker import make_broker, start_worker
from purchases.failures import Rerun, Stage
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


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handlers: `collecte serve` owns SIGINT and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class ApiListener:
    """The HTTP API served by uvicorn as a task of the running event loop, on a socket bound beforehand."""

    server: uvicorn.Server
    sock: socket.socket
    task: asyncio.Task[None]

    @property
    def port(self) -> int:
        """The port listened on."""
        return int(self.sock.getsockname()[1])

    async def close(self) -> None:
        """Stops accepting connections, lets requests in progress finish (10 s at most), then returns."""
        self.server.should_exit = True
        await self.task


async def start_api_server(app: FastAPI, host: str, port: int) -> ApiListener:
    """Serves app on host:port (0 = a free port); OSError, as for SMTP, when the address cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=1024)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=10,
    )
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="http-api")
    while not server.started:
        if task.done():
            sock.close()
            task.result()
            raise RuntimeError("the HTTP API stopped while starting")
        await asyncio.sleep(0.01)
    return ApiListener(server, sock, task)


@dataclass
class Runtime:
    """Everything `collecte serve` runs, started and stopped inside one event loop."""

    store: StoreSettings = field(default_factory=StoreSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    pipeline_settings: PipelineSettings = field(default_factory=PipelineSettings)
    imap_settings: ImapSettings = field(default_factory=ImapSettings)
    admin: AdminSettings = field(default_factory=AdminSettings)
    storage: Storage | None = None
    pipeline: Pipeline | None = None
    actors: Actors | None = None
    worker: Worker | None = None
    smtp: SmtpListener | None = None
    imap: ImapPoller | None = None
    api: ApiListener | None = None
    executor: ThreadPoolExecutor | None = None
    sweeper: asyncio.Task[None] | None = None

    @property
    def smtp_port(self) -> int:
        """The port the SMTP server actually listens on."""
        assert self.smtp is not None
        return self.smtp.port

    @property
    def api_port(self) -> int:
        """The port the HTTP API actually listens on."""
        assert self.api is not None
        return self.api.port

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

    def rerun(self, rerun: Rerun) -> None:
        """Sends a retried stage to the workers: unpack a message, read (then OCR) or book a document."""
        assert self.actors is not None
        actors = {
            Stage.UNPACK: self.actors.unpack_message,
            Stage.READ: self.actors.read_document,
            Stage.BOOK: self.actors.book_document,
        }
        actors[rerun.stage].send(rerun.target_id)

    async def start(self) -> None:
        """Opens storage, starts the workers (in-process unless Redis), SMTP, IMAP and the HTTP API."""
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
        await self._start_api()
        self.sweeper = asyncio.create_task(self._sweep(), name="requeue-sweep")

    async def _start_api(self) -> None:
        assert self.storage is not None
        context = ApiContext(
            engine=self.storage.engine,
            blobs=self.storage.blobs,
            ingest=self.ingest,
            admin=self.admin,
            executor=self.executor,
            on_accepted=self.hand_off,
            rerun=self.rerun,
        )
        self.api = await start_api_server(create_app(context), self.admin.api_host, self.admin.api_port)
        log.info("api.listening", host=self.admin.api_host, port=self.api_port)

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
        if self.api is not None:
            await self.api.close()
        if self.executor is not None:
            await loop.run_in_executor(None, self.executor.shutdown, True)
        if self.worker is not None:
            await loop.run_in_executor(None, self.worker.stop)
        if self.storage is not None:
            self.storage.engine.dispose()
