"""The batch back-end: rules as Polars expressions over a frame of goods items, agreeing with the closures."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from douane.risk.rules import FunctionSignature, RuleError, RuleSchema, Type, compile_rule
from douane.risk.rules.batch import LookupTable, RuleBatch, compile_expression, items_frame

SCHEMA = RuleSchema(
    fields={
        "t1": Type.TEXT,
        "t2": Type.TEXT,
        "n1": Type.NUMBER,
        "n2": Type.NUMBER,
        "d": Type.NUMBER,  # the property test divides by this one only (see DIVISORS)
        "b": Type.BOOL,
        "day1": Type.DATE,
        "day2": Type.DATE,
        "tl": Type.TEXT_LIST,
        "nl": Type.NUMBER_LIST,
    },
    functions={
        "ind": FunctionSignature((Type.TEXT, Type.TEXT), Type.NUMBER),
        "code": FunctionSignature((Type.TEXT,), Type.TEXT),
    },
)
TEXTS = ["DE", "FR", "CN", "", "é"]
FUNCTIONS = {
    "ind": LookupTable(
        {
            ("DE", "CN"): Decimal("2.5"),
            ("FR", "FR"): Decimal(0),
            ("CN", "DE"): None,
            ("", "é"): Decimal("-7.25"),
        },
        Type.NUMBER,
    ),
    "code": LookupTable({("DE",): "FR", ("FR",): "", ("CN",): None}, Type.TEXT),
}


def closure_hits(source: str, rows: list[dict[str, Any]]) -> list[bool]:
    rule = compile_rule(source, SCHEMA)
    return [rule.evaluate(row, FUNCTIONS) for row in rows]


def batch_hits(sources: list[str], rows: list[dict[str, Any]]) -> dict[str, list[bool]]:
    rules = {f"r{index}": compile_rule(source, SCHEMA) for index, source in enumerate(sources)}
    frame = RuleBatch.compile(rules, SCHEMA, FUNCTIONS).item_hits(items_frame(rows, SCHEMA))
    return {source: frame.get_column(f"r{index}").to_list() for index, source in enumerate(sources)}


# Random rules and rows. Quotients are kept terminating (divisors are powers of 2 and 5): the closures round
# a quotient such as 2 / 3 at 28 significant digits and the batch at 12 places, so `2 / 3 * 3 == 2` is the
# one kind of rule on which they may differ (in the last digit).

DIVISORS = [None, 0, 1, 2, 4, 5, 8, 10, Decimal("0.5"), Decimal("0.25"), Decimal("-2"), Decimal("1.25")]
NUMBER_LITERALS = ["0", "1", "2.5", "0.1", "0.2", "0.3", "100", "7"]
TEXT_LITERALS = ['"DE"', '"FR"', '"CN"', '""', '"é"']
COMPARATORS = ["==", "!=", "<", "<=", ">", ">="]


def numbers(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["n1", "n2", "d", *NUMBER_LITERALS]) | texts(0).flatmap(
        lambda a: texts(0).map(lambda b: f"ind({a}, {b})")
    )
    if depth == 0:
        return leaves
    smaller = numbers(depth - 1)
    return st.one_of(
        leaves,
        smaller.map(lambda x: f"-{x}"),
        st.tuples(smaller, st.sampled_from(["+", "-", "*"]), smaller).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(smaller, st.sampled_from(["d", "2", "4", "0.5", "0", "8"])).map(
            lambda t: f"({t[0]} / {t[1]})"
        ),
    )


def texts(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["t1", "t2", *TEXT_LITERALS])
    if depth == 0:
        return leaves
    return leaves | leaves.map(lambda x: f"code({x})")


def lists_of(element: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(element, max_size=3).map(lambda items: f"[{', '.join(items)}]")


def comparisons() -> st.SearchStrategy[str]:
    def compare(kind: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.tuples(kind, st.sampled_from(COMPARATORS), kind).map(lambda t: f"{t[0]} {t[1]} {t[2]}")

    membership = st.sampled_from(["in", "not in"])
    return st.one_of(
        compare(numbers(2)),
        compare(texts(1)),
        compare(st.sampled_from(["day1", "day2"])),
        st.tuples(st.sampled_from(["b", "true", "false"]), st.sampled_from(["==", "!="]), st.just("b")).map(
            " ".join
        ),
        st.tuples(texts(1), membership, lists_of(texts(1)) | st.just("tl")).map(" ".join),
        st.tuples(numbers(1), membership, lists_of(numbers(0)) | st.just("nl")).map(" ".join),
        st.tuples(st.just("tl"), st.sampled_from(["==", "!="]), lists_of(texts(0))).map(" ".join),
        st.tuples(lists_of(texts(0)), st.sampled_from(["==", "!="]), lists_of(texts(0))).map(" ".join),
        st.sampled_from(["b", "true", "false"]),
    )


conditions = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        inner.map(lambda x: f"not ({x})"),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
    ),
    max_leaves=4,
)

maybe = st.none().__or__
plain_numbers = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
rows = st.fixed_dictionaries(
    {
        "t1": maybe(st.sampled_from(TEXTS)),
        "t2": maybe(st.sampled_from(TEXTS)),
        "n1": maybe(plain_numbers | st.sampled_from([Decimal(0), Decimal("0.1"), Decimal("2.5")])),
        "n2": maybe(plain_numbers | st.integers(-5, 5)),
        "d": st.sampled_from(DIVISORS),
        "b": maybe(st.booleans()),
        "day1": maybe(st.dates(date(2026, 1, 1), date(2026, 1, 5))),
        "day2": maybe(st.dates(date(2026, 1, 1), date(2026, 1, 5))),
        "tl": maybe(st.lists(maybe(st.sampled_from(TEXTS)), max_size=3)),
        "nl": maybe(st.lists(maybe(st.sampled_from([Decimal(1), Decimal("2.5"), Decimal(0)])), max_size=3)),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conditions, min_size=1, max_size=4), st.lists(rows, min_size=1, max_size=6))
def test_batch_and_closures_agree_on_random_rules_and_rows(
    sources: list[str], items: list[dict[str, Any]]
) -> None:
    batch = batch_hits(sources, items)
    for source in sources:
        assert batch[source] == closure_hits(source, items), source


# Chosen cases


@pytest.mark.parametrize(
    ("source", "row", "expected"),
    [
        ("n1 / d > 1", {"n1": 5, "d": 0}, False),
        ("not (n1 / d > 1)", {"n1": 5, "d": 0}, True),
        ("n1 / 0 <= 1", {"n1": 5}, False),
        ("n1 + n2 == 0.3", {"n1": Decimal("0.1"), "n2": Decimal("0.2")}, True),
        ("n1 * 3 == 0.3", {"n1": Decimal("0.1")}, True),
        ('t1 not in ["DE"]', {}, False),
        ("t1 not in []", {"t1": "DE"}, True),
        ("t1 not in []", {}, False),
        ('"DE" in tl', {"tl": ["FR", None, "DE"]}, True),
        ("tl == []", {"tl": [None]}, True),
        ("b == false", {}, False),
        ("not b", {}, True),
        ("ind(t1, t2) < 3", {"t1": "DE", "t2": "CN"}, True),
        ("ind(t1, t2) < 3", {"t1": "CN", "t2": "DE"}, False),
        ("ind(t1, t2) < 3", {"t1": "DE"}, False),
        ('code(t1) == ""', {"t1": "FR"}, True),
        ("day1 < day2", {"day1": date(2026, 1, 1), "day2": date(2026, 1, 2)}, True),
        ('t1 < "FR"', {"t1": "DE"}, True),
    ],
)
def test_chosen_cases(source: str, row: dict[str, Any], expected: bool) -> None:
    assert closure_hits(source, [row]) == [expected]
    assert batch_hits([source], [row])[source] == [expected]


def test_a_field_absent_from_the_frame_is_missing() -> None:
    rule = compile_rule("n1 > 1 or not (n2 > 1)", SCHEMA)
    frame = items_frame([{"n1": 5}], SCHEMA).drop("n2")
    assert RuleBatch.compile({"r": rule}, SCHEMA, FUNCTIONS).item_hits(frame).get_column("r").to_list() == [
        True
    ]


def test_a_decimal_overflow_falls_back_to_the_closures_for_that_rule_only() -> None:
    rules = {"huge": compile_rule("n1 * n1 * n1 > 1", SCHEMA), "small": compile_rule("n2 > 1", SCHEMA)}
    frame = items_frame([{"n1": Decimal("1e12"), "n2": 2}, {"n1": 1, "n2": 0}], SCHEMA)
    hits = RuleBatch.compile(rules, SCHEMA, FUNCTIONS).item_hits(frame)
    assert hits.to_dict(as_series=False) == {"huge": [True, False], "small": [True, False]}


def test_one_rule_compiles_to_an_expression_over_the_fields_alone() -> None:
    expression = compile_expression(compile_rule("n1 < 0.5 * ind(t1, t2)", SCHEMA), SCHEMA, FUNCTIONS)
    frame = items_frame([{"t1": "DE", "t2": "CN", "n1": 1}, {"t1": "DE", "t2": "CN", "n1": 2}, {}], SCHEMA)
    assert frame.select(expression.alias("hit")).get_column("hit").to_list() == [True, False, False]


def test_a_function_without_an_implementation_is_refused() -> None:
    rule = compile_rule('ind(t1, "DE") > 1', SCHEMA)
    with pytest.raises(RuleError) as caught:
        RuleBatch.compile({"r": rule}, SCHEMA, {})
    assert caught.value.code == "rules.unknown_function"


def test_equal_calls_in_different_rules_are_computed_once() -> None:
    rules = {
        "low": compile_rule("n1 < ind(t1, t2)", SCHEMA),
        "high": compile_rule("n1 > 2 * ind( t1 ,t2 )", SCHEMA),
    }
    batch = RuleBatch.compile(rules, SCHEMA, FUNCTIONS)
    assert len(batch._calls) == 1


# From items to declarations


def test_a_declaration_hits_a_rule_when_any_of_its_items_does() -> None:
    rules = {"cn": compile_rule('t1 == "CN"', SCHEMA), "big": compile_rule("n1 > 100", SCHEMA)}
    items = [
        {"declaration": "A", "t1": "DE", "n1": 500},
        {"declaration": "B", "t1": "FR", "n1": 1},
        {"declaration": "A", "t1": "CN", "n1": 1},
        {"declaration": "C", "t1": "CN", "n1": 101},
        {"declaration": "B", "t1": None, "n1": None},
    ]
    frame = items_frame(items, SCHEMA, extra={"declaration": items_frame([], SCHEMA).schema["t1"]})
    for index_fields in ((), ("t1",)):  # every rule on every row, or "cn" on the rows its guard selects
        batch = RuleBatch.compile(rules, SCHEMA, FUNCTIONS, index_fields)
        hits = batch.declaration_hits(frame, "declaration")
        assert hits.declarations == ["A", "B", "C"]
        assert hits.hit_lists() == [["cn", "big"], [], ["cn", "big"]]
        assert hits.by_declaration()["C"] == ["cn", "big"]
        assert hits.hit_counts() == {"cn": 2, "big": 2}


def test_no_items_make_no_declarations() -> None:
    frame = items_frame([], SCHEMA, extra={"declaration": items_frame([], SCHEMA).schema["t1"]})
    rules = {"cn": compile_rule('t1 == "CN"', SCHEMA)}
    hits = RuleBatch.compile(rules, SCHEMA, FUNCTIONS, index_fields=("t1",)).declaration_hits(
        frame, "declaration"
    )
    assert (hits.declarations, hits.hit_lists(), hits.matrix.shape) == ([], [], (0, 1))
