"""Backtest figures on a constructed history, each checked against values computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from douane.risk.rules import compile_rule
from douane.risk.targeting.backtest import Candidate, HistoryDeclaration, Scope, evaluate, figures
from douane.risk.targeting.facts import IndicatorBook, IndicatorPeriod
from douane.risk.targeting.model import ActiveRule, RuleAction
from douane.risk.targeting.schema import DECLARATION_SCHEMA


def _item(
    origin: str, per_kg: str | None, hs6: str = "847130", office: str = "16011", on: date = date(2026, 1, 5)
) -> dict[str, Any]:
    return {
        "origin": origin, "hs6": hs6, "value_per_kg": Decimal(per_kg) if per_kg else None, "office": office,
        "regime": "IM4", "lodged_on": on,
    }  # fmt: skip


def _declaration(
    key: int,
    month: int,
    channel: str,
    controlled: bool,
    discrepancy: bool,
    *items: dict[str, Any],
    office: str = "16011",
) -> HistoryDeclaration:
    return HistoryDeclaration(
        key=key, office=office, regime="IM4", registered_on=date(2026, month, 5), channel=channel,
        controlled=controlled, discrepancy=discrepancy, items=items,
    )  # fmt: skip


HISTORY = [
    _declaration(1, 1, "green", False, False, _item("CN", "50")),  # hit, would be added
    _declaration(2, 1, "yellow", True, True, _item("CN", "80")),  # hit, controlled, discrepancy
    _declaration(3, 1, "red", True, False, _item("CN", "150"), _item("CN", "20")),  # hit by its 2nd item
    _declaration(4, 1, "red", True, True, _item("DE", "50")),  # missed discrepancy
    _declaration(5, 2, "green", False, False, _item("CN", "99.99", hs6="610910")),  # hit, would be added
    _declaration(6, 2, "blue", False, False, _item("CN", "100")),  # at the bound: no hit
    _declaration(7, 2, "yellow", False, False, _item("CN", "10")),  # hit, already sent to yellow
    _declaration(8, 2, "red", True, True, _item("CN", "30", office="31011"), office="31011"),  # out of scope
    _declaration(9, 2, "green", True, True, _item("CN", None)),  # no mass: value per kg missing
    _declaration(10, 2, "green", False, False, _item("TR", "10")),
]


def _active(code: str, expression: str) -> ActiveRule:
    return ActiveRule(
        rule_id=0, code=code, version=1, name=code, action=RuleAction.YELLOW, score_increase=None, priority=1,
        offices=frozenset(), regimes=frozenset(), valid_from=None, valid_to=None,
        compiled=compile_rule(expression, DECLARATION_SCHEMA),
    )  # fmt: skip


def test_backtest_figures_match_the_hand_computed_values() -> None:
    candidate = Candidate(
        compile_rule('origin == "CN" and value_per_kg < 100', DECLARATION_SCHEMA),
        Scope(offices=frozenset({"16011"})),
    )
    active = [
        _active("R-A", 'origin == "CN"'),
        _active("R-B", 'hs6 == "610910"'),
        _active("R-C", 'origin == "TR"'),
    ]
    hits = evaluate(HISTORY, candidate, active, IndicatorBook())
    assert hits.candidate == {1, 2, 3, 5, 7}
    result = figures(HISTORY, hits)
    assert {key: result[key] for key in (
        "evaluated", "hits", "hit_rate", "added_inspections", "hits_controlled", "hits_with_discrepancy",
        "precision", "discrepancies", "recall",
    )} == {
        "evaluated": 10, "hits": 5, "hit_rate": 0.5, "added_inspections": 2,  # declarations 1 and 5
        "hits_controlled": 2, "hits_with_discrepancy": 1, "precision": 0.5,  # 2 and 3 controlled, 2 found
        "discrepancies": 4, "recall": 0.25,  # 2, 4, 8, 9 had one; the rule finds 2
    }  # fmt: skip
    assert result["overlap"] == [
        {"rule": "R-A", "shared_hits": 5, "rule_hits": 8, "share_of_candidate": 1.0},  # the 8 CN declarations
        {"rule": "R-B", "shared_hits": 1, "rule_hits": 1, "share_of_candidate": 0.2},
    ]  # R-C shares nothing and is left out
    january, february = result["by_month"]
    assert january == {
        "month": "2026-01", "evaluated": 4, "hits": 3, "hit_rate": 0.75, "added_inspections": 1,
        "hits_controlled": 2, "hits_with_discrepancy": 1, "precision": 0.5, "discrepancies": 2, "recall": 0.5,
    }  # fmt: skip
    assert february == {
        "month": "2026-02",
        "evaluated": 6, "hits": 2, "hit_rate": 0.3333, "added_inspections": 1, "hits_controlled": 0,
        "hits_with_discrepancy": 0, "precision": None, "discrepancies": 2, "recall": 0.0,
    }  # fmt: skip


def test_the_indicator_is_read_as_of_each_declarations_date() -> None:
    book = IndicatorBook({("847130", "CN"): [
        IndicatorPeriod(date(2026, 1, 1), date(2026, 1, 31), Decimal(100)),
        IndicatorPeriod(date(2026, 2, 1), None, Decimal(1000)),
    ]})  # fmt: skip
    history = [
        _declaration(1, 1, "green", False, False, _item("CN", "80", on=date(2026, 1, 5))),  # 80 >= 50
        _declaration(2, 2, "green", False, False, _item("CN", "80", on=date(2026, 2, 5))),  # 80 < 500
    ]
    rule = compile_rule("value_per_kg < 0.5 * indicator(hs6, origin)", DECLARATION_SCHEMA)
    assert evaluate(history, Candidate(rule), [], book).candidate == {2}
