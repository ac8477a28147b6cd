"""The discharge (apurement) of a suspensive regime: how it ended, which declaration or office of destination
proves it, who discharged it and why.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import douane.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "declaration_discharges",
        sa.Column("id", ID, nullable=False),
        sa.Column("declaration_id", ID, nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference_declaration_id", ID, nullable=True),
        sa.Column("reference_number", sa.String(length=24), nullable=True),
        sa.Column("destination_office_code", sa.String(length=5), nullable=True),
        sa.Column("arrived_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("officer_user_id", sa.BigInteger(), nullable=True),
        sa.Column("officer_name", sa.String(length=150), nullable=False),
        sa.Column("discharged_at", douane.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_discharges_declaration_id_declarations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reference_declaration_id"],
            ["declarations.id"],
            name=op.f("fk_declaration_discharges_reference_declaration_id_declarations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_discharges")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_declaration_discharges_declaration_id")),
    )
    op.create_index(
        op.f("ix_declaration_discharges_reference_declaration_id"),
        "declaration_discharges",
        ["reference_declaration_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_declaration_discharges_reference_declaration_id"), table_name="declaration_discharges"
    )
    op.drop_table("declaration_discharges")
