"""Properties that hold for any declaration: totals add up, they never fall when a price rises, they are
never negative, and header costs are shared out to the exact centime."""

import json
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from douane.assessment.engine import allocate_centimes
from douane.assessment.model import Assessment, AssessmentInput, ItemInput, assess, readable
from douane.kernel.money import Money
from tests.unit.assessment.builders import declaration, line

CODES = ("0101210000", "2103909100", "8703603931")
TAX_CODES = ("DD", "DAPS", "PRCT", "TCS", "TIC", "TVA")

percent = st.one_of(
    st.decimals(min_value=0, max_value=200, places=2),
    st.decimals(min_value=0, max_value=5000, places=3),  # "1 200%", "12.345%": grouped and finer rates
).map(lambda d: f"{d}%")
per_kg = st.decimals(min_value=0, max_value=500, places=2).map(lambda d: f"{d} DZD/kg")
rate_text = st.one_of(
    percent,
    per_kg,
    st.tuples(percent, per_kg).map(lambda p: f"{p[0]} + {p[1]}"),
    st.tuples(percent, per_kg).map(lambda p: f"{p[0]} MIN {p[1]}"),
    st.tuples(percent, per_kg).map(lambda p: f"{p[0]} MAX {p[1]}"),
)
line_rates = st.dictionaries(st.sampled_from(TAX_CODES), rate_text, max_size=len(TAX_CODES))
amount = st.decimals(min_value=0, max_value=10_000_000, places=2)
mass = st.decimals(min_value=0, max_value=100_000, places=3)


@st.composite
def declarations(draw: st.DrawFn, *, header_costs: bool = True, max_items: int = 6) -> AssessmentInput:
    lines = {code: line(code, **draw(line_rates)) for code in CODES}
    count = draw(st.integers(min_value=1, max_value=max_items))
    items = [
        ItemInput(
            number=n,
            line_code=draw(st.sampled_from(CODES)),
            invoice_amount=draw(amount),
            net_mass_kg=draw(mass),
            gross_mass_kg=draw(mass),
        )
        for n in range(1, count + 1)
    ]
    costs = st.none() | amount.map(lambda a: Money(a, "EUR")) if header_costs else st.none()
    return declaration(
        *items,
        lines=lines,
        incoterm=draw(st.sampled_from(("FOB", "CFR", "CIF", "DAP", "EXW"))),
        freight=draw(costs),
        insurance=draw(costs),
        other=draw(costs),
        rates={"EUR": str(draw(st.decimals(min_value="0.0001", max_value=1000, places=4)))},
    )


def check_sums(result: Assessment) -> None:
    for item in result.items:
        assert item.total.amount == sum(line.amount.amount for line in item.lines)
    for code, total in result.taxes_by_code.items():
        assert total.amount == sum(item.amount_of(code).amount for item in result.items)
    assert result.total.amount == sum(m.amount for m in result.taxes_by_code.values())
    assert result.total.amount == sum(item.total.amount for item in result.items)
    assert result.customs_value.amount == sum(item.customs_value.amount for item in result.items)


@settings(max_examples=150, deadline=None)
@given(declarations())
def test_the_total_is_the_sum_of_its_lines_and_never_negative(data: AssessmentInput) -> None:
    result = assess(data)
    check_sums(result)
    for item in result.items:
        assert not item.customs_value.is_negative()
        for tax in item.lines:
            assert not tax.amount.is_negative()
            assert tax.amount.amount == tax.amount.amount.to_integral_value()  # whole dinars
            assert tax.base.amount >= item.customs_value.amount
    assert result.total == sum((m for m in result.taxes_by_code.values()), Money.zero())


@settings(max_examples=150, deadline=None)
@given(declarations(header_costs=False), st.data())
def test_the_total_never_falls_when_an_items_price_rises(data: AssessmentInput, draw: st.DataObject) -> None:
    # Without header costs to share, raising one item's price touches only that item. (With freight
    # shared pro rata between items on different lines, a price rise moves freight from one line to
    # another and the total may legitimately fall: that is what the allocation rule means.)
    index = draw.draw(st.integers(min_value=0, max_value=len(data.items) - 1))
    rise = draw.draw(st.decimals(min_value="0.01", max_value=1_000_000, places=2))
    items = list(data.items)
    items[index] = items[index]._replace(invoice_amount=items[index].invoice_amount + rise)
    before, after = assess(data), assess(replace(data, items=tuple(items)))
    assert after.total >= before.total
    assert after.items[index].total >= before.items[index].total
    check_sums(after)


@settings(max_examples=100, deadline=None)
@given(declarations(max_items=1), st.decimals(min_value="0.01", max_value=1_000_000, places=2))
def test_with_one_item_the_total_never_falls_whatever_the_costs(data: AssessmentInput, rise: Decimal) -> None:
    (only,) = data.items
    higher = replace(data, items=(only._replace(invoice_amount=only.invoice_amount + rise),))
    assert assess(higher).total >= assess(data).total


@given(
    st.integers(min_value=0, max_value=10**14),
    st.lists(st.decimals(min_value=0, max_value=10**9, places=3), min_size=1, max_size=50),
)
def test_allocation_shares_sum_exactly_to_the_header_amount(total: int, weights: list[Decimal]) -> None:
    shares = allocate_centimes(total, weights)
    assert sum(shares) == total
    assert all(share >= 0 for share in shares)
    if sum(weights) > 0:
        for share, weight in zip(shares, weights, strict=True):
            if weight == 0:
                assert share == 0
            exact = Decimal(total) * weight / sum(weights)
            assert share >= exact - 1 or weight == max(weights)


@settings(max_examples=100, deadline=None)
@given(declarations())
def test_allocated_costs_add_up_to_what_the_incoterm_adds(data: AssessmentInput) -> None:
    result = assess(data)
    invoiced = sum(
        (i.invoice_amount * result.exchange_rate_used).quantize(Decimal("0.01")) for i in data.items
    )
    added = result.freight.amount + result.insurance.amount + result.other_costs.amount
    assert result.customs_value.amount == invoiced + added


@settings(max_examples=60, deadline=None)
@given(declarations())
def test_any_breakdown_reads_back_from_its_json_form(data: AssessmentInput) -> None:
    result = assess(data)
    stored = json.loads(json.dumps(result.to_dict()))
    again = Assessment.from_dict(stored)
    assert again == result
    assert again.to_dict() == stored


@st.composite
def declarations_of_any_kind(draw: st.DrawFn) -> AssessmentInput:
    """Declarations in euros or in dinars, some items carrying an officer's declared customs value."""
    data = draw(declarations())
    declared = [
        item._replace(declared_customs_value=Money(draw(amount), "DZD")) if draw(st.booleans()) else item
        for item in data.items
    ]
    currency = draw(st.sampled_from(("EUR", "DZD")))
    return replace(data, items=tuple(declared), invoice_currency=currency)


@settings(max_examples=150, deadline=None)
@given(declarations_of_any_kind())
def test_stored_figures_write_the_same_texts_as_the_engine(data: AssessmentInput) -> None:
    result = assess(data)
    stored = json.loads(json.dumps(result.to_dict()))
    assert all("value_text" not in item for item in stored["items"])  # figures are stored, not sentences

    assert readable(stored)["items"] == result.to_readable_dict()["items"]
    again = Assessment.from_dict(stored)
    assert [line.explanation for item in again.items for line in item.lines] == [
        line.explanation for item in result.items for line in item.lines
    ]


@settings(max_examples=40, deadline=None)
@given(declarations())
def test_a_breakdown_stored_with_its_texts_still_reads_and_stays_as_stored(data: AssessmentInput) -> None:
    written_out = json.loads(json.dumps(assess(data).to_readable_dict()))  # format 1, as stored before
    again = Assessment.from_dict(written_out)
    assert again.to_dict() == written_out
    assert readable(written_out) == written_out
