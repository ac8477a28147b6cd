"""The command line as an operator uses it: migrate, create a user, log in with it; `douane serve` starts only
on a database migrated to this code's head revision (on a missing or older schema it says what to run and
stops, instead of serving errors)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from douane import migrate
from douane.app import create_app
from douane.bootstrap import build_context
from douane.cli import app
from douane.config import get_settings

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DOUANE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOUANE_DATABASE_URL", raising=False)
    monkeypatch.setenv("DOUANE_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("DOUANE_ARGON2_MEMORY_KIB", "64")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_every_command_has_help() -> None:
    for args in (["--help"], ["db", "--help"], ["user", "create", "--help"], ["reference", "--help"],
                 ["serve", "--help"], ["demo", "--help"], ["reference", "import", "--help"],
                 ["risk", "--help"], ["risk", "train", "--help"], ["risk", "models", "--help"]):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output


def test_upgrade_then_create_a_user_who_can_log_in(data_dir: Path) -> None:
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert (data_dir / "douane.db").exists()
    created = runner.invoke(
        app,
        ["user", "create", "admin2", "--role", "admin", "--password", "S3cure-pass!", "--full-name", "Admin"],
    )
    assert created.exit_code == 0, created.output
    assert "admin2" in created.output
    duplicate = runner.invoke(
        app, ["user", "create", "admin2", "--role", "admin", "--password", "S3cure-pass!"]
    )
    assert duplicate.exit_code == 2
    assert "identity.username_taken" in duplicate.output
    with TestClient(create_app(build_context())) as client:
        token = client.post("/api/v1/auth/token", data={"username": "admin2", "password": "S3cure-pass!"})
        assert token.status_code == 200


def test_a_weak_password_is_refused_with_its_code(data_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["user", "create", "weak", "--role", "inspector", "--password", "short"])
    assert result.exit_code == 2
    assert "identity.password_too_short" in result.output


def test_serve_on_an_empty_database_says_to_migrate_and_stops(data_dir: Path) -> None:
    result = runner.invoke(app, ["serve", "--port", "1"])

    assert result.exit_code == 1
    assert "no douane schema" in result.output and "douane db upgrade" in result.output


def test_serve_on_an_older_schema_names_both_revisions_and_stops(data_dir: Path) -> None:
    ctx = build_context(get_settings())
    migrate.upgrade(ctx.db.engine, "0008")  # one migration short of the head
    older = migrate.current_revision(ctx.db.engine)
    ctx.db.dispose()

    result = runner.invoke(app, ["serve", "--port", "1"])

    assert result.exit_code == 1
    assert older is not None and older in result.output and migrate.head_revision() in result.output
    assert "douane db upgrade" in result.output


def test_a_schema_at_head_has_no_problem(data_dir: Path) -> None:
    ctx = build_context(get_settings())
    migrate.upgrade(ctx.db.engine)

    assert migrate.schema_problem(ctx.db.engine) is None


def test_serve_on_a_database_not_reachable_yet_warns_and_serves(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started before its database (a container starting first), it serves and answers 503 until the
    database is up, instead of stopping."""
    monkeypatch.setenv("DOUANE_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    get_settings.cache_clear()
    served: list[str] = []
    monkeypatch.setattr("douane.cli._serve", lambda ctx, host, port: served.append(f"{host}:{port}"))

    result = runner.invoke(app, ["serve", "--port", "8123"])

    assert result.exit_code == 0, result.output
    assert "cannot be reached" in result.output and served == ["127.0.0.1:8123"]
