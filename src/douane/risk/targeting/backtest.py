"""How a rule would have performed over a history: evaluated in batch, then counted. No database here.

A history is a list of declarations, each with its rule fields (one mapping per goods item, see facts.py),
the channel it was sent to and what control recorded. The candidate rule and the active rules are evaluated
together in one Polars pass (rules/batch.py), a declaration hitting a rule when one of its items does and it
lies in the rule's scope (offices, regimes, dates).

Figures (`figures`):
- evaluated: declarations in the history; hits: those the rule hits; hit_rate = hits / evaluated.
- added_inspections: hits that were neither controlled nor sent to the yellow or red channel: the controls
  the rule would add.
- precision = hits controlled with a discrepancy / hits controlled (None when no hit was controlled).
- recall = hits with a discrepancy / declarations with a discrepancy (None when the history has none).
- overlap: for each active rule sharing hits, the number shared and their share of the rule's hits.
- by_month: the same counts per month of registration (YYYY-MM).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from douane.risk.rules import CompiledRule
from douane.risk.rules.batch import NUMBER, RuleBatch, items_frame
from douane.risk.targeting.facts import IndicatorBook
from douane.risk.targeting.model import ActiveRule
from douane.risk.targeting.schema import DECLARATION_SCHEMA

INSPECTING_CHANNELS = frozenset({"yellow", "red"})
KEY = "__declaration"
CANDIDATE = "__candidate"
RATE_DIGITS = 4


@dataclass(frozen=True)
class Scope:
    offices: frozenset[str] = frozenset()
    regimes: frozenset[str] = frozenset()
    valid_from: date | None = None
    valid_to: date | None = None

    @classmethod
    def of(cls, rule: ActiveRule) -> Scope:
        return cls(rule.offices, rule.regimes, rule.valid_from, rule.valid_to)

    def covers(self, office: str, regime: str, on: date) -> bool:
        return (
            (not self.offices or office in self.offices)
            and (not self.regimes or regime in self.regimes)
            and (self.valid_from is None or self.valid_from <= on)
            and (self.valid_to is None or on <= self.valid_to)
        )


@dataclass(frozen=True)
class Candidate:
    """The rule version being tested."""

    compiled: CompiledRule
    scope: Scope = Scope()


@dataclass(frozen=True)
class HistoryDeclaration:
    key: Hashable
    office: str
    regime: str
    registered_on: date
    channel: str | None
    controlled: bool
    discrepancy: bool
    items: Sequence[Mapping[str, Any]] = field(default_factory=tuple)

    @property
    def month(self) -> str:
        return self.registered_on.strftime("%Y-%m")

    @property
    def already_inspected(self) -> bool:
        return self.controlled or self.channel in INSPECTING_CHANNELS


@dataclass(frozen=True)
class Hits:
    candidate: frozenset[Hashable]
    active: Mapping[str, frozenset[Hashable]]  # by rule code


class IndicatorsByDate:
    """indicator(hs6, origin) as of each item's lodging date, for both evaluation back-ends."""

    def __init__(self, book: IndicatorBook, default_date: date | None = None) -> None:
        self.book = book
        self.default_date = default_date

    def __call__(self, *arguments: Any) -> Any:
        # Only the closure fallback calls this, without the item's date: the latest date of the history.
        hs6, origin = arguments
        if self.default_date is None:
            return None
        return self.book.in_force(hs6, origin, self.default_date)

    def column(self, *arguments: pl.Expr) -> pl.Expr:
        hs6, origin = arguments
        row = pl.struct(hs6.alias("hs6"), origin.alias("origin"), pl.col("lodged_on").alias("on"))
        return row.map_elements(self._lookup, return_dtype=NUMBER)

    def _lookup(self, arguments: Mapping[str, Any]) -> Any:
        if arguments["hs6"] is None or arguments["on"] is None:
            return None
        return self.book.in_force(arguments["hs6"], arguments["origin"], arguments["on"])


def evaluate(
    history: Sequence[HistoryDeclaration],
    candidate: Candidate,
    active: Sequence[ActiveRule],
    indicators: IndicatorBook,
) -> Hits:
    """Which declarations the candidate and each active rule hit, within their scopes."""
    if not history:
        return Hits(frozenset(), {rule.code: frozenset() for rule in active})
    compiled = {CANDIDATE: candidate.compiled, **{rule.code: rule.compiled for rule in active}}
    scopes = {CANDIDATE: candidate.scope, **{rule.code: Scope.of(rule) for rule in active}}
    latest = max(declaration.registered_on for declaration in history)
    batch = RuleBatch.compile(
        compiled, DECLARATION_SCHEMA, {"indicator": IndicatorsByDate(indicators, latest)}
    )
    rows = [
        {**item, KEY: str(index)} for index, declaration in enumerate(history) for item in declaration.items
    ]
    if not rows:
        return Hits(frozenset(), {rule.code: frozenset() for rule in active})
    matrix = batch.declaration_hits(items_frame(rows, DECLARATION_SCHEMA, {KEY: pl.String()}), KEY)
    hit: dict[str, set[Hashable]] = {rule_id: set() for rule_id in compiled}
    for index, rule_ids in zip(matrix.declarations, matrix.hit_lists(), strict=True):
        declaration = history[int(str(index))]
        for rule_id in rule_ids:
            if scopes[rule_id].covers(declaration.office, declaration.regime, declaration.registered_on):
                hit[rule_id].add(declaration.key)
    return Hits(frozenset(hit.pop(CANDIDATE)), {code: frozenset(keys) for code, keys in hit.items()})


def figures(history: Sequence[HistoryDeclaration], hits: Hits) -> dict[str, Any]:
    """The backtest figures (see the module's docstring), ready to store as JSON."""
    result = _counts(history, hits.candidate)
    result["overlap"] = _overlap(hits)
    months: dict[str, list[HistoryDeclaration]] = defaultdict(list)
    for declaration in history:
        months[declaration.month].append(declaration)
    result["by_month"] = [
        {"month": month, **_counts(declarations, hits.candidate)}
        for month, declarations in sorted(months.items())
    ]
    return result


def _counts(history: Sequence[HistoryDeclaration], candidate: frozenset[Hashable]) -> dict[str, Any]:
    hit = [declaration for declaration in history if declaration.key in candidate]
    controlled = [declaration for declaration in hit if declaration.controlled]
    found = sum(1 for declaration in controlled if declaration.discrepancy)
    all_found = sum(1 for declaration in history if declaration.discrepancy)
    return {
        "evaluated": len(history),
        "hits": len(hit),
        "hit_rate": _rate(len(hit), len(history)),
        "added_inspections": sum(1 for declaration in hit if not declaration.already_inspected),
        "hits_controlled": len(controlled),
        "hits_with_discrepancy": found,
        "precision": _rate(found, len(controlled)),
        "discrepancies": all_found,
        "recall": _rate(sum(1 for declaration in hit if declaration.discrepancy), all_found),
    }


def _overlap(hits: Hits) -> list[dict[str, Any]]:
    shared = [
        {"rule": code, "shared_hits": len(hits.candidate & keys), "rule_hits": len(keys),
         "share_of_candidate": _rate(len(hits.candidate & keys), len(hits.candidate))}
        for code, keys in hits.active.items()
        if hits.candidate & keys
    ]  # fmt: skip
    return sorted(shared, key=lambda entry: (-entry["shared_hits"], entry["rule"]))


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, RATE_DIGITS) if denominator else None
