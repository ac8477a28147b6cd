"""Declarations, payments (amounts due, receipts, guarantees) and risk (selectivity, inspector draws).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:43:11.082649
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import douane.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "amounts_due",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("subject_reference", sa.String(length=40), nullable=False),
        sa.Column("office_code", sa.String(length=5), nullable=False),
        sa.Column("collection_office_code", sa.String(length=5), nullable=False),
        sa.Column("operator_id", sa.BigInteger(), nullable=True),
        sa.Column("broker_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", douane.db.DZDAmount(), nullable=False),
        sa.Column("paid", douane.db.DZDAmount(), nullable=False),
        sa.Column("guaranteed", douane.db.DZDAmount(), nullable=False),
        sa.Column("opened_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "paid >= 0 AND guaranteed >= 0 AND paid + guaranteed <= total",
            name=op.f("ck_amounts_due_within_total"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_amounts_due")),
        sa.UniqueConstraint("subject_kind", "subject_id", name="uq_amounts_due_subject"),
    )
    op.create_index(op.f("ix_amounts_due_broker_id"), "amounts_due", ["broker_id"], unique=False)
    op.create_index("ix_amounts_due_office_status", "amounts_due", ["office_code", "status"], unique=False)
    op.create_index(op.f("ix_amounts_due_operator_id"), "amounts_due", ["operator_id"], unique=False)
    op.create_index(
        op.f("ix_amounts_due_subject_reference"), "amounts_due", ["subject_reference"], unique=False
    )
    op.create_table(
        "declaration_registration_sequences",
        sa.Column("office_code", sa.String(length=5), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office_code", "year", name=op.f("pk_declaration_registration_sequences")),
    )
    op.create_table(
        "guarantees",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("operator_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("amount", douane.db.DZDAmount(), nullable=False),
        sa.Column("allocated", douane.db.DZDAmount(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registered_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=150), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "allocated >= 0 AND allocated <= amount", name=op.f("ck_guarantees_allocated_within_amount")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantees")),
        sa.UniqueConstraint("kind", "reference", name="uq_guarantees_kind_reference"),
    )
    op.create_index(op.f("ix_guarantees_operator_id"), "guarantees", ["operator_id"], unique=False)
    op.create_table(
        "inspector_draws",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("office_code", sa.String(length=5), nullable=False),
        sa.Column("officer_id", sa.BigInteger(), nullable=False),
        sa.Column("candidate_ids", sa.JSON(), nullable=False),
        sa.Column("drawn_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("drawn_by_id", sa.BigInteger(), nullable=True),
        sa.Column("drawn_by", sa.String(length=150), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspector_draws")),
    )
    op.create_index(
        "ix_inspector_draws_subject", "inspector_draws", ["subject_kind", "subject_id"], unique=False
    )
    op.create_table(
        "receipt_sequences",
        sa.Column("collection_office_code", sa.String(length=5), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("collection_office_code", "year", name=op.f("pk_receipt_sequences")),
    )
    op.create_table(
        "selectivity_decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("declaration_id", sa.BigInteger(), nullable=False),
        sa.Column("office_code", sa.String(length=5), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("shares", sa.JSON(), nullable=False),
        sa.Column("setting_id", sa.BigInteger(), nullable=True),
        sa.Column("draw_value", sa.Integer(), nullable=False),
        sa.Column("decided_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selectivity_decisions")),
    )
    op.create_index(
        op.f("ix_selectivity_decisions_declaration_id"),
        "selectivity_decisions",
        ["declaration_id"],
        unique=False,
    )
    op.create_table(
        "selectivity_settings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("office_code", sa.String(length=5), nullable=True),
        sa.Column("green", sa.Integer(), nullable=False),
        sa.Column("yellow", sa.Integer(), nullable=False),
        sa.Column("red", sa.Integer(), nullable=False),
        sa.Column("blue", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("set_by_id", sa.BigInteger(), nullable=True),
        sa.Column("set_by", sa.String(length=150), nullable=False),
        sa.Column("set_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selectivity_settings")),
    )
    op.create_index(
        "ix_selectivity_settings_office_from",
        "selectivity_settings",
        ["office_code", "valid_from"],
        unique=False,
    )
    op.create_table(
        "amount_due_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_due_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tax_code", sa.String(length=16), nullable=False),
        sa.Column("amount", douane.db.DZDAmount(), nullable=False),
        sa.ForeignKeyConstraint(
            ["amount_due_id"],
            ["amounts_due.id"],
            name=op.f("fk_amount_due_lines_amount_due_id_amounts_due"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_amount_due_lines")),
    )
    op.create_index(
        op.f("ix_amount_due_lines_amount_due_id"), "amount_due_lines", ["amount_due_id"], unique=False
    )
    op.create_table(
        "guarantee_allocations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guarantee_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_due_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount", douane.db.DZDAmount(), nullable=False),
        sa.Column("released", douane.db.DZDAmount(), nullable=False),
        sa.Column("allocated_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("allocated_by", sa.String(length=150), nullable=False),
        sa.Column("released_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["amount_due_id"],
            ["amounts_due.id"],
            name=op.f("fk_guarantee_allocations_amount_due_id_amounts_due"),
        ),
        sa.ForeignKeyConstraint(
            ["guarantee_id"], ["guarantees.id"], name=op.f("fk_guarantee_allocations_guarantee_id_guarantees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_allocations")),
    )
    op.create_index(
        op.f("ix_guarantee_allocations_amount_due_id"),
        "guarantee_allocations",
        ["amount_due_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_guarantee_allocations_guarantee_id"), "guarantee_allocations", ["guarantee_id"], unique=False
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_due_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount", douane.db.DZDAmount(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("method_reference", sa.String(length=64), nullable=True),
        sa.Column("payer_name", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("cashier_user_id", sa.BigInteger(), nullable=False),
        sa.Column("cashier_name", sa.String(length=150), nullable=False),
        sa.Column("collection_office_code", sa.String(length=5), nullable=False),
        sa.Column("received_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("receipt_year", sa.Integer(), nullable=False),
        sa.Column("receipt_sequence", sa.Integer(), nullable=False),
        sa.Column("receipt_number", sa.String(length=20), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_positive")),
        sa.ForeignKeyConstraint(
            ["amount_due_id"], ["amounts_due.id"], name=op.f("fk_payments_amount_due_id_amounts_due")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "collection_office_code", "receipt_year", "receipt_sequence", name="uq_payments_receipt_sequence"
        ),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payments_idempotency_key")),
        sa.UniqueConstraint("receipt_number", name=op.f("uq_payments_receipt_number")),
    )
    op.create_index(op.f("ix_payments_amount_due_id"), "payments", ["amount_due_id"], unique=False)
    op.create_table(
        "declarations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("regime", sa.String(length=8), nullable=False),
        sa.Column("office_code", sa.String(length=5), nullable=False),
        sa.Column("declarant_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("declarant_name", sa.String(length=150), nullable=False),
        sa.Column("broker_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("operator_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("operator_nif", sa.String(length=20), nullable=False),
        sa.Column("consignor", sa.JSON(), nullable=True),
        sa.Column("consignee", sa.JSON(), nullable=True),
        sa.Column("dispatch_country", sa.String(length=2), nullable=True),
        sa.Column("destination_country", sa.String(length=2), nullable=True),
        sa.Column("transport_mode", sa.String(length=1), nullable=True),
        sa.Column("transport_means", sa.String(length=80), nullable=True),
        sa.Column("manifest_reference", sa.String(length=40), nullable=True),
        sa.Column("bill_of_lading", sa.String(length=40), nullable=True),
        sa.Column("invoice_currency", sa.String(length=3), nullable=False),
        sa.Column("invoice_total", douane.db.ExactDecimal(scale=3, precision=20), nullable=False),
        sa.Column("incoterm", sa.String(length=3), nullable=False),
        sa.Column("freight", douane.db.ExactDecimal(scale=3, precision=20), nullable=True),
        sa.Column("insurance", douane.db.ExactDecimal(scale=3, precision=20), nullable=True),
        sa.Column("other_costs", douane.db.ExactDecimal(scale=3, precision=20), nullable=True),
        sa.Column("costs_currency", sa.String(length=3), nullable=True),
        sa.Column("domiciliation_reference", sa.String(length=40), nullable=True),
        sa.Column("registration_office", sa.String(length=5), nullable=True),
        sa.Column("registration_year", sa.Integer(), nullable=True),
        sa.Column("registration_seq", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=24), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("channel_source", sa.String(length=60), nullable=True),
        sa.Column("channel_reasons", sa.JSON(), nullable=True),
        sa.Column("post_clearance_audit", sa.Boolean(), nullable=False),
        sa.Column(
            "inspector_officer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("inspector_drawn_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assessment", sa.JSON(), nullable=True),
        sa.Column("customs_value", douane.db.DZDAmount(), nullable=True),
        sa.Column("total_due", douane.db.DZDAmount(), nullable=True),
        sa.Column("assessment_confirmed", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lodged_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("registered_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("channel_assigned_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assessed_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("settled_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("released_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("exited_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["broker_id"], ["customs_brokers.id"], name=op.f("fk_declarations_broker_id_customs_brokers")
        ),
        sa.ForeignKeyConstraint(
            ["declarant_user_id"], ["users.id"], name=op.f("fk_declarations_declarant_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["inspector_officer_id"],
            ["officers.id"],
            name=op.f("fk_declarations_inspector_officer_id_officers"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["economic_operators.id"],
            name=op.f("fk_declarations_operator_id_economic_operators"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declarations")),
        sa.UniqueConstraint("number", name=op.f("uq_declarations_number")),
        sa.UniqueConstraint(
            "registration_office",
            "registration_year",
            "registration_seq",
            name="uq_declarations_registration",
        ),
    )
    op.create_index("ix_declarations_broker", "declarations", ["broker_id", "id"], unique=False)
    op.create_index(
        "ix_declarations_inspector", "declarations", ["inspector_officer_id", "status"], unique=False
    )
    op.create_index(
        "ix_declarations_office_registered", "declarations", ["office_code", "registered_at"], unique=False
    )
    op.create_index("ix_declarations_operator", "declarations", ["operator_id", "id"], unique=False)
    op.create_index("ix_declarations_status_office", "declarations", ["status", "office_code"], unique=False)
    op.create_table(
        "declaration_control_results",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("declaration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "inspector_officer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("inspector_user_id", sa.BigInteger(), nullable=True),
        sa.Column("inspector_name", sa.String(length=150), nullable=False),
        sa.Column("recorded_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("discrepancy_type", sa.String(length=24), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("item_amendments", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_control_results_declaration_id_declarations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inspector_officer_id"],
            ["officers.id"],
            name=op.f("fk_declaration_control_results_inspector_officer_id_officers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_control_results")),
    )
    op.create_index(
        op.f("ix_declaration_control_results_declaration_id"),
        "declaration_control_results",
        ["declaration_id"],
        unique=False,
    )
    op.create_table(
        "declaration_documents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("declaration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("type_code", sa.String(length=8), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("stored_path", sa.String(length=300), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=40), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("uploaded_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("uploaded_by_user_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_documents_declaration_id_declarations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_documents")),
    )
    op.create_index(
        op.f("ix_declaration_documents_declaration_id"),
        "declaration_documents",
        ["declaration_id"],
        unique=False,
    )
    op.create_table(
        "declaration_invalidation_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("declaration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("requested_by_name", sa.String(length=150), nullable=False),
        sa.Column("requested_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("decided_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=150), nullable=True),
        sa.Column("decided_at", douane.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_invalidation_requests_declaration_id_declarations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_invalidation_requests")),
    )
    op.create_index(
        op.f("ix_declaration_invalidation_requests_declaration_id"),
        "declaration_invalidation_requests",
        ["declaration_id"],
        unique=False,
    )
    op.create_table(
        "declaration_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("declaration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("line_code", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("origin_country", sa.String(length=2), nullable=False),
        sa.Column("preference", sa.String(length=8), nullable=True),
        sa.Column("invoice_amount", douane.db.ExactDecimal(scale=3, precision=20), nullable=False),
        sa.Column("net_mass_kg", douane.db.ExactDecimal(scale=3, precision=20), nullable=False),
        sa.Column("gross_mass_kg", douane.db.ExactDecimal(scale=3, precision=20), nullable=False),
        sa.Column("packages", sa.Integer(), nullable=True),
        sa.Column("package_kind", sa.String(length=4), nullable=True),
        sa.Column("supplementary_quantity", douane.db.ExactDecimal(scale=3, precision=20), nullable=True),
        sa.Column("supplementary_unit", sa.String(length=12), nullable=True),
        sa.Column("customs_value_dzd", douane.db.ExactDecimal(scale=2, precision=20), nullable=True),
        sa.Column("assessed_customs_value", douane.db.DZDAmount(), nullable=True),
        sa.Column("assessed_taxes", douane.db.DZDAmount(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_items_declaration_id_declarations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_items")),
        sa.UniqueConstraint("declaration_id", "number", name="uq_declaration_items_number"),
    )
    op.create_index("ix_declaration_items_line", "declaration_items", ["line_code"], unique=False)
    op.create_table(
        "declaration_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("declaration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("created_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by_name", sa.String(length=150), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_versions_declaration_id_declarations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_versions")),
        sa.UniqueConstraint("declaration_id", "version_number", name="uq_declaration_versions_number"),
    )


def downgrade() -> None:
    op.drop_table("declaration_versions")
    op.drop_index("ix_declaration_items_line", table_name="declaration_items")
    op.drop_table("declaration_items")
    op.drop_index(
        op.f("ix_declaration_invalidation_requests_declaration_id"),
        table_name="declaration_invalidation_requests",
    )
    op.drop_table("declaration_invalidation_requests")
    op.drop_index(op.f("ix_declaration_documents_declaration_id"), table_name="declaration_documents")
    op.drop_table("declaration_documents")
    op.drop_index(
        op.f("ix_declaration_control_results_declaration_id"), table_name="declaration_control_results"
    )
    op.drop_table("declaration_control_results")
    op.drop_index("ix_declarations_status_office", table_name="declarations")
    op.drop_index("ix_declarations_operator", table_name="declarations")
    op.drop_index("ix_declarations_office_registered", table_name="declarations")
    op.drop_index("ix_declarations_inspector", table_name="declarations")
    op.drop_index("ix_declarations_broker", table_name="declarations")
    op.drop_table("declarations")
    op.drop_index(op.f("ix_payments_amount_due_id"), table_name="payments")
    op.drop_table("payments")
    op.drop_index(op.f("ix_guarantee_allocations_guarantee_id"), table_name="guarantee_allocations")
    op.drop_index(op.f("ix_guarantee_allocations_amount_due_id"), table_name="guarantee_allocations")
    op.drop_table("guarantee_allocations")
    op.drop_index(op.f("ix_amount_due_lines_amount_due_id"), table_name="amount_due_lines")
    op.drop_table("amount_due_lines")
    op.drop_index("ix_selectivity_settings_office_from", table_name="selectivity_settings")
    op.drop_table("selectivity_settings")
    op.drop_index(op.f("ix_selectivity_decisions_declaration_id"), table_name="selectivity_decisions")
    op.drop_table("selectivity_decisions")
    op.drop_table("receipt_sequences")
    op.drop_index("ix_inspector_draws_subject", table_name="inspector_draws")
    op.drop_table("inspector_draws")
    op.drop_index(op.f("ix_guarantees_operator_id"), table_name="guarantees")
    op.drop_table("guarantees")
    op.drop_table("declaration_registration_sequences")
    op.drop_index(op.f("ix_amounts_due_subject_reference"), table_name="amounts_due")
    op.drop_index(op.f("ix_amounts_due_operator_id"), table_name="amounts_due")
    op.drop_index("ix_amounts_due_office_status", table_name="amounts_due")
    op.drop_index(op.f("ix_amounts_due_broker_id"), table_name="amounts_due")
    op.drop_table("amounts_due")
