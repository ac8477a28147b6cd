"""Lodging through the risk engine with real active rules: N+1 lodgings against a red capacity of N."""

from __future__ import annotations

import random
from datetime import date

from douane.bootstrap import Context
from douane.declarations import lodging
from douane.identity.model import Actor, Role
from douane.risk import service as shares
from douane.risk.model import ChannelShares
from douane.risk.notices import service as notices
from douane.risk.notices.service import NoticeDraft
from douane.risk.selection import capacity
from douane.risk.selection.engine import NoModel, RiskSelectivity
from douane.risk.targeting import rules
from douane.risk.targeting.model import RuleAction, RuleContent, Transition
from tests.integration.declarations import fixtures

ANALYST = Actor(user_id=1, username="analyst", roles=frozenset({Role.RISK_ANALYST}))
TODAY = date(2026, 3, 15)


def _active_rule(ctx: Context, content: RuleContent) -> None:
    with ctx.db.transaction() as session:
        rule = rules.create_rule(session, ctx.clock, content, by=ANALYST)
        rules.change_status(session, ctx.clock, rule.rule.id, Transition.ACTIVATE, reason="tested",
                            expected_version=None, by=ANALYST)  # fmt: skip


def _lodge(ctx: Context, demo: fixtures.Demo, count: int, engine: RiskSelectivity) -> list[tuple[str, str]]:
    contents = [fixtures.import_declaration(demo.operator_nif) for _ in range(count)]
    with ctx.db.transaction() as session:
        outcomes = lodging.lodge_many(session, ctx.clock, demo.broker, contents, selectivity=engine)
        return [(o.row.channel or "", o.row.channel_source or "") for o in outcomes if o.row is not None]


def test_score_rules_fill_the_red_capacity_then_the_shares_draw_takes_over_and_notices_stay_forced(
    ctx: Context,
) -> None:
    demo = fixtures.load(ctx)
    with ctx.db.transaction() as session:
        used = capacity.used_today(session, fixtures.OFFICE, TODAY)["red"]
        shares.set_shares(session, ctx.clock, office_code=fixtures.OFFICE,
                          shares=ChannelShares(green=100, yellow=0, red=0, blue=0))  # fmt: skip
        capacity.set_settings(session, ctx.clock, office_code=fixtures.OFFICE, yellow_per_day=0,
                              red_per_day=used + 2, exploration_percent=0, by=ANALYST)  # fmt: skip
    _active_rule(ctx, RuleContent(name="Chinese goods", expression='origin == "CN"', action=RuleAction.SCORE,
                                  score_increase=60))  # fmt: skip
    _active_rule(ctx, RuleContent(name="Elsewhere", expression='origin == "CN"', action=RuleAction.RED,
                                  offices=("31011",)))  # fmt: skip
    engine = RiskSelectivity(random.Random(5), model=NoModel())
    assert _lodge(ctx, demo, 3, engine) == [("red", "score"), ("red", "score"), ("green", "shares")]
    with ctx.db.transaction() as session:
        draft = NoticeDraft("intelligence", "operator", demo.operator_nif, "red", "tip-off")
        notices.issue(session, ctx.clock, draft, by=ANALYST)
    assert _lodge(ctx, demo, 1, engine) == [("red", "notice")]
    with ctx.db.transaction() as session:
        assert capacity.used_today(session, fixtures.OFFICE, TODAY)["red"] == used + 3
