"""The large values of a declaration (its assessment breakdown, a version's snapshot and assessment) are
compressed with LZ4 on PostgreSQL servers that have it; values already stored keep their compression.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LARGE_VALUES = {"declarations": ("assessment",), "declaration_versions": ("snapshot", "assessment")}
COMPRESSION_SETTABLE = "EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression')"
LZ4_AVAILABLE = (
    "EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DO $$BEGIN IF {LZ4_AVAILABLE} THEN {_alters('lz4')}END IF; END$$")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DO $$BEGIN IF {COMPRESSION_SETTABLE} THEN {_alters('DEFAULT')}END IF; END$$")


def _alters(compression: str) -> str:
    """The statements, through EXECUTE: PostgreSQL 13 and older would refuse SET COMPRESSION's syntax even in
    a branch not taken."""
    return "".join(
        f"""EXECUTE 'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET COMPRESSION {compression}'; """
        for table, columns in LARGE_VALUES.items()
        for column in columns
    )
