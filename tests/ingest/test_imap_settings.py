"""IMAP poller settings: documented defaults, read from COLLECTE_* variables, each listed in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ingest.imap_settings import ImapSettings

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_defaults() -> None:
    settings = ImapSettings()
    assert (settings.imap_poll_interval, settings.imap_idle_timeout, settings.imap_timeout) == (60, 1500, 60)
    assert (settings.imap_backoff_initial, settings.imap_backoff_max) == (2, 300)


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLECTE_IMAP_POLL_INTERVAL", "15")
    assert ImapSettings().imap_poll_interval == 15
    monkeypatch.setenv("COLLECTE_IMAP_TIMEOUT", "0")
    with pytest.raises(ValidationError):
        ImapSettings()


def test_every_setting_is_documented_in_the_readme() -> None:
    for name in ImapSettings.model_fields:
        assert f"COLLECTE_{name.upper()}" in README, name
