"""Initial schema: audit, identity, registry, reference.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:51:26.860066
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import douane.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # trigram index on economic_operators.search_text (substring search at 100,000+ operators)
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=True),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.String(length=150), nullable=True),
        sa.Column("from_state", sa.String(length=64), nullable=True),
        sa.Column("to_state", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"], unique=False)
    op.create_index("ix_audit_events_entity", "audit_events", ["entity_type", "entity_id"], unique=False)
    op.create_table(
        "customs_brokers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("licence_number", sa.String(length=30), nullable=False),
        sa.Column("firm_name", sa.String(length=200), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("nif", sa.String(length=20), nullable=False),
        sa.Column("licence_valid_from", sa.Date(), nullable=False),
        sa.Column("licence_valid_to", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customs_brokers")),
        sa.UniqueConstraint("licence_number", name=op.f("uq_customs_brokers_licence_number")),
    )
    op.create_index(op.f("ix_customs_brokers_nif"), "customs_brokers", ["nif"], unique=False)
    op.create_table(
        "economic_operators",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("nif", sa.String(length=20), nullable=False),
        sa.Column("rc_number", sa.String(length=40), nullable=False),
        sa.Column("legal_name_fr", sa.String(length=200), nullable=False),
        sa.Column("legal_name_ar", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("wilaya", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("search_text", sa.String(length=460), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_economic_operators")),
        sa.UniqueConstraint("nif", name=op.f("uq_economic_operators_nif")),
    )
    op.create_index("ix_economic_operators_name", "economic_operators", ["legal_name_fr", "id"], unique=False)
    op.create_index(
        "ix_economic_operators_search_trgm",
        "economic_operators",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_index("ix_economic_operators_status", "economic_operators", ["status"], unique=False)
    op.create_index(
        "ix_economic_operators_wilaya_status", "economic_operators", ["wilaya", "status"], unique=False
    )
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("dzd_per_unit", douane.db.ExactDecimal(scale=6, precision=24), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint("currency", "valid_from", name=op.f("uq_exchange_rates_currency")),
    )
    op.create_table(
        "hs_nodes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("edition", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("parent_code", sa.String(length=6), nullable=True),
        sa.Column("section", sa.String(length=8), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("description_fr", sa.Text(), nullable=True),
        sa.Column("description_ar", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_nodes")),
        sa.UniqueConstraint("edition", "code", name=op.f("uq_hs_nodes_edition")),
    )
    op.create_index("ix_hs_nodes_code", "hs_nodes", ["code"], unique=False)
    op.create_index("ix_hs_nodes_edition_parent", "hs_nodes", ["edition", "parent_code"], unique=False)
    op.create_table(
        "hs_sections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("edition", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=8), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=True),
        sa.Column("name_fr", sa.Text(), nullable=True),
        sa.Column("name_ar", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_sections")),
        sa.UniqueConstraint("edition", "number", name=op.f("uq_hs_sections_edition")),
    )
    op.create_table(
        "officers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("service_number", sa.String(length=20), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("grade", sa.String(length=40), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
        sa.UniqueConstraint("service_number", name=op.f("uq_officers_service_number")),
    )
    op.create_table(
        "regional_directorates",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name_fr", sa.String(length=150), nullable=False),
        sa.Column("name_ar", sa.String(length=150), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regional_directorates")),
    )
    op.create_table(
        "tariff_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("hs6", sa.String(length=6), nullable=False),
        sa.Column("description_fr", sa.Text(), nullable=True),
        sa.Column("description_ar", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("supplementary_unit", sa.String(length=16), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_lines")),
        sa.UniqueConstraint("code", "valid_from", name=op.f("uq_tariff_lines_code")),
    )
    op.create_index("ix_tariff_lines_hs6", "tariff_lines", ["hs6"], unique=False)
    op.create_table(
        "tax_types",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name_fr", sa.String(length=200), nullable=False),
        sa.Column("name_ar", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("computation_order", sa.Integer(), nullable=False),
        sa.Column("default_base", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_types")),
        sa.UniqueConstraint("code", name=op.f("uq_tax_types_code")),
    )
    op.create_table(
        "broker_status_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("broker_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.String(length=150), nullable=False),
        sa.ForeignKeyConstraint(
            ["broker_id"],
            ["customs_brokers.id"],
            name=op.f("fk_broker_status_history_broker_id_customs_brokers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broker_status_history")),
    )
    op.create_index(
        "ix_broker_status_history_broker", "broker_status_history", ["broker_id", "at"], unique=False
    )
    op.create_table(
        "customs_offices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name_fr", sa.String(length=150), nullable=False),
        sa.Column("name_ar", sa.String(length=150), nullable=False),
        sa.Column("name_en", sa.String(length=150), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("regional_directorate_code", sa.String(length=8), nullable=False),
        sa.Column("unlocode", sa.String(length=5), nullable=True),
        sa.Column("collection_office_code", sa.String(length=5), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["regional_directorate_code"],
            ["regional_directorates.code"],
            name=op.f("fk_customs_offices_regional_directorate_code_regional_directorates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customs_offices")),
        sa.UniqueConstraint("code", name=op.f("uq_customs_offices_code")),
    )
    op.create_index(
        op.f("ix_customs_offices_regional_directorate_code"),
        "customs_offices",
        ["regional_directorate_code"],
        unique=False,
    )
    op.create_table(
        "operator_status_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("operator_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.String(length=150), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["economic_operators.id"],
            name=op.f("fk_operator_status_history_operator_id_economic_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_status_history")),
    )
    op.create_index(
        "ix_operator_status_history_operator", "operator_status_history", ["operator_id", "at"], unique=False
    )
    op.create_table(
        "tariff_measures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("line_code", sa.String(length=10), nullable=False),
        sa.Column("tax_code", sa.String(length=8), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rate_percent", douane.db.ExactDecimal(scale=4, precision=24), nullable=True),
        sa.Column("season_from", sa.SmallInteger(), nullable=True),
        sa.Column("season_to", sa.SmallInteger(), nullable=True),
        sa.Column("base", sa.String(length=200), nullable=True),
        sa.Column("document_code", sa.String(length=16), nullable=True),
        sa.Column("legal_reference", sa.String(length=200), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tax_code"], ["tax_types.code"], name=op.f("fk_tariff_measures_tax_code_tax_types")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_measures")),
    )
    op.create_index(
        "ix_tariff_measures_line_code_valid_from",
        "tariff_measures",
        ["line_code", "valid_from"],
        unique=False,
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_system", sa.Boolean(), nullable=False),
        sa.Column("operator_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("broker_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("officer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_login_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_until", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["broker_id"], ["customs_brokers.id"], name=op.f("fk_users_broker_id_customs_brokers")
        ),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], name=op.f("fk_users_officer_id_officers")),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["economic_operators.id"], name=op.f("fk_users_operator_id_economic_operators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(op.f("ix_users_broker_id"), "users", ["broker_id"], unique=False)
    op.create_index(op.f("ix_users_officer_id"), "users", ["officer_id"], unique=False)
    op.create_index(op.f("ix_users_operator_id"), "users", ["operator_id"], unique=False)
    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("expires_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_index(op.f("ix_api_keys_user_id"), "api_keys", ["user_id"], unique=False)
    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("issued_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_auth_tokens_digest")),
    )
    op.create_index(op.f("ix_auth_tokens_user_id"), "auth_tokens", ["user_id"], unique=False)
    op.create_table(
        "broker_office_approvals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("broker_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("office_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("ended_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broker_id"],
            ["customs_brokers.id"],
            name=op.f("fk_broker_office_approvals_broker_id_customs_brokers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["customs_offices.id"],
            name=op.f("fk_broker_office_approvals_office_id_customs_offices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broker_office_approvals")),
    )
    op.create_index(
        "ix_broker_office_approvals_broker_office",
        "broker_office_approvals",
        ["broker_id", "office_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_broker_office_approvals_office_id"), "broker_office_approvals", ["office_id"], unique=False
    )
    op.create_table(
        "customs_office_regimes",
        sa.Column("office_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("regime", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["customs_offices.id"],
            name=op.f("fk_customs_office_regimes_office_id_customs_offices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("office_id", "regime", name=op.f("pk_customs_office_regimes")),
    )
    op.create_table(
        "officer_postings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("officer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("office_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["customs_offices.id"], name=op.f("fk_officer_postings_office_id_customs_offices")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officers.id"],
            name=op.f("fk_officer_postings_officer_id_officers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer_postings")),
        sa.UniqueConstraint("officer_id", "role", "valid_from", name="uq_officer_postings_start"),
    )
    op.create_index(
        "ix_officer_postings_office_role", "officer_postings", ["office_id", "role"], unique=False
    )
    op.create_index(op.f("ix_officer_postings_officer_id"), "officer_postings", ["officer_id"], unique=False)
    op.create_table(
        "tariff_measure_components",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("measure_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("rate_percent", douane.db.ExactDecimal(scale=4, precision=24), nullable=True),
        sa.Column("amount", douane.db.ExactDecimal(scale=6, precision=24), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("per_quantity", douane.db.ExactDecimal(scale=3, precision=24), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("qualifier", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["tariff_measures.id"],
            name=op.f("fk_tariff_measure_components_measure_id_tariff_measures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tariff_measure_components")),
    )
    op.create_index(
        op.f("ix_tariff_measure_components_measure_id"),
        "tariff_measure_components",
        ["measure_id"],
        unique=False,
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )


def downgrade() -> None:
    op.drop_table("user_roles")
    op.drop_index(op.f("ix_tariff_measure_components_measure_id"), table_name="tariff_measure_components")
    op.drop_table("tariff_measure_components")
    op.drop_index(op.f("ix_officer_postings_officer_id"), table_name="officer_postings")
    op.drop_index("ix_officer_postings_office_role", table_name="officer_postings")
    op.drop_table("officer_postings")
    op.drop_table("customs_office_regimes")
    op.drop_index(op.f("ix_broker_office_approvals_office_id"), table_name="broker_office_approvals")
    op.drop_index("ix_broker_office_approvals_broker_office", table_name="broker_office_approvals")
    op.drop_table("broker_office_approvals")
    op.drop_index(op.f("ix_auth_tokens_user_id"), table_name="auth_tokens")
    op.drop_table("auth_tokens")
    op.drop_index(op.f("ix_api_keys_user_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index(op.f("ix_users_operator_id"), table_name="users")
    op.drop_index(op.f("ix_users_officer_id"), table_name="users")
    op.drop_index(op.f("ix_users_broker_id"), table_name="users")
    op.drop_table("users")
    op.drop_index("ix_tariff_measures_line_code_valid_from", table_name="tariff_measures")
    op.drop_table("tariff_measures")
    op.drop_index("ix_operator_status_history_operator", table_name="operator_status_history")
    op.drop_table("operator_status_history")
    op.drop_index(op.f("ix_customs_offices_regional_directorate_code"), table_name="customs_offices")
    op.drop_table("customs_offices")
    op.drop_index("ix_broker_status_history_broker", table_name="broker_status_history")
    op.drop_table("broker_status_history")
    op.drop_table("tax_types")
    op.drop_index("ix_tariff_lines_hs6", table_name="tariff_lines")
    op.drop_table("tariff_lines")
    op.drop_table("regional_directorates")
    op.drop_table("officers")
    op.drop_table("hs_sections")
    op.drop_index("ix_hs_nodes_edition_parent", table_name="hs_nodes")
    op.drop_index("ix_hs_nodes_code", table_name="hs_nodes")
    op.drop_table("hs_nodes")
    op.drop_table("exchange_rates")
    op.drop_index("ix_economic_operators_wilaya_status", table_name="economic_operators")
    op.drop_index("ix_economic_operators_status", table_name="economic_operators")
    op.drop_index(
        "ix_economic_operators_search_trgm",
        table_name="economic_operators",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.drop_index("ix_economic_operators_name", table_name="economic_operators")
    op.drop_table("economic_operators")
    op.drop_index(op.f("ix_customs_brokers_nif"), table_name="customs_brokers")
    op.drop_table("customs_brokers")
    op.drop_index("ix_audit_events_entity", table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_at"), table_name="audit_events")
    op.drop_table("audit_events")
