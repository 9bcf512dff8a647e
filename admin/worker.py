"""`collecte worker`: processes that take pipeline work from Redis, on any host that reaches the database."""

from __future__ import annotations

import multiprocessing
import signal
import threading

import structlog

from admin.logs import configure_logging
from admin.runtime import Storage, build_pipeline
from core.errors import CollecteError
from ingest.settings import IngestSettings
from purchases.broker import make_broker, start_worker
from purchases.settings import PipelineSettings
from purchases.tasks import build_actors
from store.settings import StoreSettings

log = structlog.get_logger(__name__)


class WorkerConfigError(CollecteError):
    """Worker processes cannot run with this configuration."""


def serve_one(threads: int) -> None:
    """One worker process: consumes every queue with `threads` threads until SIGTERM or SIGINT."""
    configure_logging(json=True)
    settings = PipelineSettings()
    storage = Storage.open(StoreSettings())
    pipeline = build_pipeline(storage, IngestSettings(), settings)
    broker = make_broker(settings)
    build_actors(broker, lambda: pipeline, settings)
    worker = start_worker(broker, threads)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log.info("worker.started", threads=threads)
    stop.wait()
    worker.stop()
    storage.engine.dispose()


def run_workers(processes: int, threads: int) -> int:
    """Starts `processes` worker processes and waits for them; SIGTERM/SIGINT stops them all."""
    if not PipelineSettings().uses_redis:
        raise WorkerConfigError(
            "collecte worker needs COLLECTE_BROKER_URL=redis://...; "
            "without it `collecte serve` runs the worker itself"
        )
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=serve_one, args=(threads,), name=f"worker-{i}") for i in range(processes)
    ]
    for child in children:
        child.start()

    def stop_all(_signum: int, _frame: object) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    for child in children:
        child.join()
    return max((child.exitcode or 0) for child in children)
