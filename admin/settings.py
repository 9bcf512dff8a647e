"""Admin settings (env prefix COLLECTE_): where the HTTP API listens and how much one push may carry."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AdminSettings(BaseSettings):
    """HTTP API listener (served by `collecte serve` beside SMTP) and its request bounds."""

    model_config = SettingsConfigDict(env_prefix="COLLECTE_", extra="ignore")

    api_host: str = "127.0.0.1"
    """Address the HTTP API listens on (COLLECTE_API_HOST)."""
    api_port: int = 8080
    """HTTP API port (COLLECTE_API_PORT); 0 picks a free port."""
    http_max_files: int = Field(default=20, ge=1, le=1000)
    """Files per push request (COLLECTE_HTTP_MAX_FILES); the request body is bounded accordingly."""
