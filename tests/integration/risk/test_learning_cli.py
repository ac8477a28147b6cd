"""`douane risk train | score | evaluate` on a slice of the synthetic customs data."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from douane.risk.cli import risk_app

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data" / "risk" / "kcs-synthetic"  # ../shared/data/risk/kcs-synthetic/
MAPPING = ROOT / "examples" / "mappings" / "kcs-synthetic.toml"
LABELS = ("Fraud", "Critical Fraud")

pytestmark = pytest.mark.skipif(
    not (DATA / "train.csv").exists(),
    reason="the kcs-synthetic data is not in ../shared/data/risk/kcs-synthetic/",
)
runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("risk-cli")
    train = pl.read_csv(DATA / "train.csv", infer_schema=False)
    valid = pl.read_csv(DATA / "valid.csv", infer_schema=False).head(600)
    paths = {
        "first_half": directory / "h1.csv",
        "second_half": directory / "h2.csv",
        "labelled": directory / "labelled.csv",
        "unlabelled": directory / "unlabelled.csv",
        "model": directory / "model",
        "scores": directory / "scores.csv",
    }
    sample = train.gather_every(8)  # every month, a few thousand rows: quick to train
    sample.head(sample.height // 2).write_csv(paths["first_half"])
    sample.tail(sample.height - sample.height // 2).write_csv(paths["second_half"])
    valid.write_csv(paths["labelled"])
    valid.drop(LABELS).write_csv(paths["unlabelled"])
    return paths


def _run(*args: str | Path) -> str:
    result = runner.invoke(risk_app, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result.output


def test_train_then_score_then_evaluate(files: dict[str, Path]) -> None:
    halves = ("--history", files["first_half"], "--history", files["second_half"])
    trained = _run("train", *halves, "--mapping", MAPPING, "--out", files["model"], "--no-search",
                   "--trainer", "analyst1")  # fmt: skip
    assert "Model " in trained
    assert (files["model"] / "metadata.json").exists()

    _run("score", "--model", files["model"], "--input", files["unlabelled"], "--mapping", MAPPING,
         "--out", files["scores"])  # fmt: skip
    with files["scores"].open(newline="", encoding="utf-8") as handle:
        scored = list(csv.reader(handle))
    with files["unlabelled"].open(newline="", encoding="utf-8") as handle:
        identifiers = [row["Declaration ID"] for row in csv.DictReader(handle)]
    assert scored[0] == ["Declaration ID", "score"]
    assert [row[0] for row in scored[1:]] == identifiers
    assert all(0.0 <= float(row[1]) <= 1.0 for row in scored[1:])

    evaluated = _run(
        "evaluate", "--model", files["model"], "--input", files["labelled"], "--mapping", MAPPING
    )
    for text in ("1%", "2%", "5%", "10%", "precision", "recall", "AUC"):
        assert text in evaluated
    assert "dated" not in evaluated  # valid.csv is later than the history: no warning

    model, history = files["model"], files["first_half"]
    on_history = _run("evaluate", "--model", model, "--input", history, "--mapping", MAPPING)
    assert "dated" in on_history  # scores of the training period saw their own labels: a warning says so


def test_a_mapping_error_is_reported_with_its_code(files: dict[str, Path], tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(MAPPING.read_text(encoding="utf-8").replace('"HS6 Code"', '"HS Code"'))
    arguments = ["train", "--history", files["first_half"], "--mapping", wrong, "--out", tmp_path / "m"]
    result = runner.invoke(risk_app, [str(argument) for argument in arguments])
    assert result.exit_code == 2
    assert "risk.input_column_missing" in result.output
    assert "HS Code" in result.output
