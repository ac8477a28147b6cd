"""Channel decisions indexed by office and time: the day's use of an office's inspection capacity and the
monthly monitoring read them that way.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_selectivity_decisions_office_decided", "selectivity_decisions", ["office_code", "decided_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_selectivity_decisions_office_decided", table_name="selectivity_decisions")
