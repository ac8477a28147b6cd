"""Amounts due have a kind: paid at the cashier ("payment"), or suspended duties to be covered by a guarantee
("guarantee": temporary admission, customs warehouse, transit).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("amounts_due") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="payment", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("amounts_due") as batch:
        batch.drop_column("kind")
