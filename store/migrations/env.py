"""Alembic environment: runs migrations on the engine handed over by store.db (or COLLECTE_DATABASE_URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from store.db import make_engine
from store.models import Base
from store.settings import StoreSettings

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    engine = make_engine(StoreSettings().resolved_database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
