"""Admin settings (env prefix COLLECTE_): where the admin API listens."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class AdminSettings(BaseSettings):
    """Admin API listener (served by `collecte serve` once the admin API exists)."""

    model_config = SettingsConfigDict(env_prefix="COLLECTE_", extra="ignore")

    api_host: str = "127.0.0.1"
    """Address the admin API listens on (COLLECTE_API_HOST)."""
    api_port: int = 8080
    """Admin API port (COLLECTE_API_PORT)."""
