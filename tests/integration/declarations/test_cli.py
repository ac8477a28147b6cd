"""`douane declarations lodge/show` with the example files against the demo data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from douane.bootstrap import build_context
from douane.cli import app
from douane.config import get_settings
from douane.db import load_all_tables
from douane.demo.loader import load_demo

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "declarations"


@pytest.fixture
def demo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DOUANE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOUANE_DATABASE_URL", raising=False)
    monkeypatch.setenv("DOUANE_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("DOUANE_ARGON2_MEMORY_KIB", "64")
    get_settings.cache_clear()
    ctx = build_context()
    load_all_tables().create_all(ctx.db.engine)
    with ctx.db.transaction() as session:
        load_demo(session, ctx)
    ctx.db.dispose()
    yield tmp_path
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "name", ["import-fob-eur.json", "import-cfr-usd.json", "export-ex1.json", "temporary-admission-im5.json"]
)
def test_each_example_lodges_cleanly_and_shows(demo_dir: Path, name: str) -> None:
    lodged = runner.invoke(app, ["declarations", "lodge", str(EXAMPLES / name), "--as", "broker"])
    assert lodged.exit_code == 0, lodged.output
    assert "lodged 16011/" in lodged.output and "channel" in lodged.output
    number = lodged.output.split("lodged ", 1)[1].split()[0]
    shown = runner.invoke(app, ["declarations", "show", number])
    assert shown.exit_code == 0, shown.output
    assert number in shown.output and "Items" in shown.output


def test_a_list_file_reports_each_declaration_and_fails_on_findings(demo_dir: Path, tmp_path: Path) -> None:
    good = json.loads((EXAMPLES / "import-fob-eur.json").read_text())
    bad = {**good, "invoice_total": "1.00"}
    path = tmp_path / "two.json"
    path.write_text(json.dumps([good, bad]))
    result = runner.invoke(app, ["declarations", "lodge", str(path), "--as", "broker"])
    assert result.exit_code == 1
    assert "#1 lodged 16011/" in result.output
    assert "#2 not lodged" in result.output and "declarations.items_do_not_add_up" in result.output
