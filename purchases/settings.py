"""Pipeline settings (env prefix COLLECTE_): which broker wakes the workers, and the workers' limits."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class PipelineSettings(BaseSettings):
    """Broker and worker limits for the document pipeline."""

    model_config = SettingsConfigDict(env_prefix="COLLECTE_", extra="ignore")

    broker_url: str = ""
    """Empty: in-process worker in `collecte serve`; `redis://host:port/db`: Redis (COLLECTE_BROKER_URL)."""
    worker_threads: int = 2
    """Threads of the in-process worker, and default threads per `collecte worker` process."""
    max_pages: int = 50
    """Pages read (text or OCR) per document; the rest is ignored with a warning (COLLECTE_MAX_PAGES)."""
    ocr_time_limit: int = 600
    """Seconds one document may spend in OCR before it is failed (COLLECTE_OCR_TIME_LIMIT)."""
    requeue_after: float = 120.0
    """Seconds after which a message still waiting to be unpacked is sent to the workers again, e.g. one
    stored by `collecte imap poll --once` or while Redis was down (COLLECTE_REQUEUE_AFTER)."""
    max_retries: int = 5
    """Retries of a stage after a transient error, with exponential backoff (COLLECTE_MAX_RETRIES)."""

    @property
    def uses_redis(self) -> bool:
        """True when workers are reached through Redis."""
        return self.broker_url.startswith(("redis://", "rediss://", "unix://"))
