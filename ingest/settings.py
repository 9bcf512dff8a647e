"""Ingest settings (env prefix COLLECTE_): SMTP listener, mail domains, size limits, platform relays."""

from __future__ import annotations

import socket

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class IngestSettings(BaseSettings):
    """What the edges accept and how they listen."""

    model_config = SettingsConfigDict(env_prefix="COLLECTE_", extra="ignore")

    smtp_host: str = "127.0.0.1"
    """Address the SMTP server listens on (COLLECTE_SMTP_HOST)."""
    smtp_port: int = 2525
    """SMTP port (COLLECTE_SMTP_PORT); 0 picks a free port."""
    smtp_hostname: str = Field(default_factory=socket.gethostname)
    """Name in the SMTP banner and EHLO reply (COLLECTE_SMTP_HOSTNAME)."""
    mail_domains: list[str] = ["achats.factures-meg.fr", "factures-meg.fr"]
    """Domains of the collection addresses, newest first (COLLECTE_MAIL_DOMAINS, JSON list)."""
    max_document_size: int = 10 * MIB
    """Largest document accepted, decoded (COLLECTE_MAX_DOCUMENT_SIZE, bytes)."""
    max_message_size: int = 25 * MIB
    """Largest message, as advertised with SIZE (COLLECTE_MAX_MESSAGE_SIZE, bytes)."""
    max_recipients: int = 20
    """Recipients per message (COLLECTE_MAX_RECIPIENTS)."""
    smtp_timeout: float = 300.0
    """Seconds an idle SMTP connection is kept (COLLECTE_SMTP_TIMEOUT)."""
    smtp_threads: int = 8
    """Threads for the blocking work of SMTP (gate, fsync, database) (COLLECTE_SMTP_THREADS)."""
    platform_domains: dict[str, str] = {"welyb.fr": "Welyb"}
    """Sender domain -> source platform name for relays such as GEDs (COLLECTE_PLATFORM_DOMAINS, JSON)."""
