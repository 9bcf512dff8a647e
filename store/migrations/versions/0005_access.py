"""access: per company, which profiles may see exports and accounting pages

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 13:41:44
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "company_access",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column(
            "profile",
            sa.Enum(
                "firm_user",
                "company_admin",
                "company_user",
                name="accessprofile",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("exports", sa.Boolean(), nullable=False),
        sa.Column("accounting", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name="fk_company_access_company_id_companies"
        ),
        sa.PrimaryKeyConstraint("company_id", "profile", name="pk_company_access"),
    )


def downgrade() -> None:
    op.drop_table("company_access")
