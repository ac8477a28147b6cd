"""The risk selectivity engine on both engines: notices, rules, the model score, exploration and capacity."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from douane.bootstrap import Context
from douane.identity.model import Actor, Role
from douane.risk import service as shares
from douane.risk.model import ChannelShares
from douane.risk.notices import service as notices
from douane.risk.notices.service import NoticeDraft
from douane.risk.selection import capacity
from douane.risk.selection.engine import NoModel, RiskSelectivity
from douane.risk.selectivity import DefaultSelectivity
from douane.risk.tables import NoticeMatchRow, RiskEvaluationRow, SelectivityDecisionRow
from tests.integration.risk.factories import offices, request
from tests.integration.risk.selection.helpers import NIF, FixedModel, FixedRules, facts, hit

OFFICE = "16011"
ANALYST = Actor(user_id=1, username="analyst", roles=frozenset({Role.RISK_ANALYST}))
ALL_GREEN = ChannelShares(green=100, yellow=0, red=0, blue=0)
NOON = datetime(2026, 3, 15, 11, 0, tzinfo=UTC)


def _setup(
    ctx: Context, *, red: int = 1000, yellow: int = 1000, exploration: int = 0, threshold: float = 50
) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, OFFICE)
        shares.set_shares(session, ctx.clock, office_code=OFFICE, shares=ALL_GREEN)
        capacity.set_settings(
            session, ctx.clock, office_code=OFFICE, yellow_per_day=yellow, red_per_day=red,
            exploration_percent=exploration, score_threshold=threshold, by=ANALYST,
        )  # fmt: skip


def _choose(ctx: Context, engine: RiskSelectivity, declaration_id: int, **changes: object) -> tuple[str, str]:
    with ctx.db.transaction() as session:
        decision = engine.choose_channel(session, ctx.clock, facts(declaration_id, OFFICE, NOON, **changes))
    return decision.channel, decision.source


def test_without_rules_notices_model_or_capacity_it_draws_as_the_default_selectivity(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, OFFICE)
    for seed in range(40):
        with ctx.db.transaction() as session:
            risk = RiskSelectivity(random.Random(seed), rules=FixedRules(), model=NoModel())
            default = DefaultSelectivity(random.Random(seed))
            ours = risk.choose_channel(session, ctx.clock, request(seed + 1, OFFICE, NOON))
            theirs = default.choose_channel(session, ctx.clock, request(seed + 1, OFFICE, NOON))
        assert ours.channel == theirs.channel
        assert ours.source in {"shares", "exploration"}


def test_model_selections_beyond_the_day_capacity_fall_back_to_the_shares_draw(ctx: Context) -> None:
    _setup(ctx, red=3, yellow=0)
    engine = RiskSelectivity(random.Random(1), rules=FixedRules(), model=FixedModel(0.9))
    chosen = [_choose(ctx, engine, declaration_id) for declaration_id in range(1, 5)]
    assert chosen[:3] == [("red", "score")] * 3
    assert chosen[3] == ("green", "shares")  # the fourth: capacity used up, the office shares are all green
    with ctx.db.transaction() as session:
        fourth = session.scalars(
            select(SelectivityDecisionRow).where(SelectivityDecisionRow.declaration_id == 4)
        ).one()
        assert "red capacity of office 16011 reached (3 a day)" in fourth.reasons
        assert "the day's capacity is used up: the shares draw decides" in fourth.reasons


class _RedRuleForFirstTwo:
    """A red rule hits declarations 1 and 2 only."""

    def hits(self, session: object, request: object) -> tuple[object, ...]:
        return (hit("R-1", "red"),) if getattr(request, "declaration_id", 0) <= 2 else ()


def test_in_one_bulk_unit_of_work_forced_reds_use_the_capacity_a_score_would_take(ctx: Context) -> None:
    _setup(ctx, red=2, yellow=0)
    engine = RiskSelectivity(random.Random(1), rules=_RedRuleForFirstTwo(), model=FixedModel(0.9))  # type: ignore[arg-type]
    with ctx.db.transaction() as session:  # a bulk lodging decides all three in one transaction
        chosen = [engine.choose_channel(session, ctx.clock, facts(n, OFFICE, NOON)) for n in (1, 2, 3)]
    assert [(c.channel, c.source) for c in chosen] == [("red", "rule"), ("red", "rule"), ("green", "shares")]


def test_notices_and_rule_channels_are_forced_even_beyond_capacity(ctx: Context) -> None:
    _setup(ctx, red=1, yellow=0)
    with ctx.db.transaction() as session:
        notices.issue(
            session, ctx.clock, NoticeDraft("intelligence", "operator", NIF, "red", "tip-off"), by=ANALYST
        )
    engine = RiskSelectivity(random.Random(2), rules=FixedRules(), model=FixedModel(0.9))
    assert _choose(ctx, engine, 1, operator_nif="000116009999999") == ("red", "score")
    assert _choose(ctx, engine, 2, operator_nif="000116009999999") == ("green", "shares")
    assert _choose(ctx, engine, 3) == ("red", "notice")
    ruled = RiskSelectivity(random.Random(3), rules=FixedRules(hit("R-1", "yellow")), model=FixedModel(0.9))
    assert _choose(ctx, ruled, 4, operator_nif="000116009999999") == ("yellow", "rule")
    with ctx.db.transaction() as session:
        assert capacity.used_today(session, OFFICE, date(2026, 3, 15)) == {"red": 2, "yellow": 1}


def test_a_capacity_set_for_tomorrow_does_not_limit_today(ctx: Context) -> None:
    _setup(ctx)
    with ctx.db.transaction() as session:
        capacity.set_settings(session, ctx.clock, office_code=OFFICE, yellow_per_day=0, red_per_day=0,
                              valid_from=date(2026, 3, 16), by=ANALYST)  # fmt: skip
    engine = RiskSelectivity(random.Random(4), rules=FixedRules(), model=FixedModel(0.9))
    assert _choose(ctx, engine, 1) == ("red", "score")


def test_rules_add_points_and_the_strictest_channel_wins(ctx: Context) -> None:
    _setup(ctx, threshold=60)
    below = RiskSelectivity(
        random.Random(5), rules=FixedRules(hit("R-1", "score", points=15)), model=FixedModel(0.4)
    )
    assert _choose(ctx, below, 1) == ("green", "score")  # 40 + 15 < 60: released
    above = RiskSelectivity(
        random.Random(6), rules=FixedRules(hit("R-1", "score", points=25)), model=FixedModel(0.4)
    )
    assert _choose(ctx, above, 2) == ("red", "score")  # 40 + 25 >= 60
    strict = RiskSelectivity(
        random.Random(7), rules=FixedRules(hit("R-1", "blue"), hit("R-2", "scan"), hit("R-3", "yellow")),
        model=NoModel(),
    )  # fmt: skip
    channel, source = _choose(ctx, strict, 3)
    assert (channel, source) == ("red", "rule")
    with ctx.db.transaction() as session:
        decision = session.scalars(
            select(SelectivityDecisionRow).where(SelectivityDecisionRow.declaration_id == 3)
        ).one()
        assert "rule R-2 v1 (rule R-2): red, scan the goods" in decision.reasons


def test_the_evaluation_keeps_hits_notices_score_explanation_and_exploration(ctx: Context) -> None:
    _setup(ctx)
    with ctx.db.transaction() as session:
        notice = notices.issue(
            session,
            ctx.clock,
            NoticeDraft("risk_analysis", "vehicle", "msc alger", "yellow", "watch"),
            by=ANALYST,
        )
    engine = RiskSelectivity(
        random.Random(8), rules=FixedRules(hit("R-1", "score", points=5)), model=FixedModel(0.2)
    )
    assert _choose(ctx, engine, 1) == ("yellow", "notice")
    with ctx.db.transaction() as session:
        evaluation = session.scalars(select(RiskEvaluationRow)).one()
        assert evaluation.declaration_id == 1
        assert evaluation.notice_ids == [notice.id]
        assert [h["code"] for h in evaluation.rule_hits] == ["R-1"]
        assert (evaluation.score, evaluation.model_version, evaluation.channel) == (0.2, "test-1", "yellow")
        assert evaluation.explanation[0] == {"feature": "importer_fraud_rate", "contribution": 0.31}
        assert evaluation.exploration is False
        match = session.scalars(select(NoticeMatchRow)).one()
        assert (match.notice_id, match.declaration_id) == (notice.id, 1)
        assert notices.get(session, notice.id).status == "matched"


def test_exploration_takes_its_share_of_declarations_whatever_the_score(ctx: Context) -> None:
    _setup(ctx, exploration=20)
    engine = RiskSelectivity(random.Random(20260315), rules=FixedRules(), model=FixedModel(0.95))
    with ctx.db.transaction() as session:
        for declaration_id in range(1, 1001):
            engine.choose_channel(session, ctx.clock, facts(declaration_id, OFFICE, NOON))
    with ctx.db.transaction() as session:
        explored = session.scalar(select(func.count()).where(RiskEvaluationRow.exploration.is_(True))) or 0
        by_source = dict(
            session.execute(
                select(SelectivityDecisionRow.source, func.count()).group_by(SelectivityDecisionRow.source)
            ).all()
        )
    assert 170 <= explored <= 230  # 20 % of 1,000 (seeded: the same figure every run)
    assert by_source == {"exploration": explored, "score": 1000 - explored}


class _Scored:
    def __init__(self, score: float) -> None:
        self.score = score
        self.top_features = [("importer_rate", 0.8), ("hs6_rate", 0.1)]


class _ScorerByOrigin:
    def score_riskiest(self, items: list[dict[str, object]]) -> tuple[int, _Scored]:
        scores = [0.9 if fields["origin"] == "CN" else 0.1 for fields in items]
        riskiest = scores.index(max(scores))
        return riskiest, _Scored(scores[riskiest])


@contextmanager
def _active_model(ctx: Context, folder: Path, scorer: object) -> Iterator[None]:
    """A model registered and activated from `folder`, scoring with `scorer` (loaded in its place)."""
    from douane.risk.models import service as models
    from douane.risk.selection import sources

    folder.mkdir()
    (folder / "metadata.json").write_text(json.dumps({"version": "m-1", "rows": 10}), encoding="utf-8")
    with ctx.db.transaction() as session:
        models.activate(session, ctx.clock, models.register(session, ctx.clock, folder).id)
    sources._scorers[str(folder.resolve())] = scorer
    try:
        yield
    finally:
        sources._scorers.pop(str(folder.resolve()), None)


def test_the_active_model_scores_each_item_and_the_riskiest_counts(ctx: Context, tmp_path: Path) -> None:

    _setup(ctx)
    with _active_model(ctx, tmp_path / "model", _ScorerByOrigin()):
        first = facts(1, OFFICE, NOON).items[0]
        items = (first, first._replace(number=2, origin_country="CN"))
        engine = RiskSelectivity(random.Random(9), rules=FixedRules())
        assert _choose(ctx, engine, 1, items=items) == ("red", "score")
        assert _choose(ctx, engine, 2, items=items[:1]) == ("green", "score")
        with ctx.db.transaction() as session:
            scores = session.scalars(select(RiskEvaluationRow.score).order_by(RiskEvaluationRow.id)).all()
            assert scores == [0.9, 0.1]


class _ScorerGoneWrong:
    def score_riskiest(self, items: list[dict[str, object]]) -> tuple[int, _Scored]:
        return 0, _Scored(float("nan"))


def test_a_model_that_answers_no_number_is_left_out_of_the_decision(ctx: Context, tmp_path: Path) -> None:
    """Its evaluation stores no score, its reasons show none, and the channel is decided without it."""
    _setup(ctx)
    with _active_model(ctx, tmp_path / "model", _ScorerGoneWrong()):
        engine = RiskSelectivity(random.Random(9), rules=FixedRules())
        _channel, source = _choose(ctx, engine, 1)
        assert source != "score"
        with ctx.db.transaction() as session:
            evaluation = session.scalars(select(RiskEvaluationRow)).one()
            assert evaluation.score is None and evaluation.model_version is None
            decision = session.scalars(select(SelectivityDecisionRow)).one()
            assert not any("nan" in reason.lower() for reason in decision.reasons)
