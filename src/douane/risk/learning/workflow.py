"""The three use cases behind `douane risk train | score | evaluate`, on files."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from douane.kernel.errors import InvalidInput
from douane.risk.learning import features as ft
from douane.risk.learning import store, training
from douane.risk.learning.mapping import LABEL, RECOVERED, Mapping, read_declarations
from douane.risk.learning.metrics import TOP_SHARES, auc, top_share
from douane.risk.learning.scorer import Scorer

SCORE = "score"


def default_trainer() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def train(
    history: Sequence[Path],
    mapping: Mapping,
    out: Path,
    trainer: str,
    *,
    search: bool = True,
    progress: Callable[[training.Candidate], None] | None = None,
) -> dict[str, Any]:
    """Choose parameters and features by rolling-origin validation, refit on all history, save.

    Returns the metadata written."""
    rows = ft.prepare(read_declarations(history, mapping, with_label=True))
    grid = training.PARAM_GRID if search else training.PARAM_GRID[1:2]
    sets = tuple(training.FEATURE_SETS) if search else ("all",)
    candidates = training.search(rows, mapping, grid, sets, progress)
    best = candidates[0]
    model = training.fit(rows, mapping, best.params, training.FEATURE_SETS[best.feature_set])
    window_first, window_last = str(rows["date"].min()), str(rows["date"].max())
    mean = _mean_metrics(best)
    details = {
        # read by the model registry (douane.risk.models.service.register)
        "data_from": window_first,
        "data_to": window_last,
        "rows": rows.height,
        "metrics": mean,
        "score_distribution": score_distribution(training.predict_fitted(model, rows)),
        "trainer": trainer,
        "data_window": {
            "files": [path.name for path in history],
            "first_date": window_first,
            "last_date": window_last,
            "rows": rows.height,
            "offence_rate": round(float(rows[LABEL].cast(pl.Float64).mean() or 0.0), 4),  # type: ignore[arg-type]
        },
        "validation": {
            "scheme": "rolling origin: fit on months 1..k, measure on months k+1..k+3",
            "chosen": {"params": best.params, "feature_set": best.feature_set, "merit": round(best.merit, 4)},
            "folds": [fold.as_dict() for fold in best.folds],
            "mean": mean,
            "candidates": [
                {"params": c.params, "feature_set": c.feature_set, "merit": round(c.merit, 4)}
                for c in candidates
            ],
        },
        "parameters": model.params,
        "rounds": model.rounds,
    }
    return store.save(out, model.booster, model.spec, model.state, mapping, details, datetime.now(UTC))


def score_distribution(scores: np.ndarray, bins: int = 10) -> dict[str, list[float]]:
    """Share of training rows per score bin of equal width, the reference for monthly drift monitoring."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts, _ = np.histogram(scores, bins=edges)
    shares = counts / max(1, len(scores))
    return {
        "edges": [round(float(edge), 2) for edge in edges],
        "shares": [round(float(s), 6) for s in shares],
    }


def _mean_metrics(candidate: training.Candidate) -> dict[str, float]:
    names = candidate.folds[0].metrics if candidate.folds else {}
    return {name: round(float(np.mean([f.metrics[name] for f in candidate.folds])), 4) for name in names}


@dataclass(frozen=True)
class ScoreRun:
    rows: int
    within_training: int  # rows dated on or before the model's last training day: their scores saw own labels
    training_last_day: str


def score(model_dir: Path, input_path: Path, mapping: Mapping, out: Path) -> ScoreRun:
    """Write SCORES.csv: the input's identifier column under its input name, then `score`, in input order.

    Scores are written at full precision, so that ranking the file reproduces the model's ranking."""
    scorer = Scorer.load(model_dir)
    rows = read_declarations([input_path], mapping, with_label=False)
    scores = scorer.score_frame(rows)
    pl.DataFrame({mapping.identifier: rows["declaration_id"], SCORE: scores}).write_csv(out)
    last_day = scorer.model.state.last_day
    within = int((rows["date"] <= last_day).sum())
    return ScoreRun(rows.height, within, last_day.isoformat())


@dataclass(frozen=True)
class Evaluation:
    rows: int
    offences: int
    shares: list[tuple[float, int, float, float, float | None]]  # share, selected, precision, recall, duties
    auc: float
    within_training: int = 0  # rows dated on or before the model's last training day
    training_last_day: str = ""


def evaluate(model_dir: Path, input_path: Path, mapping: Mapping) -> Evaluation:
    scorer = Scorer.load(model_dir)
    rows = read_declarations([input_path], mapping, with_label=True)
    labels = rows[LABEL].to_numpy()
    if labels.sum() == 0:
        raise InvalidInput("risk.no_offences", "The file has no offence to measure the model against")
    scores = scorer.score_frame(rows.drop(LABEL))
    duties = rows[RECOVERED].fill_null(0.0).to_numpy() if RECOVERED in rows.columns else None
    shares = []
    for share in TOP_SHARES:
        result = top_share(labels, scores, share)
        captured = None if duties is None else duty_share(duties, scores, result.selected)
        shares.append((share, result.selected, result.precision, result.recall, captured))
    last_day = scorer.model.state.last_day
    within = int((rows["date"] <= last_day).sum())
    offences = int(labels.sum())
    return Evaluation(rows.height, offences, shares, auc(labels, scores), within, last_day.isoformat())


def duty_share(duties: np.ndarray, scores: np.ndarray, selected: int) -> float:
    """Share of all recovered duties found among the `selected` best-scored rows."""
    total = float(duties.sum())
    best = np.argsort(-scores, kind="stable")[:selected]
    return float(duties[best].sum()) / total if total > 0 else 0.0
