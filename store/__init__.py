"""Persistence: SQLAlchemy models, database sessions, migrations and the content-addressed blob store."""
