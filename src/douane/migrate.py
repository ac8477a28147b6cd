"""Run Alembic from code: `douane db upgrade` and the tests use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The revision this code's migrations end at."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def stamp_head(engine: Engine) -> None:
    """Record a schema made by `create_all` (tests, benchmarks) as migrated to the head revision."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.stamp(config, "head")


def schema_problem(engine: Engine) -> str | None:
    """Why a server must not start on this database (its schema is missing, behind or unknown), or None."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return None
    if current is None:
        return "The database has no douane schema yet: run `douane db upgrade` first."
    if current not in {script.revision for script in _scripts().walk_revisions()}:
        return (
            f"The database is at revision {current}, which this douane does not know: a newer douane "
            "migrated it. Serve it with that version."
        )
    return f"The database is at revision {current}, this douane needs {head}: run `douane db upgrade` first."
