"""`RiskSelectivity`: the declarations' SelectivityPort with notices, targeting rules, the model and capacity.

It runs inside the lodging transaction, so it reads through the shared read cache (office settings, shares,
live notices, the active model) and counts the day's use of capacity only when a score targets a declaration.
Each decision is stored twice: the channel decision (as the default selectivity stores it, with the shares
draw) and the risk evaluation (rule hits, notices, model score and explanation, exploration), which officers
read and declarants never do. Without rules, notices, model or capacity it decides as `DefaultSelectivity`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

from douane.db import insert_later
from douane.declarations.ports import ChannelDecision, SelectivityRequest
from douane.kernel.clock import Clock, local_date
from douane.risk import service as shares_service
from douane.risk.model import DRAW_SCALE, ChannelDraw, RandomSource, draw_channel
from douane.risk.notices import service as notices
from douane.risk.notices.model import LiveNotice
from douane.risk.selection import capacity, sources
from douane.risk.selection.policy import (
    NOTICE,
    ForcedChannel,
    ModelScore,
    OfficeSettings,
    RuleHit,
    Signals,
    Verdict,
    decide,
    rule_channels,
    shares_reason,
)
from douane.risk.service import SharesInForce
from douane.risk.tables import RiskEvaluationRow, SelectivityDecisionRow


class RuleSource(Protocol):
    """The active targeting rules a declaration hits (in scope: office, regime, dates)."""

    def hits(self, session: Session, request: SelectivityRequest) -> Sequence[RuleHit]: ...


class ModelSource(Protocol):
    """The active model's score of a declaration, or None without an active model."""

    def score(self, session: Session, request: SelectivityRequest) -> ModelScore | None: ...


class NoModel:
    def score(self, session: Session, request: SelectivityRequest) -> ModelScore | None:
        return None


class RiskSelectivity:
    def __init__(
        self,
        random_source: RandomSource | None = None,
        *,
        rules: RuleSource | None = None,
        model: ModelSource | None = None,
    ) -> None:
        self._random: RandomSource = random_source or secrets.SystemRandom()
        self._rules: RuleSource = rules or _default_rules()
        self._model: ModelSource = model or _default_model()

    def choose_channel(self, session: Session, clock: Clock, request: SelectivityRequest) -> ChannelDecision:
        # What it reads does not depend on the decisions pending in the session: a bulk lodging then writes
        # every decision and evaluation at its one flush instead of one flush per declaration.
        with session.no_autoflush:
            return self._choose_channel(session, clock, request)

    def _choose_channel(self, session: Session, clock: Clock, request: SelectivityRequest) -> ChannelDecision:
        on = local_date(request.registered_at)
        settings = capacity.settings_in_force(session, request.office_code, on)
        in_force = shares_service.shares_in_force(session, request.office_code, on)
        drawn = draw_channel(in_force.shares, self._random)
        exploring = settings.explores(self._random.randrange(DRAW_SCALE))
        matched = notices.notices_for(session, request)
        hits = self._rules.hits(session, request)
        model = self._model.score(session, request)
        signals = Signals(
            drawn=drawn,
            shares_text=shares_reason(in_force.scope, in_force.shares.describe()),
            exploring=exploring,
            settings=settings,
            forced=_forced(matched, hits),
            rules=hits,
            model=model,
        )
        verdict = decide(signals, lambda channel: _has_room(session, settings, channel, on))
        # written with the lodging's other rows in one round trip (capacity.day_use writes them first)
        insert_later(session, SelectivityDecisionRow, [_decision(clock, request, verdict, in_force, drawn)])
        capacity.count_decision(session, request.office_code, on, verdict.channel)
        insert_later(session, RiskEvaluationRow, [_evaluation(clock, request, verdict, signals, matched)])
        notices.record_matches(session, clock, request.declaration_id, matched)
        return ChannelDecision(channel=verdict.channel, reasons=verdict.reasons, source=verdict.source)  # type: ignore[arg-type]


def _forced(matched: Sequence[LiveNotice], hits: Sequence[RuleHit]) -> list[ForcedChannel]:
    by_notice = [ForcedChannel(n.channel, NOTICE, n.describe()) for n in matched]
    return by_notice + rule_channels(hits)


def _has_room(session: Session, settings: OfficeSettings, channel: str, on: date) -> bool:
    limit = settings.per_day(channel)
    if limit is None:
        return True
    return capacity.day_use(session, settings.office_code, on)[channel] < limit


def _decision(
    clock: Clock, request: SelectivityRequest, verdict: Verdict, in_force: SharesInForce, drawn: ChannelDraw
) -> dict[str, Any]:
    """The decision's row: every column of SelectivityDecisionRow but the key, in the table's order (a
    plain mapping, as `insert_later` takes it: cheaper than an ORM instance never added to the session)."""
    return {
        "declaration_id": request.declaration_id,
        "office_code": request.office_code,
        "channel": verdict.channel,
        "reasons": list(verdict.reasons),
        "source": verdict.source,
        "shares": in_force.shares.as_dict(),
        "setting_id": in_force.setting_id,
        "draw_value": drawn.value,
        "decided_at": clock.now(),
    }


def _evaluation(
    clock: Clock,
    request: SelectivityRequest,
    verdict: Verdict,
    signals: Signals,
    matched: Sequence[LiveNotice],
) -> dict[str, Any]:
    """The evaluation's row: every column of RiskEvaluationRow but the key, in the table's order."""
    model = signals.model
    return {
        "declaration_id": request.declaration_id,
        "rule_hits": [hit.as_dict() for hit in signals.rules],
        "notice_ids": [notice.id for notice in matched],
        "score": None if model is None else model.score,
        "model_version": None if model is None else model.version,
        "explanation": [
            {"feature": name, "contribution": value} for name, value in (model.top_features if model else ())
        ],
        "exploration": signals.exploring,
        "channel": verdict.channel,
        "evaluated_at": clock.now(),
    }


def _default_rules() -> RuleSource:
    rules: RuleSource = sources.targeting_rules()
    return rules


def _default_model() -> ModelSource:
    return sources.active_model()


if TYPE_CHECKING:  # mypy checks that RiskSelectivity fits the declarations' port
    from douane.declarations.ports import SelectivityPort

    _fits: SelectivityPort = RiskSelectivity()
