"""exports: kept accounting exports, unique entry numbers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 14:26:18
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounting_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("created_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column(
            "format", sa.Enum("fec", "csv", name="exportformat", native_enum=False, length=24), nullable=False
        ),
        sa.Column("separator", sa.String(length=8), nullable=True),
        sa.Column("filename", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_debit", store.models.Money(), nullable=False),
        sa.Column("total_credit", store.models.Money(), nullable=False),
        sa.Column("left_out", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name="fk_accounting_exports_company_id_companies"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_accounting_exports"),
    )
    with op.batch_alter_table("accounting_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounting_exports_company_id"), ["company_id"], unique=False)

    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_journal_entries_company_validated", ["company_id", "validated_at", "id"], unique=False
        )
        batch_op.create_unique_constraint("uq_journal_entries_company_number", ["company_id", "number"])


def downgrade() -> None:
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_journal_entries_company_number", type_="unique")
        batch_op.drop_index("ix_journal_entries_company_validated")

    with op.batch_alter_table("accounting_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounting_exports_company_id"))

    op.drop_table("accounting_exports")
