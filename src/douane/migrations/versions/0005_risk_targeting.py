"""Risk management: targeting rules and their versions, backtests, value indicators, notices and their
matches, risk evaluations at lodging, the model registry, offices' inspection capacities.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:14:44.086508
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import douane.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_capacities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("office_code", sa.String(length=5), nullable=False),
        sa.Column("yellow_per_day", sa.Integer(), nullable=False),
        sa.Column("red_per_day", sa.Integer(), nullable=False),
        sa.Column("exploration_percent", sa.Integer(), nullable=False),
        sa.Column("score_threshold", sa.Float(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("set_by", sa.String(length=150), nullable=False),
        sa.Column("set_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_capacities")),
    )
    with op.batch_alter_table("inspection_capacities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspection_capacities_office_from", ["office_code", "valid_from"], unique=False
        )

    op.create_table(
        "notice_matches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("notice_id", sa.BigInteger(), nullable=False),
        sa.Column("declaration_id", sa.BigInteger(), nullable=False),
        sa.Column("matched_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("control_outcome", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_matches")),
    )
    with op.batch_alter_table("notice_matches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_matches_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notice_matches_notice_id"), ["notice_id"], unique=False)

    op.create_table(
        "risk_evaluations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("declaration_id", sa.BigInteger(), nullable=False),
        sa.Column("rule_hits", sa.JSON(), nullable=False),
        sa.Column("notice_ids", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("exploration", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("evaluated_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_evaluations")),
    )
    with op.batch_alter_table("risk_evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_evaluations_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "risk_model_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("data_from", sa.Date(), nullable=True),
        sa.Column("data_to", sa.Date(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("trainer", sa.String(length=150), nullable=False),
        sa.Column("trained_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("activated_by", sa.String(length=150), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_model_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_risk_model_versions_version")),
    )
    op.create_table(
        "rule_backtests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("history", sa.String(length=200), nullable=False),
        sa.Column("history_from", sa.Date(), nullable=True),
        sa.Column("history_to", sa.Date(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("run_by", sa.String(length=150), nullable=False),
        sa.Column("run_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_backtests")),
    )
    with op.batch_alter_table("rule_backtests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_backtests_rule_id"), ["rule_id"], unique=False)

    op.create_table(
        "targeting_notices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("issuing_service", sa.String(length=32), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("office_codes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("issued_by", sa.String(length=150), nullable=False),
        sa.Column("issued_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_notices")),
        sa.UniqueConstraint("number", name=op.f("uq_targeting_notices_number")),
    )
    with op.batch_alter_table("targeting_notices", schema=None) as batch_op:
        batch_op.create_index("ix_targeting_notices_subject", ["subject_kind", "subject"], unique=False)

    op.create_table(
        "targeting_rule_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("score_increase", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("scope_offices", sa.JSON(), nullable=False),
        sa.Column("scope_regimes", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger(), nullable=True),
        sa.Column("changed_by", sa.String(length=150), nullable=False),
        sa.Column("changed_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_rule_versions")),
        sa.UniqueConstraint("rule_id", "version", name="uq_targeting_rule_versions_rule_version"),
    )
    op.create_table(
        "targeting_rules",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_rules")),
        sa.UniqueConstraint("code", name=op.f("uq_targeting_rules_code")),
    )
    op.create_table(
        "value_indicators",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hs6", sa.String(length=6), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=True),
        sa.Column("centimes_per_kg", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("set_by", sa.String(length=150), nullable=False),
        sa.Column("set_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_indicators")),
    )
    with op.batch_alter_table("value_indicators", schema=None) as batch_op:
        batch_op.create_index("ix_value_indicators_line", ["hs6", "origin", "valid_from"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("value_indicators", schema=None) as batch_op:
        batch_op.drop_index("ix_value_indicators_line")

    op.drop_table("value_indicators")
    op.drop_table("targeting_rules")
    op.drop_table("targeting_rule_versions")
    with op.batch_alter_table("targeting_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_targeting_notices_subject")

    op.drop_table("targeting_notices")
    with op.batch_alter_table("rule_backtests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_backtests_rule_id"))

    op.drop_table("rule_backtests")
    op.drop_table("risk_model_versions")
    with op.batch_alter_table("risk_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_evaluations_declaration_id"))

    op.drop_table("risk_evaluations")
    with op.batch_alter_table("notice_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_matches_notice_id"))
        batch_op.drop_index(batch_op.f("ix_notice_matches_declaration_id"))

    op.drop_table("notice_matches")
    with op.batch_alter_table("inspection_capacities", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_capacities_office_from")

    op.drop_table("inspection_capacities")
