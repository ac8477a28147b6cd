"""Training: LightGBM on labelled history, chosen by rolling-origin validation, refit on all history.

One procedure, `fit`, is used for every validation fold and for the final model, so the figures measured in
validation describe the model that is shipped:

1. the rows before the last month of the window are the training rows (history features computed fresh);
2. the last month is the early-stopping slice, its features frozen as of the day before it starts;
3. the booster is refit on the whole window with the number of rounds found in 2.

A fold fits on months 1..k and is measured on months k+1..k+3, whose features are frozen as of the end of
month k: exactly how a saved model scores a later export.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl

from douane.kernel.errors import InvalidInput
from douane.risk.learning import features as ft
from douane.risk.learning.mapping import LABEL, RECOVERED, Mapping
from douane.risk.learning.metrics import summary

BASE_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_child_samples": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_cat_to_onehot": 8,
    "cat_smooth": 20,
    "verbosity": -1,
    "num_threads": 1,
    "seed": 7,
    "deterministic": True,
}
MAX_ROUNDS = 1000
EARLY_STOP = 100
MIN_ROUNDS = 50

PARAM_GRID: list[dict[str, Any]] = [
    {"num_leaves": 15, "min_child_samples": 40},
    {"num_leaves": 31, "min_child_samples": 40},
    {"num_leaves": 63, "min_child_samples": 20},
]
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "all": (),
    "no_days_known": tuple(f"{role}_days_known" for role in ft.KNOWN_SINCE),
}
"""Each feature set names the features it leaves out."""


@dataclass
class FittedModel:
    booster: lgb.Booster
    spec: ft.FeatureSpec
    state: ft.HistoryState
    rounds: int
    params: dict[str, Any]


@dataclass
class Fold:
    fit_first: date
    fit_last: date
    check_first: date
    check_last: date
    rows_fit: int
    rows_check: int
    rounds: int
    metrics: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "fit": [self.fit_first.isoformat(), self.fit_last.isoformat(), self.rows_fit],
            "check": [self.check_first.isoformat(), self.check_last.isoformat(), self.rows_check],
            "rounds": self.rounds,
            **self.metrics,
        }


@dataclass
class Candidate:
    params: dict[str, Any]
    feature_set: str
    folds: list[Fold] = field(default_factory=list)

    @property
    def merit(self) -> float:
        """Mean precision in the top 5 % and 10 % over the folds: what an inspection campaign gets."""
        figures = [fold.metrics["precision_top5"] + fold.metrics["precision_top10"] for fold in self.folds]
        return float(np.mean(figures)) / 2 if figures else 0.0


def months(rows: pl.DataFrame) -> list[date]:
    """First days of the calendar months present, in order."""
    firsts = rows.select(pl.col("date").dt.truncate("1mo").unique().sort()).to_series()
    return list(firsts.to_list())


def fit(
    rows: pl.DataFrame, mapping: Mapping, params: dict[str, Any], exclude: Sequence[str] = ()
) -> FittedModel:
    """Fit on `rows` (prepared, labelled): early stopping on its last month, then refit on all of it."""
    month_starts = months(rows)
    if len(month_starts) < 2:
        raise InvalidInput("risk.history_too_short", "Training needs at least two months of labelled history")
    last_month = month_starts[-1]
    before = rows.filter(pl.col("date") < last_month)
    stop_slice = rows.filter(pl.col("date") >= last_month)
    early = _train(before, stop_slice, mapping, params, exclude, rounds=None)
    final = _train(rows, None, mapping, params, exclude, rounds=max(MIN_ROUNDS, early.rounds))
    return final


def _train(
    rows: pl.DataFrame,
    stop_slice: pl.DataFrame | None,
    mapping: Mapping,
    params: dict[str, Any],
    exclude: Sequence[str],
    rounds: int | None,
) -> FittedModel:
    state = ft.HistoryState.from_history(rows)
    featured = ft.history_features(rows, state, fresh=True)
    spec = ft.build_spec(featured, mapping, exclude)
    train_set = lgb.Dataset(
        ft.matrix(featured, spec), label=featured[LABEL].to_numpy(), weight=duty_weights(featured),
        feature_name=spec.names, categorical_feature=list(spec.categorical), free_raw_data=False,
    )  # fmt: skip
    merged = {**BASE_PARAMS, **params}
    if stop_slice is None:
        booster = lgb.train(merged, train_set, num_boost_round=rounds or MIN_ROUNDS)
        return FittedModel(booster, spec, state, booster.current_iteration(), merged)
    stop_featured = ft.history_features(stop_slice, state, fresh=False)
    stop_set = lgb.Dataset(
        ft.matrix(stop_featured, spec), label=stop_featured[LABEL].to_numpy(), reference=train_set
    )
    booster = lgb.train(
        merged, train_set, num_boost_round=MAX_ROUNDS, valid_sets=[stop_set],
        callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False)],
    )  # fmt: skip
    return FittedModel(booster, spec, state, booster.best_iteration or MAX_ROUNDS, merged)


def duty_weights(rows: pl.DataFrame) -> np.ndarray | None:
    """Row weights from the duties recovered, when the history has them: an offence that recovered the
    median amount weighs 1 + log 2, ten times the median 1 + log 11; clean rows and unknown amounts weigh 1.
    The log keeps a few very large cases from deciding the model alone."""
    if RECOVERED not in rows.columns:
        return None
    recovered = rows[RECOVERED].fill_null(0.0).clip(lower_bound=0.0).to_numpy()
    offences = (rows[LABEL].to_numpy() == 1) & (recovered > 0)
    if not offences.any():
        return None
    scale = float(np.median(recovered[offences]))
    return np.where(offences, 1.0 + np.log1p(recovered / scale), 1.0)


def predict(model: FittedModel, rows: pl.DataFrame) -> np.ndarray:
    featured = ft.history_features(rows, model.state, fresh=False)
    return np.asarray(model.booster.predict(ft.matrix(featured, model.spec)))


def predict_fitted(model: FittedModel, rows: pl.DataFrame) -> np.ndarray:
    """Scores of the rows the model was fitted on, with the features it was fitted with (fresh)."""
    featured = ft.history_features(rows, model.state, fresh=True)
    return np.asarray(model.booster.predict(ft.matrix(featured, model.spec)))


def rolling_folds(
    rows: pl.DataFrame, first_fit_months: int = 6, check_months: int = 3
) -> list[tuple[date, date]]:
    """(cut, end) pairs: fit on rows before `cut`, check on rows from `cut` to before `end`."""
    month_starts = months(rows)
    last = rows["date"].max()
    assert isinstance(last, date)
    folds = []
    for k in range(first_fit_months, len(month_starts), check_months):
        cut = month_starts[k]
        end = month_starts[k + check_months] if k + check_months < len(month_starts) else date.max
        folds.append((cut, end))
    return folds


def evaluate_candidate(
    rows: pl.DataFrame, mapping: Mapping, candidate: Candidate, folds: list[tuple[date, date]]
) -> Candidate:
    exclude = FEATURE_SETS[candidate.feature_set]
    for cut, end in folds:
        fit_rows = rows.filter(pl.col("date") < cut)
        check = rows.filter((pl.col("date") >= cut) & (pl.col("date") < end))
        model = fit(_reindexed(fit_rows), mapping, candidate.params, exclude)
        scores = predict(model, _reindexed(check))
        candidate.folds.append(
            Fold(
                fit_first=_day(fit_rows["date"].min()),
                fit_last=_day(fit_rows["date"].max()),
                check_first=_day(check["date"].min()),
                check_last=_day(check["date"].max()),
                rows_fit=fit_rows.height,
                rows_check=check.height,
                rounds=model.rounds,
                metrics=summary(check[LABEL].to_numpy(), scores),
            )
        )
    return candidate


def _day(value: object) -> date:
    assert isinstance(value, date)
    return value


def _reindexed(rows: pl.DataFrame) -> pl.DataFrame:
    """Row numbers from 0 again after a filter, as the feature code indexes arrays by them."""
    return rows.drop(ft.ROW).with_row_index(ft.ROW)


def search(
    rows: pl.DataFrame,
    mapping: Mapping,
    grid: Sequence[dict[str, Any]] = PARAM_GRID,
    feature_sets: Sequence[str] = tuple(FEATURE_SETS),
    progress: Callable[[Candidate], None] | None = None,
) -> list[Candidate]:
    """Every parameter set with every feature set, measured on the same rolling folds, best first."""
    folds = rolling_folds(rows)
    if not folds:
        folds = rolling_folds(rows, first_fit_months=max(2, len(months(rows)) - 1), check_months=1)
    candidates = []
    for params, feature_set in itertools.product(grid, feature_sets):
        candidate = evaluate_candidate(rows, mapping, Candidate(dict(params), feature_set), folds)
        candidates.append(candidate)
        if progress is not None:
            progress(candidate)
    return sorted(candidates, key=lambda candidate: candidate.merit, reverse=True)
