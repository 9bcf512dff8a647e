"""Pipeline settings (env prefix COLLECTE_): which broker wakes the workers."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class PipelineSettings(BaseSettings):
    """Broker for the document pipeline."""

    model_config = SettingsConfigDict(env_prefix="COLLECTE_", extra="ignore")

    broker_url: str = ""
    """Empty: in-process worker in `collecte serve`; `redis://host:port/db`: Redis (COLLECTE_BROKER_URL)."""

    @property
    def uses_redis(self) -> bool:
        """True when workers are reached through Redis."""
        return self.broker_url.startswith(("redis://", "rediss://", "unix://"))
