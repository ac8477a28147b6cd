"""Pooled PostgreSQL connections are checked after a rest, not at every use (db.IDLE_BEFORE_PING)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from douane import db as db_module
from douane.db import Database


@pytest.fixture
def own_pool(postgres_database_url: str) -> Iterator[Database]:
    database = Database(postgres_database_url, pool_size=1, max_overflow=0)
    yield database
    database.dispose()


def _backend_of_pooled_connection(database: Database) -> int:
    with database.transaction() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _cut(database: Database, backend: int) -> None:
    """The server ends that connection, as a restart or a dropped link would (sent from another pool)."""
    other = Database(database.url, pool_size=1, max_overflow=0)
    try:
        with other.engine.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            connection.commit()
    finally:
        other.dispose()


def test_a_connection_that_rested_is_checked_and_replaced_before_use(
    own_pool: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cut = _backend_of_pooled_connection(own_pool)
    _cut(own_pool, cut)
    monkeypatch.setattr(db_module, "IDLE_BEFORE_PING", 0.0)  # every connection has rested long enough
    assert _backend_of_pooled_connection(own_pool) != cut


def test_a_connection_used_a_moment_ago_is_not_checked_and_a_cut_costs_one_unit_of_work(
    own_pool: Database,
) -> None:
    cut = _backend_of_pooled_connection(own_pool)
    _cut(own_pool, cut)
    with pytest.raises(OperationalError):
        _backend_of_pooled_connection(own_pool)
    assert _backend_of_pooled_connection(own_pool) != cut  # the pool was renewed
