"""Monitoring figures, pure: precision of selections per channel, source and rule, and score drift (PSI).

A selection's precision is the share of its controlled declarations where the control found a discrepancy.
Drift is the population stability index of this month's model scores against a reference distribution
(the training scores when the model's metadata carries them, else the previous month), over the same bins:
sum((actual - expected) * ln(actual / expected)). Below 0.1 the population is stable; above 0.25 it moved.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

DISCREPANCY = "discrepancy"
SCORE_BINS = tuple(i / 10 for i in range(11))  # ten equal bins over [0, 1]
_FLOOR = 1e-4  # an empty bin counts as this share, so the logarithm stays finite


@dataclass(frozen=True)
class Selection:
    """One decided declaration as monitoring reads it."""

    declaration_id: int
    channel: str
    source: str
    outcome: str | None  # no_discrepancy, discrepancy; None when not (yet) controlled
    rule_codes: tuple[str, ...] = ()
    score: float | None = None
    exploration: bool = False


@dataclass
class Tally:
    decided: int = 0
    controlled: int = 0
    discrepancies: int = 0

    def add(self, selection: Selection) -> None:
        self.decided += 1
        if selection.outcome is not None:
            self.controlled += 1
            self.discrepancies += selection.outcome == DISCREPANCY

    @property
    def precision(self) -> float | None:
        return None if self.controlled == 0 else round(self.discrepancies / self.controlled, 4)

    def as_dict(self) -> dict[str, Any]:
        return {
            "decided": self.decided, "controlled": self.controlled, "discrepancies": self.discrepancies,
            "precision": self.precision,
        }  # fmt: skip


@dataclass
class Figures:
    total: Tally = field(default_factory=Tally)
    by_channel: dict[str, Tally] = field(default_factory=dict)
    by_source: dict[str, Tally] = field(default_factory=dict)
    by_rule: dict[str, Tally] = field(default_factory=dict)
    exploration: Tally = field(default_factory=Tally)


def tally(selections: Iterable[Selection]) -> Figures:
    figures = Figures()
    for selection in selections:
        figures.total.add(selection)
        figures.by_channel.setdefault(selection.channel, Tally()).add(selection)
        figures.by_source.setdefault(source_name(selection.source), Tally()).add(selection)
        for code in selection.rule_codes:
            figures.by_rule.setdefault(code, Tally()).add(selection)
        if selection.exploration:
            figures.exploration.add(selection)
    return figures


def source_name(source: str) -> str:
    return "shares" if source == "default-shares" else source


def histogram(scores: Sequence[float], edges: Sequence[float] = SCORE_BINS) -> list[float]:
    """Shares of the scores in each bin [edges[i], edges[i+1]) (the last bin includes its upper edge)."""
    counts = [0] * (len(edges) - 1)
    for score in scores:
        counts[_bin(score, edges)] += 1
    total = len(scores)
    return [count / total if total else 0.0 for count in counts]


def _bin(score: float, edges: Sequence[float]) -> int:
    for index in range(len(edges) - 2, -1, -1):
        if score >= edges[index]:
            return index
    return 0


def psi(actual: Sequence[float], expected: Sequence[float]) -> float:
    """Population stability index between two distributions given as shares over the same bins."""
    if len(actual) != len(expected):
        raise ValueError("both distributions need the same bins")
    total = 0.0
    for a, e in zip(actual, expected, strict=True):
        a, e = max(a, _FLOOR), max(e, _FLOOR)
        total += (a - e) * math.log(a / e)
    return round(total, 4)


def drift_verdict(value: float | None) -> str:
    if value is None:
        return "unknown"
    if value < 0.1:
        return "stable"
    return "moderate" if value < 0.25 else "shifted"
