"""The migrations build, on an empty database, exactly the schema the models describe."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from douane import migrate
from douane.db import LZ4_AVAILABLE, load_all_tables, make_engine
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


def _has_lz4(engine: Engine) -> bool:
    query = text(f"SELECT {LZ4_AVAILABLE}")
    with engine.connect() as conn:
        return bool(conn.execute(query).scalar())


def test_large_declaration_values_are_compressed_with_lz4_on_postgresql(postgres_database_url: str) -> None:
    """Where the server has LZ4; one without it keeps pglz and migrates all the same."""
    with fresh_postgres_database() as url:
        migrated = make_engine(url)
        expected = LARGE_VALUES if _has_lz4(migrated) else set()
        migrate.upgrade(migrated)
        assert _lz4_columns(migrated) == expected
        _downgrade(migrated, "0008")
        assert _lz4_columns(migrated) == set()
        migrated.dispose()
    created = make_engine(postgres_database_url)
    load_all_tables().create_all(created)
    assert _lz4_columns(created) == expected
    created.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


CHECKED_AT_COMMIT = {
    "fk_declaration_items_declaration_id_declarations",
    "fk_declaration_documents_declaration_id_declarations",
    "fk_declaration_versions_declaration_id_declarations",
}


def test_a_declarations_children_refer_to_it_through_keys_checked_at_commit(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert _checked_at_commit(empty_engine) == CHECKED_AT_COMMIT
    _downgrade(empty_engine, "0009")
    assert _checked_at_commit(empty_engine) == set()
    migrate.upgrade(empty_engine)
    with empty_engine.connect() as connection:  # SQLite rebuilt the tables: indexes, keys, cascades kept
        assert compare_metadata(MigrationContext.configure(connection), load_all_tables()) == []
    with empty_engine.connect() as connection:  # a child written before its parent waits for the commit
        transaction = connection.begin()
        connection.execute(text(ORPHAN_VERSION))
        with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
            transaction.commit()


DEFERRED_KEYS = "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferrable AND condeferred"
ORPHAN_VERSION = (
    "INSERT INTO declaration_versions (declaration_id, version_number, created_at, created_by_name, snapshot)"
    " VALUES (999, 1, '2026-12-06', 'x', '{}')"
)


def _checked_at_commit(engine: Engine) -> set[str]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            names = connection.execute(text(DEFERRED_KEYS))
            return {name for (name,) in names} & CHECKED_AT_COMMIT
    with engine.connect() as connection:  # SQLite keeps the constraint's text in the table's
        tables = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        deferred = {name for name, sql in tables if "DEFERRABLE INITIALLY DEFERRED" in (sql or "")}
    return {name for name in CHECKED_AT_COMMIT if _child_table(name) in deferred}


def _child_table(constraint: str) -> str:
    return constraint.removeprefix("fk_").split("_declaration_id")[0]
