"""A declaration's current version may be live: its version row keeps who made it, when and why, and its
content is written into it only when the declaration's rows are about to change (lodging no longer stores
every declaration's content twice).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("declaration_versions") as batch:
        batch.alter_column("snapshot", existing_type=sa.JSON(), nullable=True)


def downgrade() -> None:
    # A live version's content is the declaration's rows as they are now, which SQL cannot write as the
    # snapshot's JSON: going back is refused while there is one (amend or re-save it with the new code).
    live = op.get_bind().execute(sa.text("SELECT count(*) FROM declaration_versions WHERE snapshot IS NULL"))
    if live.scalar_one():
        raise RuntimeError("declaration_versions holds live versions (no snapshot yet): cannot downgrade")
    with op.batch_alter_table("declaration_versions") as batch:
        batch.alter_column("snapshot", existing_type=sa.JSON(), nullable=False)
