"""How well a score ranks declarations: precision and recall among the top-scored share, and AUC."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

TOP_SHARES = (0.01, 0.02, 0.05, 0.10)


@dataclass(frozen=True)
class TopShare:
    share: float
    selected: int
    precision: float
    recall: float


def top_share(labels: np.ndarray, scores: np.ndarray, share: float) -> TopShare:
    """The best `share` of rows by score (ties broken by row order), as an inspection campaign would pick."""
    selected = max(1, math.ceil(share * len(scores)))
    order = np.argsort(-scores, kind="stable")[:selected]
    hits = float(labels[order].sum())
    positives = float(labels.sum())
    return TopShare(share, selected, hits / selected, hits / positives if positives else 0.0)


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Probability that a random offence scores above a random clean row (ties count half)."""
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = pl.Series(scores).rank("average").to_numpy()
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def summary(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    figures: dict[str, float] = {}
    for share in TOP_SHARES:
        result = top_share(labels, scores, share)
        percent = round(share * 100)
        figures[f"precision_top{percent}"] = round(result.precision, 4)
        figures[f"recall_top{percent}"] = round(result.recall, 4)
    figures["auc"] = round(auc(labels, scores), 4)
    return figures
