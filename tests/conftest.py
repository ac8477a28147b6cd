"""Test fixtures: a database on SQLite and on PostgreSQL, a fixed clock, an app, users by role.

PostgreSQL: DOUANE_TEST_POSTGRES_URL (default the local server). Each test worker creates its own
database and drops it at the end. In CI (CI=true) an unreachable server fails the run; elsewhere
the PostgreSQL half of the suite is skipped with a notice.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from douane.app import create_app
from douane.bootstrap import Context
from douane.config import Settings
from douane.db import Base, Database, load_all_tables
from douane.identity import service as identity
from douane.identity.model import Role
from douane.identity.passwords import Passwords
from douane.kernel.clock import FixedClock

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "test-pass-1234"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
T0 = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)

_pg_problem: str | None = None


def _pg_admin_url() -> str:
    return os.environ.get("DOUANE_TEST_POSTGRES_URL") or DEFAULT_PG_URL


def _driver_url(url: str) -> str:
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    )


def _probe_postgres() -> str | None:
    try:
        engine = create_engine(_driver_url(_pg_admin_url()), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def pytest_configure(config: pytest.Config) -> None:
    global _pg_problem
    _pg_problem = _probe_postgres()
    if _pg_problem and IN_CI:
        pytest.exit(
            f"CI=true requires PostgreSQL at {_pg_admin_url()} (set DOUANE_TEST_POSTGRES_URL); "
            f"it is unreachable: {_pg_problem}",
            returncode=3,
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    if _pg_problem:
        return [f"NOTICE: PostgreSQL suite SKIPPED, {_pg_admin_url()} unreachable ({_pg_problem})"]
    return [f"PostgreSQL suite: {_pg_admin_url()}"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _pg_problem:
        terminalreporter.write_line(
            f"NOTICE: the PostgreSQL half of the suite was skipped: {_pg_problem}", yellow=True
        )


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    if _pg_problem:
        pytest.skip(f"PostgreSQL unreachable: {_pg_problem}")
    admin_url = make_url(_driver_url(_pg_admin_url()))
    name = f"douane_test_{_worker()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A PostgreSQL database for this test worker, shared by its tests, dropped at the end."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_db(postgres_database_url: str) -> Iterator[Database]:
    database = Database(postgres_database_url)
    load_all_tables().create_all(database.engine)
    yield database
    database.dispose()


def _truncate_all(database: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on the embedded SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'douane.db'}")
        load_all_tables().create_all(database.engine)
        yield database
        database.dispose()
        return
    database = request.getfixturevalue("postgres_db")
    _truncate_all(database)
    yield database


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'douane.db'}")
    load_all_tables().create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def pg_db(postgres_db: Database) -> Database:
    _truncate_all(postgres_db)
    return postgres_db


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path, "argon2_time_cost": 1, "argon2_memory_kib": 64}
    values.update(overrides)
    return Settings(**values)


def make_context(database: Database, tmp_path: Path, **settings: Any) -> Context:
    config = make_settings(tmp_path, **settings)
    return Context(
        db=database,
        settings=config,
        clock=FixedClock(T0),
        passwords=Passwords(config.argon2_time_cost, config.argon2_memory_kib),
    )


@pytest.fixture
def ctx(db: Database, tmp_path: Path) -> Context:
    return make_context(db, tmp_path)


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with TestClient(create_app(ctx), raise_server_exceptions=False) as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


UserFactory = Callable[..., dict[str, str]]


@pytest.fixture
def user_headers(ctx: Context, client: TestClient) -> UserFactory:
    """`user_headers(Role.X, operator_id=..)` creates a user with that role and returns auth headers."""
    counter = iter(range(1, 10_000))

    def make(*roles: Role, username: str | None = None, **links: Any) -> dict[str, str]:
        name = username or f"{roles[0].value}-{next(counter)}"
        with ctx.db.transaction() as session:
            identity.create_user(
                session, ctx.clock, ctx.passwords, username=name, full_name=name.title(),
                password=PASSWORD, roles=set(roles), **links,
            )  # fmt: skip
        return login(client, name)

    return make
