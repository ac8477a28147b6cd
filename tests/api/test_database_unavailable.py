"""A request whose database connection broke answers 503 with a stable code, and the next one goes through."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from douane.bootstrap import Context
from douane.db import Database
from douane.identity.model import Role
from tests.conftest import UserFactory


@pytest.fixture
def db(pg_db: Database) -> Database:
    """PostgreSQL only: its server is told to cut the app's connections."""
    return pg_db


def _cut_every_connection_of(database: Database) -> int:
    """The server ends every connection of the app's pool, as a restart would."""
    other = Database(database.url, pool_size=1, max_overflow=0)
    try:
        with other.engine.connect() as connection:
            cut = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
            connection.commit()
    finally:
        other.dispose()
    return int(cut)


def _fill_pool(database: Database, count: int) -> None:
    """`count` connections waiting in the pool: a cut breaks all of them, not just the next one used."""
    held = [database.engine.connect() for _ in range(count)]
    for connection in held:
        connection.execute(text("SELECT 1"))
        connection.close()


def test_a_broken_connection_answers_503_and_the_next_request_goes_through(
    ctx: Context, client: TestClient, user_headers: UserFactory
) -> None:
    headers = user_headers(Role.ADMIN)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    _fill_pool(ctx.db, 3)
    assert _cut_every_connection_of(ctx.db) >= 3

    broken = client.get("/api/v1/auth/me", headers={**headers, "Accept-Language": "fr"})

    assert broken.status_code == 503
    assert broken.headers["Retry-After"] == "2"
    assert broken.json()["code"] == "service.database_unavailable"
    assert broken.json()["detail"].startswith("La base de données est injoignable")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
