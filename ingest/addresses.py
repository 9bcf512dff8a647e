"""Collection addresses: which company slug a recipient names, and what platform a sender relays for."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62})$")
EMAIL_PLATFORM = "email"


def recipient_slug(address: str, domains: Iterable[str]) -> str | None:
    """The company slug of `slug[+tag]@domain` (case-insensitive) when domain is ours, else None."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or domain.lower().rstrip(".") not in {d.lower() for d in domains}:
        return None
    slug = local.split("+", 1)[0].lower()
    return slug if _SLUG.match(slug) else None


def collection_addresses(slug: str, domains: Iterable[str]) -> list[str]:
    """Every address that reaches the company, one per mail domain."""
    return [f"{slug}@{domain}" for domain in domains]


def source_platform(sender: str, platform_domains: Mapping[str, str]) -> str:
    """The platform relaying for sender (its domain or a parent domain in the map), else "email"."""
    domain = sender.strip().strip("<>").rpartition("@")[2].lower().rstrip(".")
    labels = domain.split(".")
    lowered = {key.lower(): name for key, name in platform_domains.items()}
    for start in range(len(labels)):
        name = lowered.get(".".join(labels[start:]))
        if name:
            return name
    return EMAIL_PLATFORM
