"""The rule set: one declaration at a time, indexed by the rules' guards, with the hits of every rule."""

from decimal import Decimal
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from douane.risk.rules import FunctionSignature, RuleSchema, Type, compile_rule
from douane.risk.rules.batch import LookupTable, RuleBatch, items_frame
from douane.risk.rules.parser import parse
from douane.risk.rules.ruleset import RuleSet, guards_of

SCHEMA = RuleSchema(
    fields={
        "hs6": Type.TEXT,
        "hs4": Type.TEXT,
        "prefixes": Type.TEXT_LIST,
        "origin": Type.TEXT,
        "office": Type.TEXT,
        "regime": Type.TEXT,
        "value": Type.NUMBER,
        "risk": Type.NUMBER,
    },
    functions={"indicator": FunctionSignature((Type.TEXT, Type.TEXT), Type.NUMBER)},
)
HEADER = ("office", "regime", "risk")
INDEXED = ("hs6", "hs4", "prefixes", "origin", "office", "regime")
FUNCTIONS = {
    "indicator": LookupTable({("870323", "DE"): Decimal(10), ("610910", "CN"): Decimal(2)}, Type.NUMBER)
}


def guards(source: str) -> dict[str, set[str]]:
    return {name: set(values) for name, values in guards_of(parse(source), INDEXED).items()}


def test_a_guard_is_an_equality_or_a_membership_in_texts() -> None:
    assert guards('hs6 == "870323" and value > 1') == {"hs6": {"870323"}}
    assert guards('"CN" == origin and hs6 in ["1", "2"]') == {"origin": {"CN"}, "hs6": {"1", "2"}}
    assert guards('"8703" in prefixes') == {"prefixes": {"8703"}}


def test_conjunctions_narrow_and_disjunctions_widen_a_guard() -> None:
    assert guards('hs6 in ["1", "2"] and hs6 in ["2", "3"]') == {"hs6": {"2"}}
    assert guards('(hs6 == "1" and origin == "CN") or (hs6 == "2" and value > 1)') == {"hs6": {"1", "2"}}


def test_what_does_not_pin_a_field_is_no_guard() -> None:
    for source in (
        'hs6 != "1"',
        'hs6 not in ["1"]',
        'not (hs6 == "1")',
        'hs6 == "1" or value > 1',
        "hs6 == origin",
        'hs6 in [origin, "1"]',
        '"8703" not in prefixes',
        "hs6 in prefixes",
        "value > 1 and risk > 2",
    ):
        assert guards(source) == {}, source


# The index gives the hits of every rule on every item

HS6 = ["870323", "610910", "030617"]
ORIGINS = ["DE", "CN", "TR"]
OFFICES = ["16001", "31001"]


def quoted(values: list[str]) -> str:
    return "[" + ", ".join(f'"{value}"' for value in values) + "]"


guard = st.one_of(
    st.sampled_from(HS6).map(lambda code: f'hs6 == "{code}"'),
    st.lists(st.sampled_from(HS6), max_size=2).map(lambda codes: f"hs6 in {quoted(codes)}"),
    st.sampled_from(["8703", "6109"]).map(lambda code: f'hs4 == "{code}"'),
    st.sampled_from(ORIGINS).map(lambda origin: f'origin == "{origin}"'),
    st.sampled_from(OFFICES).map(lambda office: f'office == "{office}"'),
    st.just('regime in ["IM4", "IM5"]'),
    st.sampled_from(["87", "8703", "61"]).map(lambda prefix: f'"{prefix}" in prefixes'),
)
condition = st.sampled_from(
    [
        "value > 100",
        "value < 0.6 * indicator(hs6, origin)",
        "risk > 0.5",
        'not (origin == "CN")',
        "true",
        "risk > 0.2 and value > 10",
    ]
)
rule_source = st.one_of(
    st.tuples(guard, condition).map(" and ".join),
    st.tuples(guard, condition, guard, condition).map(lambda t: "({} and {}) or ({} and {})".format(*t)),
    condition,
    st.tuples(guard, st.just("or"), condition).map(" ".join),
)
header = st.fixed_dictionaries(
    {
        "office": st.none() | st.sampled_from(OFFICES),
        "regime": st.none() | st.sampled_from(["IM4", "IM5", "EX1"]),
        "risk": st.none() | st.sampled_from([Decimal(0), Decimal("0.3"), Decimal("0.9")]),
    }
)
item = st.fixed_dictionaries(
    {
        "hs6": st.none() | st.sampled_from(HS6),
        "hs4": st.none() | st.sampled_from(["8703", "6109", "0306"]),
        "prefixes": st.none()
        | st.lists(st.none() | st.sampled_from(["87", "8703", "61", "6109"]), max_size=3),
        "origin": st.none() | st.sampled_from(ORIGINS),
        "value": st.none() | st.sampled_from([Decimal(1), Decimal("5.5"), Decimal(50), Decimal(500)]),
    }
)
declaration = st.tuples(header, st.lists(item, min_size=1, max_size=4)).map(
    lambda pair: [{**pair[0], **values} for values in pair[1]]
)


def every_rule(rules: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
    return [rule_id for rule_id, rule in rules.items() if any(rule.evaluate(v, FUNCTIONS) for v in items)]


@settings(max_examples=200, deadline=None)
@given(st.lists(rule_source, min_size=1, max_size=12), st.lists(declaration, min_size=1, max_size=5))
def test_the_indexes_one_at_a_time_and_in_batch_give_the_hits_of_every_rule(
    sources: list[str], declarations: list[list[dict[str, Any]]]
) -> None:
    rules = {f"r{index}": compile_rule(source, SCHEMA) for index, source in enumerate(sources)}
    expected = [every_rule(rules, items) for items in declarations]
    for header_fields in ((), HEADER):
        ruleset = RuleSet.compile(rules, INDEXED, header_fields, FUNCTIONS)
        assert [ruleset.hits(items) for items in declarations] == expected
    numbered = [
        {**item, "declaration": number} for number, items in enumerate(declarations) for item in items
    ]
    frame = items_frame(numbered, SCHEMA, extra={"declaration": pl.Int64()})
    batch = RuleBatch.compile(rules, SCHEMA, FUNCTIONS, INDEXED).declaration_hits(frame, "declaration")
    assert batch.hit_lists() == expected


def test_an_item_reaches_only_the_rules_its_guards_meet_and_the_unguarded() -> None:
    rules = {
        "cars": compile_rule('hs6 == "870323" and value < 0.6 * indicator(hs6, origin)', SCHEMA),
        "shirts": compile_rule('hs6 in ["610910"] and origin == "CN"', SCHEMA),
        "office": compile_rule('office == "16001" and risk > 0.5', SCHEMA),
        "anything": compile_rule("value > 1000", SCHEMA),
    }
    ruleset = RuleSet.compile(rules, INDEXED, HEADER, FUNCTIONS)
    assert ruleset.unguarded_share == 0.25
    car = {"office": "16001", "risk": Decimal("0.9"), "hs6": "870323", "origin": "DE", "value": Decimal(5)}
    shirt = {**car, "hs6": "610910", "origin": "CN", "value": Decimal(2000)}
    assert ruleset.hits([car]) == ["cars", "office"]
    assert ruleset.hits([shirt, car]) == ["cars", "shirts", "office", "anything"]
    assert ruleset.hits([]) == []
    assert ruleset.fields_used == {"hs6", "origin", "value", "office", "risk"}
    assert ruleset.functions_used == {"indicator"}


def test_header_rules_are_read_once_per_declaration() -> None:
    calls: list[tuple[str, str]] = []

    class CountingIndicator(LookupTable):
        def __call__(self, *arguments: Any) -> Any:
            calls.append(arguments)
            return super().__call__(*arguments)

    rule = compile_rule("indicator(office, regime) > 1", SCHEMA)
    functions = {"indicator": CountingIndicator({("16001", "IM4"): Decimal(5)}, Type.NUMBER)}
    ruleset = RuleSet.compile({"header": rule}, INDEXED, HEADER, functions)
    items = [{"office": "16001", "regime": "IM4", "hs6": code} for code in HS6]
    assert ruleset.hits(items) == ["header"]
    assert len(calls) == 1
