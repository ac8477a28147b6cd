"""The registry and feedback commands as the lead attaches them to `douane risk` (here on their own app)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from douane.config import get_settings
from douane.db import Database, load_all_tables
from douane.risk.models.cli import models_app
from douane.risk.selection.cli import export_history, monthly_figures

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(models_app, name="models")
    app.command("export-history")(export_history)
    app.command("monitoring")(monthly_figures)
    return app


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DOUANE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOUANE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    database = Database(f"sqlite:///{(tmp_path / 'douane.db').resolve()}")
    load_all_tables().create_all(database.engine)
    database.dispose()
    yield tmp_path
    get_settings.cache_clear()


def test_register_activate_list_export_and_monitor_from_the_command_line(data_dir: Path) -> None:
    model = data_dir / "model-a"
    model.mkdir()
    (model / "metadata.json").write_text(json.dumps({"version": "cli-1", "rows": 7, "metrics": {"auc": 0.8}}))
    app = _app()
    registered = runner.invoke(app, ["models", "register", str(model), "--activate"])
    assert registered.exit_code == 0, registered.output
    assert "cli-1: active" in registered.output
    listed = runner.invoke(app, ["models", "list"])
    assert "cli-1" in listed.output and "auc 0.8" in listed.output
    assert runner.invoke(app, ["models", "activate", "cli-1"]).exit_code == 2  # already active
    assert "retired" in runner.invoke(app, ["models", "retire", "cli-1"]).output
    exported = runner.invoke(app, ["export-history", "--out", str(data_dir / "history")])
    assert exported.exit_code == 0, exported.output
    assert (data_dir / "history" / "history.csv").read_text().startswith("declaration_id,date,office")
    figures = runner.invoke(app, ["monitoring", "--month", "2026-03"])
    assert figures.exit_code == 0 and '"month": "2026-03"' in figures.output
