"""`douane reference import ...` and `show-line` as an operator runs them."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from douane.bootstrap import build_context
from douane.cli import app
from douane.config import get_settings
from douane.db import load_all_tables
from tests.integration.reference.factories import NATIONAL_HEADER, mini_hs, write

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DOUANE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOUANE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    ctx = build_context()
    load_all_tables().create_all(ctx.db.engine)
    ctx.db.dispose()
    yield tmp_path
    get_settings.cache_clear()


def test_import_then_show_a_line_and_reject_a_bad_file_with_exit_code_2(data_dir: Path) -> None:
    hs = runner.invoke(app, ["reference", "import", "hs", str(mini_hs(data_dir, {"210390"}))])
    assert hs.exit_code == 0, hs.output
    assert "inserted" in hs.output
    tariff = write(
        data_dir,
        "tariff.csv",
        f"{NATIONAL_HEADER}\n2103909100,210390,Mayonnaise,30,70,2,3,,19,902,2026-01-01",
    )
    imported = runner.invoke(app, ["reference", "import", "tariff", str(tariff)])
    assert imported.exit_code == 0, imported.output

    shown = runner.invoke(app, ["reference", "show-line", "2103909100", "--on", "2026-02-01"])
    assert shown.exit_code == 0, shown.output
    assert "Mayonnaise" in shown.output
    assert "TVA" in shown.output
    assert "19%" in shown.output

    bad = write(data_dir, "bad.csv", f"{NATIONAL_HEADER}\n2103909100,210390,Mayonnaise,abc,,,,,,,2026-01-01")
    rejected = runner.invoke(app, ["reference", "import", "tariff", str(bad)])
    assert rejected.exit_code == 2
    assert "rejected" in rejected.output
    assert "not a percentage" in rejected.output
