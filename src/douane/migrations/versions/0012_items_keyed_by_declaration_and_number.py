"""A declaration's item is keyed by its declaration and its number, which were unique together already: the
surrogate id, which nothing referred to, is dropped with its sequence and its index (lodging ten items drew
ten ids and kept two indexes where one serves).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 13:40:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import douane.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "declaration_items"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("uq_declaration_items_number", TABLE, type_="unique")
        op.drop_constraint("pk_declaration_items", TABLE, type_="primary")
        op.drop_column(TABLE, "id")  # its sequence goes with it
        op.create_primary_key("pk_declaration_items", TABLE, ["declaration_id", "number"])
        return
    with op.batch_alter_table(TABLE, recreate="always") as batch:  # SQLite builds the table again
        batch.drop_constraint("uq_declaration_items_number", type_="unique")
        batch.drop_column("id")  # the key it held goes with it
        batch.create_primary_key("pk_declaration_items", ["declaration_id", "number"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'ALTER TABLE "{TABLE}" DROP CONSTRAINT "pk_declaration_items"')
        op.execute(f'ALTER TABLE "{TABLE}" ADD COLUMN id BIGSERIAL')
        op.execute(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "pk_declaration_items" PRIMARY KEY (id)')
        op.create_unique_constraint("uq_declaration_items_number", TABLE, ["declaration_id", "number"])
        return
    # SQLite: the table as it stood, built beside this one, filled, and put in its place (the rows numbered
    # again; batch mode cannot move a primary key that has no name in SQLite).
    op.create_table(f"_{TABLE}_keyed_by_id", *_columns_keyed_by_id())
    columns = ", ".join(COLUMNS)
    op.execute(f'INSERT INTO "_{TABLE}_keyed_by_id" ({columns}) SELECT {columns} FROM "{TABLE}"')  # noqa: S608
    op.drop_index("ix_declaration_items_line", table_name=TABLE)
    op.drop_table(TABLE)
    op.rename_table(f"_{TABLE}_keyed_by_id", TABLE)
    op.create_index("ix_declaration_items_line", TABLE, ["line_code"], unique=False)


COLUMNS = (
    "declaration_id", "number", "line_code", "description", "origin_country", "preference",
    "invoice_amount", "net_mass_kg", "gross_mass_kg", "packages", "package_kind", "supplementary_quantity",
    "supplementary_unit", "customs_value_dzd", "assessed_customs_value", "assessed_taxes",
)  # fmt: skip


def _columns_keyed_by_id() -> list[Any]:
    amount = douane.db.ExactDecimal(scale=3, precision=20)
    value = douane.db.ExactDecimal(scale=2, precision=20)
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("line_code", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("origin_country", sa.String(length=2), nullable=False),
        sa.Column("preference", sa.String(length=8), nullable=True),
        sa.Column("invoice_amount", amount, nullable=False),
        sa.Column("net_mass_kg", amount, nullable=False),
        sa.Column("gross_mass_kg", amount, nullable=False),
        sa.Column("packages", sa.Integer(), nullable=True),
        sa.Column("package_kind", sa.String(length=4), nullable=True),
        sa.Column("supplementary_quantity", amount, nullable=True),
        sa.Column("supplementary_unit", sa.String(length=12), nullable=True),
        sa.Column("customs_value_dzd", value, nullable=True),
        sa.Column("assessed_customs_value", douane.db.DZDAmount(), nullable=True),
        sa.Column("assessed_taxes", douane.db.DZDAmount(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declarations.id"], name="fk_declaration_items_declaration_id_declarations",
            ondelete="CASCADE", deferrable=True, initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_declaration_items"),
        sa.UniqueConstraint("declaration_id", "number", name="uq_declaration_items_number"),
    ]  # fmt: skip
