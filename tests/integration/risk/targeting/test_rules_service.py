"""Targeting rules through their use cases: versions for every change, lifecycle, locking, active rules."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.identity.model import Actor, Role
from douane.kernel.errors import Conflict, InvalidInput
from douane.read_cache import reads_cached
from douane.risk.rules import RuleError
from douane.risk.targeting import rules
from douane.risk.targeting.model import RuleAction, RuleContent, RuleStatus, Transition
from tests.integration.registry.factories import office

ANALYST = Actor(user_id=1, username="analyste", roles=frozenset({Role.RISK_ANALYST}))
CARS = 'hs6 in ["870323"] and origin == "DE"'


def _content(**changes: object) -> RuleContent:
    values: dict[str, object] = {"name": "Cars from DE", "expression": CARS, "action": RuleAction.YELLOW}
    values.update(changes)
    return RuleContent(**values)  # type: ignore[arg-type]


def test_a_rule_lives_from_draft_to_retired_and_every_change_is_a_version(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        office(session, ctx.clock, code="16011")
        view = rules.create_rule(session, ctx.clock, _content(offices=("16011",)), by=ANALYST)
        rule_id = view.rule.id
        assert view.rule.code == "R-2026-0001" and view.rule.status == "draft" and view.current.version == 1
        rules.edit_rule(session, ctx.clock, rule_id, _content(priority=5), reason=None,
                        expected_version=view.rule.row_version, by=ANALYST)  # fmt: skip
        rules.change_status(session, ctx.clock, rule_id, Transition.ACTIVATE, reason="backtested",
                            expected_version=None, by=ANALYST)  # fmt: skip
        with pytest.raises(InvalidInput) as no_reason:
            rules.edit_rule(
                session, ctx.clock, rule_id, _content(), reason="", expected_version=None, by=ANALYST
            )
        assert no_reason.value.code == "rules.reason_required"
        active = rules.edit_rule(session, ctx.clock, rule_id, _content(action=RuleAction.RED), reason="worse",
                                 expected_version=None, by=ANALYST)  # fmt: skip
        assert active.rule.status == "active" and active.current.action == "red"
        rules.change_status(session, ctx.clock, rule_id, Transition.SUSPEND, reason="too many hits",
                            expected_version=None, by=ANALYST)  # fmt: skip
        rules.change_status(session, ctx.clock, rule_id, Transition.RETIRE, reason="obsolete",
                            expected_version=None, by=ANALYST)  # fmt: skip
        with pytest.raises(Conflict):
            rules.change_status(session, ctx.clock, rule_id, Transition.ACTIVATE, reason="again",
                                expected_version=None, by=ANALYST)  # fmt: skip
        with pytest.raises(Conflict):
            rules.edit_rule(
                session, ctx.clock, rule_id, _content(), reason="x", expected_version=None, by=ANALYST
            )
        history = rules.versions(session, rule_id)
        assert [(v.version, v.status) for v in history] == [
            (6, "retired"), (5, "suspended"), (4, "active"), (3, "active"), (2, "draft"), (1, "draft"),
        ]  # fmt: skip
        assert history[0].reason == "obsolete" and history[0].changed_by == "analyste"
        changes = rules.compare_versions(session, rule_id, 1, 4).changes
        assert {c.field: (c.before, c.after) for c in changes} == {
            "status": ("draft", "active"), "action": ("yellow", "red"),
            "scope_offices": (["16011"], []),
        }  # fmt: skip
        events = session.scalars(
            select(AuditEventRow.action).where(AuditEventRow.entity_id == "R-2026-0001")
        ).all()
        assert len(events) == 6


def test_a_stale_version_is_refused(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        view = rules.create_rule(session, ctx.clock, _content(), by=ANALYST)
        read = view.rule.row_version
        rules.edit_rule(session, ctx.clock, view.rule.id, _content(name="one"), reason=None,
                        expected_version=read, by=ANALYST)  # fmt: skip
        with pytest.raises(Conflict) as stale:
            rules.edit_rule(session, ctx.clock, view.rule.id, _content(name="two"), reason=None,
                            expected_version=read, by=ANALYST)  # fmt: skip
    assert stale.value.code == "rules.stale_version"


def test_a_faulty_expression_is_refused_at_its_column(ctx: Context) -> None:
    with ctx.db.transaction() as session, pytest.raises(RuleError) as fault:
        rules.create_rule(session, ctx.clock, _content(expression='origin == "DE" and value_per_kg < "x"'),
                          by=ANALYST)  # fmt: skip
    assert (fault.value.line, fault.value.column) == (1, 33)  # the text compared with a number


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"action": RuleAction.SCORE}, "rules.score_range"),
        ({"score_increase": 10}, "rules.score_without_score_action"),
        ({"priority": 0}, "rules.priority_range"),
        ({"valid_from": date(2026, 5, 1), "valid_to": date(2026, 4, 1)}, "rules.dates_reversed"),
        ({"regimes": ("im 4",)}, "rules.bad_regime"),
    ],
)
def test_content_problems_have_their_own_codes(ctx: Context, changes: dict[str, object], code: str) -> None:
    with ctx.db.transaction() as session, pytest.raises(InvalidInput) as problem:
        rules.create_rule(session, ctx.clock, _content(**changes), by=ANALYST)
    assert problem.value.code == code


def test_active_rules_are_compiled_once_and_redrawn_when_a_rule_changes(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        first = rules.create_rule(session, ctx.clock, _content(priority=20), by=ANALYST).rule.id
        second = rules.create_rule(
            session, ctx.clock, _content(priority=10, valid_from=date(2026, 6, 1)), by=ANALYST
        ).rule.id
        for rule_id in (first, second):
            rules.change_status(session, ctx.clock, rule_id, Transition.ACTIVATE, reason="go",
                                expected_version=None, by=ANALYST)  # fmt: skip
    with ctx.db.transaction() as session, reads_cached(session):
        march = rules.active_rules(session, date(2026, 3, 15))
        assert [rule.rule_id for rule in march] == [first]
        assert [rule.rule_id for rule in rules.active_rules(session, date(2026, 6, 1))] == [second, first]
        assert march[0].compiled.evaluate({"hs6": "870323", "origin": "DE"})
    with ctx.db.transaction() as session, reads_cached(session):
        assert rules.active_rules(session, date(2026, 3, 15))[0] is march[0]  # shared between units of work
        rules.change_status(session, ctx.clock, first, Transition.SUSPEND, reason="pause",
                            expected_version=None, by=ANALYST)  # fmt: skip
    with ctx.db.transaction() as session, reads_cached(session):
        assert rules.active_rules(session, date(2026, 3, 15)) == []
    assert RuleStatus.SUSPENDED.value == "suspended"


def test_the_code_after_r_9999_is_r_10000(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        first = rules.create_rule(session, ctx.clock, _content(), by=ANALYST).rule
        first.code = "R-2026-9999"
        session.flush()
        assert rules.create_rule(session, ctx.clock, _content(), by=ANALYST).rule.code == "R-2026-10000"
        assert rules.create_rule(session, ctx.clock, _content(), by=ANALYST).rule.code == "R-2026-10001"
