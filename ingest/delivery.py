"""The typed value a receiving edge hands to acceptance: raw bytes plus envelope and origin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store.models import Channel


@dataclass(frozen=True)
class Delivery:
    """One message as received, before it is stored, with the companies its recipients name."""

    raw: bytes
    mail_from: str
    rcpt_tos: tuple[str, ...]
    company_ids: tuple[int, ...]
    peer: str
    helo: str
    channel: Channel
    source_platform: str
    received_at: datetime
