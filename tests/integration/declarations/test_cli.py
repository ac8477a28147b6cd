"""`douane declarations lodge/show` with the example files against the demo data."""

from __future__ import annotations

import contextlib
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
from tests.conftest import fresh_postgres_database

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


@pytest.fixture(params=["sqlite", "postgres"])
def demo_database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The demo data set in a database the command line reaches through DOUANE_DATABASE_URL; yields the
    engine's name."""
    monkeypatch.setenv("DOUANE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DOUANE_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("DOUANE_ARGON2_MEMORY_KIB", "64")
    with contextlib.ExitStack() as stack:
        if request.param == "postgres":
            monkeypatch.setenv("DOUANE_DATABASE_URL", stack.enter_context(fresh_postgres_database()))
        else:
            monkeypatch.delenv("DOUANE_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        ctx = build_context()
        load_all_tables().create_all(ctx.db.engine)
        with ctx.db.transaction() as session:
            load_demo(session, ctx)
        ctx.db.dispose()
        yield request.param
        get_settings.cache_clear()


# Both engines refuse it with the same code: SQLite's driver cannot bind an integer beyond 64 bits,
# PostgreSQL refuses it for its BIGINT column (numeric_value_out_of_range).
REFUSAL = ("request.out_of_range", "hors limites")


def _beyond_the_columns(tmp_path: Path) -> Path:
    """99 items each declared at the largest customs value the form takes: their sum, in centimes, is
    beyond the 64-bit integer the declaration's customs value is stored in."""
    example = json.loads((EXAMPLES / "import-fob-eur.json").read_text())
    item = {**example["items"][0], "invoice_amount": "100.00", "customs_value_dzd": "999999999999999.99"}
    items = [{**item, "number": number} for number in range(1, 100)]
    path = tmp_path / "beyond.json"
    path.write_text(json.dumps({**example, "items": items, "invoice_total": str(100 * len(items))}))
    return path


def test_a_row_the_database_refuses_is_one_line_with_its_code_and_nothing_is_lodged(
    demo_database: str, tmp_path: Path
) -> None:
    good = json.loads((EXAMPLES / "import-fob-eur.json").read_text())
    beyond = json.loads(_beyond_the_columns(tmp_path).read_text())
    path = tmp_path / "both.json"
    path.write_text(json.dumps([good, beyond]))

    result = runner.invoke(app, ["declarations", "lodge", str(path), "--as", "broker", "--language", "fr"])

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    code, french = REFUSAL
    assert "nothing was lodged" in lines[0] and french in lines[0], lines[0]
    assert lines[0].endswith(f"({code})"), lines[0]
    shown = runner.invoke(app, ["declarations", "show", "16011/2026/000001"])
    assert shown.exit_code == 1 and "No declaration" in shown.output


def test_a_user_who_may_not_lodge_an_empty_file_and_a_narrow_terminal(demo_dir: Path, tmp_path: Path) -> None:
    example = str(EXAMPLES / "import-fob-eur.json")
    refused = runner.invoke(app, ["declarations", "lodge", example, "--as", "inspector", "--language", "fr"])
    assert refused.exit_code == 1
    assert "nothing was lodged" in refused.output and "declarations:lodge" in refused.output
    assert "{permission}" not in refused.output and "Traceback" not in refused.output
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    nothing = runner.invoke(app, ["declarations", "lodge", str(empty), "--as", "broker"])
    assert nothing.exit_code == 2 and "holds no declaration" in nothing.output

    lodged = runner.invoke(app, ["declarations", "lodge", example, "--as", "broker"])
    number = lodged.output.split("lodged ", 1)[1].split()[0]
    shown = runner.invoke(app, ["declarations", "show", number, "--language", "fr"], terminal_width=80)
    assert "8471301000" in shown.output and "…" not in shown.output  # codes and amounts are never cut
    assert "Circuit attribué" in shown.output and "(Algiers)" in shown.output
    assert max(len(line) for line in shown.output.splitlines()) <= 80
