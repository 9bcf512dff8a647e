"""imap accounts and the ledger of messages taken from them

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 11:48:26.602394
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imap_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column(
            "security",
            sa.Enum("tls", "starttls", "plain", name="imapsecurity", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("password", sa.Text(), nullable=True),
        sa.Column("password_file", sa.String(length=1024), nullable=True),
        sa.Column("ca_file", sa.String(length=1024), nullable=True),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("processed_folder", sa.String(length=255), nullable=False),
        sa.Column("refused_folder", sa.String(length=255), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("route_headers", sa.JSON(), nullable=False),
        sa.Column("source_platform", sa.String(length=100), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "imap_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "accepted",
                "duplicate",
                "refused",
                "unrouted",
                name="imapoutcome",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("raw_message_id", sa.Integer(), nullable=True),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["imap_accounts.id"]),
        sa.ForeignKeyConstraint(["raw_message_id"], ["raw_messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "folder", "uidvalidity", "uid", name="uq_imap_ledger_message"),
    )
    with op.batch_alter_table("imap_ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imap_ledger_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_imap_ledger_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("imap_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imap_ledger_sha256"))
        batch_op.drop_index(batch_op.f("ix_imap_ledger_account_id"))

    op.drop_table("imap_ledger")
    op.drop_table("imap_accounts")
