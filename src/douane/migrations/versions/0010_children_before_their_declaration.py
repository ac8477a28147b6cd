"""A declaration's items, documents and versions refer to it through foreign keys checked when the
transaction commits (DEFERRABLE INITIALLY DEFERRED): lodging writes them before the declaration row, which
it then writes once, numbered, instead of writing it early and updating it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 04:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHILDREN = ("declaration_items", "declaration_documents", "declaration_versions")


def upgrade() -> None:
    _set_timing("DEFERRABLE INITIALLY DEFERRED", deferrable=True)


def downgrade() -> None:
    _set_timing("NOT DEFERRABLE", deferrable=False)


def _set_timing(timing: str, *, deferrable: bool) -> None:
    for table in CHILDREN:
        name = f"fk_{table}_declaration_id_declarations"
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f'ALTER TABLE "{table}" ALTER CONSTRAINT "{name}" {timing}')
            continue
        with op.batch_alter_table(table, recreate="always") as batch:  # SQLite rebuilds the table
            batch.drop_constraint(name, type_="foreignkey")
            batch.create_foreign_key(
                name, "declarations", ["declaration_id"], ["id"], ondelete="CASCADE",
                deferrable=deferrable or None, initially="DEFERRED" if deferrable else None,
            )  # fmt: skip
