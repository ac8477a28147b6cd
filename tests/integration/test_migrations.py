"""The migrations build, on an empty database, exactly the schema the models describe."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from douane import migrate
from douane.db import load_all_tables, make_engine
from tests.conftest import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
        yield engine
        engine.dispose()
        return
    with fresh_postgres_database() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_upgrading_an_empty_database_matches_the_models(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), load_all_tables())
    assert differences == [], f"models and migrations disagree: {differences}"
    head = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert migrate.current_revision(empty_engine) == head
    assert {"economic_operators", "users", "audit_events"} <= set(inspect(empty_engine).get_table_names())


def test_upgrading_twice_is_harmless(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) is not None


def test_the_history_is_numbered_and_linear() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        assert revision.revision[:4].isdigit(), f"revision {revision.revision} is not numbered"


LARGE_VALUES = {
    ("declarations", "assessment"),
    ("declaration_versions", "snapshot"),
    ("declaration_versions", "assessment"),
}


def _lz4_columns(engine: Engine) -> set[tuple[str, str]]:
    query = text(
        "SELECT attrelid::regclass::text, attname FROM pg_attribute"
        " WHERE attcompression = 'l' AND attrelid::regclass::text IN ('declarations', 'declaration_versions')"
    )
    with engine.connect() as conn:
        return {(table, column) for table, column in conn.execute(query)}


def test_large_declaration_values_are_compressed_with_lz4_on_postgresql(postgres_database_url: str) -> None:
    with fresh_postgres_database() as url:
        migrated = make_engine(url)
        migrate.upgrade(migrated)
        assert _lz4_columns(migrated) == LARGE_VALUES
        migrated.dispose()
    created = make_engine(postgres_database_url)
    load_all_tables().create_all(created)
    assert _lz4_columns(created) == LARGE_VALUES
    created.dispose()
