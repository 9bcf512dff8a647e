"""companies, raw messages, import log

Revision ID: 0001
Revises:
Create Date: 2026-11-22 10:58:38.526978
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("siret"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "raw_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("envelope_from", sa.String(length=320), nullable=False),
        sa.Column("envelope_to", sa.JSON(), nullable=False),
        sa.Column("peer", sa.String(length=100), nullable=False),
        sa.Column("helo", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("subject", sa.String(length=998), nullable=True),
        sa.Column("received_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("smtp", "imap", "http", name="channel", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("source_platform", sa.String(length=100), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "accepted",
                "processing",
                "processed",
                "failed",
                name="messagestatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "sha256", name="uq_raw_messages_company_sha256"),
    )
    with op.batch_alter_table("raw_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_raw_messages_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_raw_messages_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_raw_messages_sha256"), ["sha256"], unique=False)

    op.create_table(
        "import_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("raw_message_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "accepted",
                "duplicate",
                "refused",
                "part_refused",
                "part_skipped",
                name="importeventkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum("smtp", "imap", "http", name="channel", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("source_platform", sa.String(length=100), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("peer", sa.String(length=100), nullable=True),
        sa.Column("reason_code", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("detected_type", sa.String(length=255), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["raw_message_id"],
            ["raw_messages.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_events_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_events_raw_message_id"), ["raw_message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_events_raw_message_id"))
        batch_op.drop_index(batch_op.f("ix_import_events_company_id"))
        batch_op.drop_index(batch_op.f("ix_import_events_at"))

    op.drop_table("import_events")
    with op.batch_alter_table("raw_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_messages_sha256"))
        batch_op.drop_index(batch_op.f("ix_raw_messages_received_at"))
        batch_op.drop_index(batch_op.f("ix_raw_messages_company_id"))

    op.drop_table("raw_messages")
    op.drop_table("companies")
