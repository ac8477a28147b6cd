"""Training chooses its setting on time-ordered folds: fit on the earlier months, measure on the next ones."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from douane.kernel.errors import InvalidInput
from douane.risk.learning import features, training
from douane.risk.learning.mapping import Mapping, load_mapping, read_declarations
from tests.unit.risk.learning import synthetic


def _rows(tmp_path: Path, count: int, days: int) -> tuple[pl.DataFrame, Mapping]:
    mapping = load_mapping(synthetic.mapping_file(tmp_path))
    csv = synthetic.write(tmp_path / "h.csv", synthetic.rows(count, days=days))
    return features.prepare(read_declarations([csv], mapping, with_label=True)), mapping


def test_folds_measure_months_after_the_ones_fitted() -> None:
    days = pl.date_range(date(2020, 1, 1), date(2020, 12, 31), eager=True)
    rows = pl.DataFrame({"date": days})
    july, october = date(2020, 7, 1), date(2020, 10, 1)
    assert training.rolling_folds(rows) == [(july, october), (october, date.max)]


def test_the_search_ranks_every_setting_on_the_same_folds(tmp_path: Path) -> None:
    rows, mapping = _rows(tmp_path, 1500, 240)
    grid = [{"num_leaves": 7, "min_child_samples": 20}]
    candidates = training.search(rows, mapping, grid, ("all", "no_days_known"))
    assert [len(candidate.folds) for candidate in candidates] == [1, 1]
    assert candidates[0].merit >= candidates[1].merit
    fold = candidates[0].folds[0]
    assert fold.fit_last < fold.check_first
    assert fold.metrics["precision_top10"] > 0.5


def test_offences_that_recovered_more_duties_weigh_more() -> None:
    duties = [100.0, 100.0, 1000.0, None, 0.0, 0.0]  # the median offence recovered 100
    rows = pl.DataFrame({"label": [1, 1, 1, 1, 0, 1], "recovered_duties": duties})
    weights = training.duty_weights(rows)
    assert weights is not None
    median, tenfold = 1 + math.log(2), 1 + math.log(11)
    assert weights.tolist() == pytest.approx([median, median, tenfold, 1.0, 1.0, 1.0])
    assert training.duty_weights(rows.drop("recovered_duties")) is None


def test_one_month_of_history_is_not_enough(tmp_path: Path) -> None:
    rows, mapping = _rows(tmp_path, 200, 20)
    with pytest.raises(InvalidInput) as error:
        training.fit(rows, mapping, {})
    assert error.value.code == "risk.history_too_short"
