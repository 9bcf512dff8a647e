"""Composition root: builds storage and the SMTP front end from settings, starts and stops them."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import structlog
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ingest.accept import Acceptance, Acceptor
from ingest.directory import CompanyDirectory
from ingest.settings import IngestSettings
from ingest.smtp import CollecteHandler, SmtpListener, start_smtp_server
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


def hand_off(acceptance: Acceptance) -> None:
    """Where accepted messages go next; the document pipeline (worker actors) takes them from here."""
    log.debug("pipeline.pending", messages=acceptance.stored)


@dataclass
class Runtime:
    """Everything `collecte serve` runs, started and stopped inside one event loop."""

    store: StoreSettings = field(default_factory=StoreSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    storage: Storage | None = None
    smtp: SmtpListener | None = None
    executor: ThreadPoolExecutor | None = None

    @property
    def smtp_port(self) -> int:
        """The port the SMTP server actually listens on."""
        assert self.smtp is not None
        return self.smtp.port

    async def start(self) -> None:
        """Opens storage and starts listening for SMTP."""
        loop = asyncio.get_running_loop()
        self.storage = await loop.run_in_executor(None, Storage.open, self.store)
        self.executor = ThreadPoolExecutor(self.ingest.smtp_threads, thread_name_prefix="smtp")
        handler = CollecteHandler(
            self.ingest,
            CompanyDirectory(self.storage.sessions),
            Acceptor(self.storage.engine, self.storage.blobs),
            self.executor,
            on_accepted=hand_off,
        )
        self.smtp = await start_smtp_server(self.ingest, handler)
        log.info("smtp.listening", host=self.ingest.smtp_host, port=self.smtp_port)

    async def stop(self) -> None:
        """Stops listening, lets work in progress finish, closes storage."""
        if self.smtp is not None:
            await self.smtp.close()
        if self.executor is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.executor.shutdown, True)
        if self.storage is not None:
            self.storage.engine.dispose()
