"""The broker that wakes workers: in-process (dramatiq StubBroker + worker threads) or Redis."""

from __future__ import annotations

import dramatiq
from dramatiq import Broker, Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from purchases.settings import PipelineSettings


def make_broker(settings: PipelineSettings) -> Broker:
    """Redis when COLLECTE_BROKER_URL names it, else an in-process broker; also set as dramatiq's global."""
    broker: Broker = (
        RedisBroker(url=settings.broker_url)  # type: ignore[no-untyped-call]
        if settings.uses_redis
        else StubBroker()
    )
    dramatiq.set_broker(broker)
    return broker


def start_worker(broker: Broker, threads: int) -> Worker:
    """Worker threads consuming every declared queue of broker."""
    worker = Worker(broker, worker_threads=threads)
    worker.start()
    return worker
