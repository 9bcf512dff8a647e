"""Every setting has its documented default and is read from COLLECTE_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from admin.settings import AdminSettings
from ingest.imap_settings import ImapSettings
from ingest.settings import IngestSettings
from purchases.settings import PipelineSettings
from store.settings import StoreSettings

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_defaults() -> None:
    store, ingest, admin, pipeline = StoreSettings(), IngestSettings(), AdminSettings(), PipelineSettings()
    assert store.resolved_database_url == "sqlite:///var/collecte.db"
    assert store.blob_dir == Path("var/blobs")
    assert (ingest.smtp_host, ingest.smtp_port) == ("127.0.0.1", 2525)
    assert (admin.api_host, admin.api_port) == ("127.0.0.1", 8080)
    assert ingest.mail_domains == ["achats.factures-meg.fr", "factures-meg.fr"]
    assert ingest.max_document_size == 10 * 1024 * 1024
    assert ingest.max_message_size == 25 * 1024 * 1024
    assert ingest.platform_domains == {"welyb.fr": "Welyb"}
    assert pipeline.broker_url == ""
    assert not pipeline.uses_redis


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLECTE_DATABASE_URL", "postgresql+psycopg://u:p@db/collecte")
    monkeypatch.setenv("COLLECTE_MAIL_DOMAINS", '["factures.example"]')
    monkeypatch.setenv("COLLECTE_PLATFORM_DOMAINS", '{"ged.example": "GED"}')
    monkeypatch.setenv("COLLECTE_BROKER_URL", "redis://127.0.0.1:6379/0")
    assert StoreSettings().resolved_database_url == "postgresql+psycopg://u:p@db/collecte"
    assert IngestSettings().mail_domains == ["factures.example"]
    assert IngestSettings().platform_domains == {"ged.example": "GED"}
    assert PipelineSettings().uses_redis


@pytest.mark.parametrize(
    "settings", [StoreSettings, IngestSettings, AdminSettings, PipelineSettings, ImapSettings]
)
def test_every_setting_is_documented_in_the_readme(settings: type[StoreSettings]) -> None:
    for name in settings.model_fields:
        assert f"COLLECTE_{name.upper()}" in README, name
