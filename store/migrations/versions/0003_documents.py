"""documents of raw messages, pipeline failures

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("raw_message_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("declared_type", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "read", "failed", name="documentstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("method", sa.String(length=24), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("failed_stage", sa.String(length=40), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("failure_traceback", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("twin_of_id", sa.Integer(), nullable=True),
        sa.Column("created_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.ForeignKeyConstraint(["raw_message_id"], ["raw_messages.id"]),
        sa.ForeignKeyConstraint(["twin_of_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("raw_message_id", "position", name="uq_documents_message_position"),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_raw_message_id"), ["raw_message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_status"), ["status"], unique=False)
    with op.batch_alter_table("raw_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("failure_traceback", sa.Text(), nullable=True))
    with op.batch_alter_table("import_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_import_events_document_id"), ["document_id"], unique=False)
        batch_op.create_foreign_key("fk_import_events_document_id", "documents", ["document_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("import_events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_import_events_document_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_import_events_document_id"))
        batch_op.drop_column("document_id")
    with op.batch_alter_table("raw_messages", schema=None) as batch_op:
        batch_op.drop_column("failure_traceback")
        batch_op.drop_column("failure_reason")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_status"))
        batch_op.drop_index(batch_op.f("ix_documents_sha256"))
        batch_op.drop_index(batch_op.f("ix_documents_raw_message_id"))
        batch_op.drop_index(batch_op.f("ix_documents_company_id"))
    op.drop_table("documents")
