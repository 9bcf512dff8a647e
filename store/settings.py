"""Storage settings (env prefix COLLECTE_): where the data folder and the database are."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class StoreSettings(BaseSettings):
    """Database URL and data folder; the SQLite file lives in the data folder unless a URL is given."""

    model_config = SettingsConfigDict(env_prefix="COLLECTE_", extra="ignore")

    data_dir: Path = Path("var")
    """Folder for the blob store and the default SQLite database (COLLECTE_DATA_DIR)."""
    database_url: str = ""
    """SQLAlchemy URL (COLLECTE_DATABASE_URL); empty means sqlite:///<data_dir>/collecte.db."""

    @property
    def resolved_database_url(self) -> str:
        """The database URL to connect to, defaulting to the SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'collecte.db'}"

    @property
    def blob_dir(self) -> Path:
        """Root of the content-addressed blob store."""
        return self.data_dir / "blobs"
