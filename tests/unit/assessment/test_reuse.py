"""What the engine keeps between declarations (plans found by the identity of a line's measures tuple,
tax types indexed once, weights read without their digits) never changes a result."""

import json
from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from douane.assessment.engine import allocate_centimes
from douane.assessment.model import AssessmentInput, assess
from douane.kernel.money import Money
from tests.unit.assessment.builders import TAX_TYPES, declaration, item, line

CODE = "2203000000"


def stored(data: AssessmentInput) -> str:
    return json.dumps(assess(data).to_dict())


def test_the_same_measures_tuple_at_another_date_or_with_other_tax_types_is_planned_again() -> None:
    measures = tuple(line(CODE, DD="10%", TVA="19%"))
    data = declaration(item(1, CODE, "1000.00"), lines={CODE: measures}, currency="DZD")
    assert assess(data).total == Money.of(309)  # DD 100, TVA 19 % of 1 100
    before = replace(data, on=data.on.replace(year=2025))  # the measures are not in force yet
    assert assess(before).total == Money.of(0)
    tva_on_value_only = tuple(replace(t, default_base=()) if t.code == "TVA" else t for t in TAX_TYPES)
    assert assess(replace(data, tax_types=tva_on_value_only)).total == Money.of(290)
    assert assess(data).total == Money.of(309)


def test_a_new_tuple_for_a_line_is_not_taken_for_the_one_it_replaces() -> None:
    data = declaration(item(1, CODE, "1000.00"), lines={CODE: tuple(line(CODE, DD="10%"))}, currency="DZD")
    assert assess(data).total == Money.of(100)
    changed = replace(data, measures={CODE: tuple(line(CODE, DD="20%"))})
    assert assess(changed).total == Money.of(200)
    assert assess(data).total == Money.of(100)


def test_measures_given_as_a_tuple_or_a_list_are_assessed_alike() -> None:
    measures = line(CODE, DD="10% MIN 5 DZD/kg", TCS="3%", TVA="19%")
    as_list = declaration(item(1, CODE, "1000.00"), item(2, CODE, "3.00"), lines={CODE: measures})
    as_tuple = replace(as_list, measures={CODE: tuple(measures)})
    assert stored(as_tuple) == stored(as_list)
    assert stored(as_tuple) == stored(as_list)  # again, from what was kept


def test_tax_types_given_as_a_list_or_a_tuple_are_assessed_alike() -> None:
    data = declaration(item(1, CODE, "1000.00"), lines={CODE: line(CODE, DD="10%", TVA="19%")})
    assert stored(replace(data, tax_types=list(TAX_TYPES))) == stored(data)


def reference_shares(total: int, weights: list[Decimal]) -> list[int]:
    """The allocation written the long way: every weight's decimal places read from its digits."""
    scale = max(0, *(-int(w.as_tuple().exponent) for w in weights))
    whole = [int(w.scaleb(scale)) for w in weights]
    if sum(whole) == 0:
        whole = [1] * len(weights)
    shares = [total * w // sum(whole) for w in whole]
    shares[max(range(len(whole)), key=whole.__getitem__)] += total - sum(shares)
    return shares


weight = st.one_of(
    st.decimals(min_value=0, max_value=10**9, places=2),
    st.decimals(min_value=0, max_value=10**6, places=4),
    st.integers(min_value=0, max_value=10**6).map(Decimal),
    st.sampled_from([Decimal("1E+3"), Decimal("0"), Decimal("0.00"), Decimal("5.1")]),
)


@given(st.integers(min_value=0, max_value=10**12), st.lists(weight, min_size=1, max_size=8))
def test_shares_are_those_of_the_weights_digits(total: int, weights: list[Decimal]) -> None:
    assert allocate_centimes(total, weights) == reference_shares(total, weights)
