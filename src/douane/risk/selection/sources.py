"""The engine's real collaborators: the active targeting rules and the active model.

A model directory that cannot be loaded (or a process without the learning package) does not stop lodging:
the engine then decides without a model score, as if no model were active.
"""

from __future__ import annotations

import importlib
import logging
import math
import threading
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from douane.declarations.ports import ItemFacts, SelectivityRequest
from douane.kernel.clock import local_date
from douane.risk.models import service as registry
from douane.risk.rules.ruleset import RuleSet
from douane.risk.selection.policy import ModelScore, RuleHit
from douane.risk.targeting import facts
from douane.risk.targeting import rules as targeting
from douane.risk.targeting.model import ActiveRule
from douane.risk.targeting.schema import HEADER_FIELDS

log = logging.getLogger(__name__)
_scorers: dict[str, Any] = {}
_scorers_lock = threading.Lock()


class ActiveTargetingRules:
    """The active rules in scope that a declaration hits, evaluated together by one rule set.

    The rule set is compiled once per set of active rules (the rules service shares that tuple between
    units of work until a rule changes); the declaration's context (operator history, indicators) is read
    only when at least one active rule is in scope, and only the facts the rules read are built.
    """

    def __init__(self) -> None:
        self._compiled: tuple[tuple[ActiveRule, ...], RuleSet, facts.Reads] | None = None
        self._lock = threading.Lock()

    def hits(self, session: Session, request: SelectivityRequest) -> Sequence[RuleHit]:
        every = targeting.all_active_rules(session)
        on = local_date(request.registered_at)
        in_scope = {
            rule.code: rule for rule in every if rule.applies(request.office_code, request.regime, on)
        }
        if not in_scope:
            return ()
        rule_set, reads = self._rule_set(every)
        context = facts.load_context(session, request, reads)
        codes = rule_set.hits(facts.item_fields(request, context, reads.fields), facts.functions(context))
        return tuple(_hit(in_scope[code]) for code in codes if code in in_scope)

    def _rule_set(self, every: tuple[ActiveRule, ...]) -> tuple[RuleSet, facts.Reads]:
        with self._lock:
            if self._compiled is None or self._compiled[0] is not every:
                rules = {rule.code: rule.compiled for rule in every}
                rule_set = RuleSet.compile(rules, header_fields=HEADER_FIELDS)
                reads = facts.Reads(rule_set.fields_used, rule_set.functions_used)
                self._compiled = (every, rule_set, reads)
            return self._compiled[1], self._compiled[2]


def _hit(rule: ActiveRule) -> RuleHit:
    return RuleHit(
        rule_id=rule.rule_id, code=rule.code, version=rule.version, name=rule.name, action=rule.action.value,
        priority=rule.priority, points=rule.score_increase or 0,
    )  # fmt: skip


_targeting_rules = ActiveTargetingRules()


def targeting_rules() -> ActiveTargetingRules:
    return _targeting_rules


class ActiveModelScore:
    """Scores a declaration with the registry's active model: each item scored, the riskiest item counts."""

    def score(self, session: Session, request: SelectivityRequest) -> ModelScore | None:
        active = registry.active_model(session)
        if active is None:
            return None
        scorer = _scorer(active.location)
        if scorer is None or not request.items:
            return None
        _, riskiest = scorer.score_riskiest([model_fields(request, item) for item in request.items])
        score, features = _as_score(riskiest)
        if not math.isfinite(score):  # a broken model: decided without it, as when it cannot be loaded
            log.warning("The active risk model %s scored a declaration %s: no score", active.version, score)
            return None
        return ModelScore(active.version, score, features)


def active_model() -> ActiveModelScore:
    return ActiveModelScore()


def _scorer(location: str) -> Any:
    """The loaded scorer of a model directory, kept per process once loaded; None when it cannot be loaded
    (tried again at a later lodging, so a repaired directory is picked up without a restart)."""
    with _scorers_lock:
        if location not in _scorers:
            scorer = _load_scorer(Path(location))
            if scorer is None:
                return None
            _scorers[location] = scorer
        return _scorers[location]


def _load_scorer(model_dir: Path) -> Any:
    try:
        learning = importlib.import_module("douane.risk.learning")
        return learning.Scorer.load(model_dir)
    except Exception:  # a broken model must not stop lodging; the engine then decides without a score
        log.exception("The active risk model in %s cannot be loaded: lodging goes without a score", model_dir)
        return None


def _as_score(result: Any) -> tuple[float, tuple[tuple[str, float], ...]]:
    """(score, top features) from the scorer's answer: a pair, or an object with score and top_features."""
    if isinstance(result, tuple):
        score, features = result
    else:
        score, features = result.score, getattr(result, "top_features", ())
    pairs = features.items() if isinstance(features, dict) else features
    return float(score), tuple((str(name), round(float(value), 4)) for name, value in pairs)


def model_fields(request: SelectivityRequest, item: ItemFacts) -> dict[str, Any]:
    """One goods item under the roles of the learning mapping (see douane.risk.learning.mapping)."""
    return {
        "declaration_id": str(request.declaration_id),
        "date": local_date(request.registered_at),
        "office": request.office_code,
        "declarant": "" if request.broker_id is None else str(request.broker_id),
        "importer": request.operator_nif,
        "hs6": item.line_code[:6],
        "origin": item.origin_country,
        "departure": request.dispatch_country or "",
        "transport_mode": request.transport_mode or "",
        "regime": request.regime,
        "net_mass": float(item.net_mass_kg),
        "price": _dinars(item),
        "quantity": None if item.supplementary_quantity is None else float(item.supplementary_quantity),
        # the extras of the labelled-history export (douane.risk.selection.feedback), under their column names
        "invoice_currency": request.invoice_currency,
        "invoice_amount": None if item.invoice_amount is None else float(item.invoice_amount),
    }


def _dinars(item: ItemFacts) -> float | None:
    value = item.customs_value_dzd
    return None if value is None else float(Decimal(value.amount))
