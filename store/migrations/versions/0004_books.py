"""books: suppliers, purchases, payments, entries, api tokens

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "firm_admin",
                "firm_user",
                "company_admin",
                "company_user",
                "platform",
                "accounting_software",
                name="tokenrole",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_table(
        "api_token_companies",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
        ),
        sa.PrimaryKeyConstraint("token_id", "company_id"),
    )
    op.create_table(
        "company_books",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("journal_code", sa.String(length=8), nullable=False),
        sa.Column("journal_label", sa.String(length=100), nullable=False),
        sa.Column("supplier_account", sa.String(length=20), nullable=False),
        sa.Column("asset_supplier_account", sa.String(length=20), nullable=False),
        sa.Column("default_charge_account", sa.String(length=20), nullable=False),
        sa.Column("vat_deductible", sa.String(length=20), nullable=False),
        sa.Column("vat_deductible_assets", sa.String(length=20), nullable=False),
        sa.Column("vat_intra_eu_deductible", sa.String(length=20), nullable=False),
        sa.Column("vat_intra_eu_due", sa.String(length=20), nullable=False),
        sa.Column("vat_reverse_charge_due", sa.String(length=20), nullable=False),
        sa.Column("self_assessed_rate", sa.String(length=8), nullable=False),
        sa.Column("terms_convention", sa.String(length=40), nullable=False),
        sa.Column("min_confidence", sa.Float(), nullable=False),
        sa.Column("next_aux_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.PrimaryKeyConstraint("company_id"),
    )
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("vat", sa.String(length=20), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("aux_account", sa.String(length=20), nullable=False),
        sa.Column("charge_account", sa.String(length=20), nullable=True),
        sa.Column("payment_days", sa.Integer(), nullable=True),
        sa.Column("payment_end_of_month", sa.Boolean(), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("trusted_threshold", store.models.Money(), nullable=True),
        sa.Column("created_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "aux_account", name="uq_suppliers_company_aux"),
    )
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppliers_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_suppliers_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_suppliers_siren"), ["siren"], unique=False)

    op.create_table(
        "purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("supplier_name", sa.String(length=200), nullable=True),
        sa.Column("invoice_number", sa.String(length=100), nullable=True),
        sa.Column("number_key", sa.String(length=100), nullable=True),
        sa.Column("document_type", sa.String(length=24), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("total_excl_tax", store.models.Money(), nullable=True),
        sa.Column("total_tax", store.models.Money(), nullable=True),
        sa.Column("total_incl_tax", store.models.Money(), nullable=True),
        sa.Column("amount_due", store.models.Money(), nullable=True),
        sa.Column("vat_lines", sa.JSON(), nullable=False),
        sa.Column("markers", sa.JSON(), nullable=False),
        sa.Column("charge_account", sa.String(length=20), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("smtp", "imap", "http", name="channel", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("source_platform", sa.String(length=100), nullable=False),
        sa.Column("external_reference", sa.String(length=200), nullable=True),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("to_review", "ready", name="purchasestatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("review_reasons", sa.JSON(), nullable=False),
        sa.Column("locked_at", store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "sha256", name="uq_purchases_company_sha256"),
    )
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchases_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_issue_date"), ["issue_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_number_key"), ["number_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_source_platform"), ["source_platform"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "journal_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("purchase_id", sa.Integer(), nullable=False),
        sa.Column("journal_code", sa.String(length=8), nullable=False),
        sa.Column("journal_label", sa.String(length=100), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("piece_ref", sa.String(length=100), nullable=False),
        sa.Column("piece_date", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("validated_at", store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("purchase_id"),
    )
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_entries_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_entries_entry_date"), ["entry_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_journal_entries_validated_at"), ["validated_at"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purchase_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("amount", store.models.Money(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("due_date_source", sa.String(length=24), nullable=False),
        sa.Column("due_date_warnings", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "paid", name="paymentstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("purchase_id"),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "entry_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("account_label", sa.String(length=100), nullable=False),
        sa.Column("aux_account", sa.String(length=20), nullable=True),
        sa.Column("aux_label", sa.String(length=200), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("debit", store.models.Money(), nullable=False),
        sa.Column("credit", store.models.Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("entry_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_lines_entry_id"), ["entry_id"], unique=False)

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extraction", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("purchase_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "booking",
                sa.Enum("purchase", "twin", "duplicate", name="booking", native_enum=False, length=24),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("external_reference", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("due_date_hint", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_purchase_id"), ["purchase_id"], unique=False)
        batch_op.create_foreign_key("fk_documents_purchase_id", "purchases", ["purchase_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("fk_documents_purchase_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_documents_purchase_id"))
        batch_op.drop_column("due_date_hint")
        batch_op.drop_column("external_reference")
        batch_op.drop_column("booking")
        batch_op.drop_column("purchase_id")
        batch_op.drop_column("extraction")

    with op.batch_alter_table("entry_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_lines_entry_id"))

    op.drop_table("entry_lines")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_payments_status"))
        batch_op.drop_index(batch_op.f("ix_payments_due_date"))
        batch_op.drop_index(batch_op.f("ix_payments_company_id"))

    op.drop_table("payments")
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_entries_validated_at"))
        batch_op.drop_index(batch_op.f("ix_journal_entries_entry_date"))
        batch_op.drop_index(batch_op.f("ix_journal_entries_company_id"))

    op.drop_table("journal_entries")
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchases_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_purchases_status"))
        batch_op.drop_index(batch_op.f("ix_purchases_source_platform"))
        batch_op.drop_index(batch_op.f("ix_purchases_number_key"))
        batch_op.drop_index(batch_op.f("ix_purchases_issue_date"))
        batch_op.drop_index(batch_op.f("ix_purchases_created_at"))
        batch_op.drop_index(batch_op.f("ix_purchases_company_id"))

    op.drop_table("purchases")
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppliers_siren"))
        batch_op.drop_index(batch_op.f("ix_suppliers_name_key"))
        batch_op.drop_index(batch_op.f("ix_suppliers_company_id"))

    op.drop_table("suppliers")
    op.drop_table("company_books")
    op.drop_table("api_token_companies")
    op.drop_table("api_tokens")
