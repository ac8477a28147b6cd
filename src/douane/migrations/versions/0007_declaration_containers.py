"""Declarations name the containers carrying the goods (ISO 6346 numbers), so that targeting notices on a
container match them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("containers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("containers")
