"""IMAP poller settings (env prefix COLLECTE_): poll interval, IDLE renewal, timeouts, reconnect backoff."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ImapSettings(BaseSettings):
    """How often and how patiently collecte polls the IMAP collection mailboxes."""

    model_config = SettingsConfigDict(env_prefix="COLLECTE_", extra="ignore")

    imap_poll_interval: float = Field(default=60.0, gt=0)
    """Seconds between two polls of a mailbox whose server has no IDLE; also how often `serve` re-reads the
    account list (COLLECTE_IMAP_POLL_INTERVAL)."""
    imap_idle_timeout: float = Field(default=1500.0, gt=0)
    """Seconds one IDLE command lasts before it is renewed; servers may drop it after 30 minutes
    (COLLECTE_IMAP_IDLE_TIMEOUT)."""
    imap_timeout: float = Field(default=60.0, gt=0)
    """Seconds to wait for the IMAP server to connect or answer a command (COLLECTE_IMAP_TIMEOUT)."""
    imap_backoff_initial: float = Field(default=2.0, gt=0)
    """Seconds before the first reconnection after a failure; doubled after each failure in a row
    (COLLECTE_IMAP_BACKOFF_INITIAL)."""
    imap_backoff_max: float = Field(default=300.0, gt=0)
    """Longest wait between two reconnections (COLLECTE_IMAP_BACKOFF_MAX)."""
