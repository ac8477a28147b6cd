"""Backtests over stored declarations (history as of each registration) and over an imported file."""

from __future__ import annotations

from datetime import date

import pytest

from douane.bootstrap import Context
from douane.identity.model import Actor, Role
from douane.kernel.errors import InvalidInput
from douane.risk.targeting import backtest_service, rules
from douane.risk.targeting.model import RuleAction, RuleContent, Transition
from tests.integration.risk.targeting.history import Line, at, declaration, parties

ANALYST = Actor(user_id=1, username="analyste", roles=frozenset({Role.RISK_ANALYST}))


def test_a_stored_backtest_reads_operator_history_as_it_stood_and_is_kept(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        who = parties(session, ctx.clock)
        # Declaration 1 is found wrong on the 10th: only declarations registered after that see it.
        first = declaration(session, who, at(1), control="discrepancy", recorded_at=at(10), channel="red")
        before = declaration(session, who, at(5))
        after = declaration(session, who, at(12), (Line(origin="CN"),), channel="yellow")
        declaration(session, who, at(13), operator_index=1, control="discrepancy")  # another operator
        other = rules.create_rule(session, ctx.clock, RuleContent("CN", 'origin == "CN"', RuleAction.RED),
                                  by=ANALYST).rule.id  # fmt: skip
        rules.change_status(session, ctx.clock, other, Transition.ACTIVATE, reason="go",
                            expected_version=None, by=ANALYST)  # fmt: skip
        candidate = rules.create_rule(
            session, ctx.clock,
            RuleContent("Repeat offenders", "operator_discrepancy_rate > 0", RuleAction.YELLOW), by=ANALYST,
        ).rule.id  # fmt: skip
        history = backtest_service.stored_history(session, date(2026, 3, 1), date(2026, 3, 31), ["16011"])
        run = backtest_service.run_backtest(session, ctx.clock, candidate, None, history, by=ANALYST)
        figures = run.figures
        assert figures["evaluated"] == 4 and figures["hits"] == 1  # `after` only; not `before`, not `first`
        assert figures["added_inspections"] == 0  # `after` went to yellow anyway
        assert figures["discrepancies"] == 2 and figures["recall"] == 0.0
        assert figures["overlap"] == [{"rule": "R-2026-0001", "shared_hits": 1, "rule_hits": 1,
                                       "share_of_candidate": 1.0}]  # fmt: skip
        assert {first.id, before.id, after.id} and run.history == "stored" and run.rule_version == 1
        stored, total = backtest_service.list_backtests(session, candidate)
        assert total == 1 and stored[0].id == run.id


def test_a_backtest_over_an_imported_file(ctx: Context) -> None:
    text = (
        "declaration,lodged_on,office,hs10,origin,value_per_kg,controlled,discrepancy,channel\n"
        "A,2026-01-03,16011,8703231100,DE,100,1,1,red\n"
        "A,2026-01-03,16011,8703231100,DE,5000,1,1,red\n"
        "B,2026-02-03,16011,8703231100,DE,90,0,0,green\n"
        "C,2026-02-04,16011,8703231100,FR,90,yes,no,yellow\n"
    )
    with ctx.db.transaction() as session:
        rule_id = rules.create_rule(
            session, ctx.clock,
            RuleContent("Cheap cars", 'hs6 == "870323" and origin == "DE" and value_per_kg < 500',
                        RuleAction.RED),
            by=ANALYST,
        ).rule.id  # fmt: skip
        history = backtest_service.history_from_csv(session, "old-system.csv", text)
        assert (history.start, history.end) == (date(2026, 1, 3), date(2026, 2, 4))
        run = backtest_service.run_backtest(session, ctx.clock, rule_id, 1, history, by=ANALYST)
    assert run.figures["evaluated"] == 3 and run.figures["hits"] == 2 and run.figures["precision"] == 1.0
    assert run.figures["added_inspections"] == 1 and run.history == "old-system.csv"


def test_a_stored_history_too_large_to_hold_is_refused(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backtest_service, "MAX_STORED", 2)
    with ctx.db.transaction() as session:
        who = parties(session, ctx.clock)
        for day in (1, 2, 3):
            declaration(session, who, at(day))
        with pytest.raises(InvalidInput) as refused:
            backtest_service.stored_history(session, date(2026, 3, 1), date(2026, 3, 31))
        assert refused.value.code == "backtests.history_too_large" and refused.value.params["count"] == 3
        assert (
            len(backtest_service.stored_history(session, date(2026, 3, 1), date(2026, 3, 2)).declarations)
            == 2
        )
