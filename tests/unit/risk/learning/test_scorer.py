"""A trained model directory scores one item as the batch does, fast path and explanations included."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from douane.kernel.errors import InvalidInput
from douane.risk.learning import Scorer, features, workflow
from douane.risk.learning.mapping import load_mapping, read_declarations
from douane.risk.learning.metrics import auc, top_share
from tests.unit.risk.learning import synthetic


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    directory = tmp_path_factory.mktemp("model")
    mapping_path = synthetic.mapping_file(directory)
    history = synthetic.write(directory / "history.csv", synthetic.rows(2500))
    later = synthetic.rows(300, start=date(2023, 9, 1), days=60, seed=4)
    later_csv = synthetic.write(directory / "later.csv", later, drop=("Offence", "Serious"))
    workflow.train([history], load_mapping(mapping_path), directory / "m", "tester", search=False)
    return directory / "m", later_csv, mapping_path


def _items(path: Path, mapping_path: Path) -> list[dict[str, object]]:
    mapping = load_mapping(mapping_path)
    roles = {column: role for role, column in mapping.columns.items()}
    raw = pl.read_csv(path, infer_schema=False)
    return [
        {roles.get(name, name): value for name, value in row.items()} for row in raw.iter_rows(named=True)
    ]


def test_the_model_directory_says_what_the_registry_reads(trained: tuple[Path, Path, Path]) -> None:
    metadata = json.loads((trained[0] / "metadata.json").read_text())
    assert metadata["trainer"] == "tester"
    assert metadata["version"] == metadata["model_version"]
    assert metadata["rows"] == 2500
    assert metadata["data_from"] <= metadata["data_to"]
    assert metadata["validation"]["folds"]
    assert set(metadata["metrics"]) >= {"precision_top5", "precision_top10", "auc"}
    assert len(metadata["score_distribution"]["edges"]) == len(metadata["score_distribution"]["shares"]) + 1
    assert {"lightgbm", "polars"} <= set(metadata["libraries"])
    assert (trained[0] / "model.txt").exists()
    assert list((trained[0] / "history").glob("rates.importer.parquet"))


def test_one_item_scores_as_in_a_batch(trained: tuple[Path, Path, Path]) -> None:
    model_dir, later_csv, mapping_path = trained
    scorer = Scorer.load(model_dir)
    rows = read_declarations([later_csv], load_mapping(mapping_path), with_label=False)
    batch = scorer.score_frame(rows)
    alone = [float(scorer.score_frame(rows[index : index + 1])[0]) for index in range(40)]
    one_by_one = [scorer.score_one(item).score for item in _items(later_csv, mapping_path)[:40]]
    assert np.allclose(one_by_one, alone, atol=1e-9)
    assert 0.0 < batch.min() <= batch.max() < 1.0


def test_the_score_is_explained_by_its_top_features(trained: tuple[Path, Path, Path]) -> None:
    model_dir, later_csv, mapping_path = trained
    scorer = Scorer.load(model_dir)
    item = _items(later_csv, mapping_path)[0]
    scored = scorer.score_one(item, top=3)
    assert len(scored.top_features) == 3
    assert all(name in scorer.names for name, _effect in scored.top_features)
    effects = [abs(effect) for _name, effect in scored.top_features]
    assert effects == sorted(effects, reverse=True)
    exact = scorer.explain(read_declarations([later_csv], load_mapping(mapping_path), with_label=False)[:1])
    assert exact[0].score == pytest.approx(scored.score, abs=1e-9)
    assert len(exact[0].contributions) == 5


def test_an_item_without_a_date_is_scored_today_and_numbers_may_stand_for_codes(
    trained: tuple[Path, Path, Path],
) -> None:
    scorer = Scorer.load(trained[0])
    item = {"importer": "I3", "hs6": 851712, "origin": "CN", "net_mass": 12.5, "price": 30.0, "office": 10}
    assert 0.0 < scorer.score_one(item).score < 1.0
    assert (
        scorer.vector(item)[scorer.names.index("office")]
        == scorer.vector({**item, "office": "10"})[scorer.names.index("office")]
    )


def test_a_repeat_of_an_earlier_consignment_finds_its_history(trained: tuple[Path, Path, Path]) -> None:
    model_dir, _later, mapping_path = trained
    scorer = Scorer.load(model_dir)
    earlier = _items(model_dir.parent / "history.csv", mapping_path)[0]
    repeat = {**earlier, "date": "2024-01-05", "importer": "someone new"}
    assert scorer.vector(repeat)[scorer.names.index("consignment_n")] == 1
    assert scorer.vector({**repeat, "price": "1.5"})[scorer.names.index("consignment_n")] == 0


@pytest.mark.parametrize(
    "item",
    [
        {},
        {"date": datetime(2023, 9, 2, 23, 30, tzinfo=UTC), "hs6": "85x", "net_mass": "heavy", "price": -3},
        {"date": "not a day", "tax_rate": "eight", "office": 3.5, "Kind": 7, "importer": None},
    ],
)
def test_odd_values_are_scored_as_unknown_never_refused(
    trained: tuple[Path, Path, Path], item: dict[str, object]
) -> None:
    assert 0.0 < Scorer.load(trained[0]).score_one(item).score < 1.0


def test_the_expanding_value_indicator_uses_earlier_days_only() -> None:
    rows = features.prepare(
        pl.DataFrame(
            {
                "hs6": ["851712"] * 4,
                "date": [date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)],
                "price": [1.0, 3.0, 5.0, 7.0],
                "net_mass": [1.0] * 4,
                "label": [0, 0, 0, 0],
            }
        )
    ).with_columns(pl.col("label").cast(pl.Int8))
    featured = features.history_features(rows, features.HistoryState.from_history(rows), fresh=True)
    indicator = np.exp(featured[features.UNIT] - featured["value_ratio_hs6"]).to_list()
    assert indicator[:2] == [None, None] or all(value != value for value in indicator[:2])
    assert indicator[2:] == pytest.approx([3**0.5, 3.0])  # medians of log prices: of 1 and 3, of 1, 3 and 5


def test_evaluation_reports_the_share_of_duties_found_when_the_file_has_them(
    trained: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    model_dir, _later, _mapping = trained
    with_duties = synthetic.mapping_file(tmp_path, synthetic.MAPPING.replace(
        'column = "Offence"', 'column = "Offence"\nrecovered_duties = "Duties"'
    ))  # fmt: skip
    labelled = synthetic.write(tmp_path / "labelled.csv", synthetic.rows(300, start=date(2023, 9, 1), seed=5))
    result = workflow.evaluate(model_dir, labelled, load_mapping(with_duties))
    assert [share for share, *_rest in result.shares] == [0.01, 0.02, 0.05, 0.10]
    duties = [row[4] for row in result.shares]
    assert all(value is not None for value in duties)
    assert duties == sorted(duties)  # type: ignore[type-var]
    assert 0.5 < result.auc <= 1.0


def test_a_field_the_model_reads_must_be_given(trained: tuple[Path, Path, Path], tmp_path: Path) -> None:
    model_dir, later_csv, _mapping = trained
    without_seller = synthetic.mapping_file(tmp_path, synthetic.MAPPING.replace('seller = "Seller"\n', ""))
    with pytest.raises(InvalidInput) as error:
        workflow.score(model_dir, later_csv, load_mapping(without_seller), tmp_path / "scores.csv")
    assert error.value.code == "risk.input_field_missing"
    assert error.value.params["field"] == "seller"


def test_precision_recall_and_auc_on_a_known_ranking() -> None:
    labels = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    assert top_share(labels, scores, 0.2).precision == 1.0
    best_four = top_share(labels, scores, 0.4)
    assert (best_four.precision, best_four.recall) == (0.75, 1.0)
    assert auc(labels, scores) == pytest.approx(20 / 21)


def test_a_declaration_is_scored_by_its_riskiest_item_in_one_pass(trained: tuple[Path, Path, Path]) -> None:
    model_dir, later_csv, mapping_path = trained
    scorer = Scorer.load(model_dir)
    items = _items(later_csv, mapping_path)[:12]
    one_by_one = [scorer.score_one(item) for item in items]
    index, riskiest = scorer.score_riskiest(items)
    assert riskiest.score == pytest.approx(max(s.score for s in one_by_one), abs=1e-9)
    assert one_by_one[index].score == pytest.approx(riskiest.score, abs=1e-9)
    assert riskiest.top_features == one_by_one[index].top_features
    assert scorer.score_riskiest(items[:1])[1].score == pytest.approx(one_by_one[0].score, abs=1e-9)
