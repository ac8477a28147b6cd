"""The fields a rule reads about a declaration being lodged, computed without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from douane.declarations.ports import ItemFacts, SelectivityRequest
from douane.kernel.money import Money
from douane.risk.rules import compile_rule
from douane.risk.targeting.facts import (
    ControlHistory,
    IndicatorBook,
    IndicatorPeriod,
    Reads,
    RiskContext,
    functions,
    item_fields,
)
from douane.risk.targeting.schema import DECLARATION_SCHEMA

BOOK = IndicatorBook(
    {
        ("870323", "DE"): [
            IndicatorPeriod(date(2025, 1, 1), date(2025, 12, 31), Decimal("1500")),
            IndicatorPeriod(date(2026, 1, 1), None, Decimal("2000")),
        ],
        ("870323", None): [IndicatorPeriod(date(2025, 1, 1), None, Decimal("800"))],
    }
)


def _item(
    number: int, line: str, origin: str, value: str | None, mass: str, quantity: str | None = None
) -> ItemFacts:
    return ItemFacts(
        number=number, line_code=line, origin_country=origin, description="Voitures",
        net_mass_kg=Decimal(mass),
        gross_mass_kg=Decimal(mass) + 10, customs_value_dzd=Money.of(value) if value else None,
        supplementary_quantity=Decimal(quantity) if quantity else None,
    )  # fmt: skip


def _request() -> SelectivityRequest:
    items = (
        _item(1, "8703231100", "DE", "3000000", "1500", "1"),
        _item(2, "8703231100", "JP", "1200000", "0"),
        _item(3, "0901110000", "BR", None, "100"),
    )
    return SelectivityRequest(
        declaration_id=7, office_code="16011", regime="4000", operator_id=1, broker_id=2,
        item_lines=tuple(i.line_code for i in items), origin_countries=("BR", "DE", "JP"),
        total_customs_value=Money.of("4200000"), registered_at=datetime(2026, 3, 15, 22, 30, tzinfo=UTC),
        operator_nif="000000000000001", dispatch_country="DE", transport_mode="1", incoterm="CIF",
        invoice_currency="EUR", items=items,
    )  # fmt: skip


CONTEXT = RiskContext(
    on=date(2026, 3, 15),
    operator_registered_on=date(2026, 1, 14),
    operator_history=ControlHistory(controls=8, discrepancies=2),
    broker_licence="16-0001",
    broker_history=ControlHistory(controls=4, discrepancies=1),
    indicators=BOOK,
)


def test_each_item_carries_the_header_and_its_own_derived_values() -> None:
    first, second, third = item_fields(_request(), CONTEXT)
    assert set(first) == set(DECLARATION_SCHEMA.fields)
    assert first["office"] == "16011" and first["broker"] == "16-0001" and first["item_count"] == 3
    assert first["operator_days_registered"] == 60
    assert first["operator_controls"] == 8 and first["operator_discrepancy_rate"] == Decimal("0.25")
    assert first["broker_discrepancy_rate"] == Decimal("0.25")
    without_history = item_fields(_request(), RiskContext(on=CONTEXT.on))[0]
    assert without_history["broker_discrepancy_rate"] is None  # no history: missing, not zero
    # 22:30 UTC is 23:30 in Algiers, on a Sunday
    assert (first["lodged_on"], first["weekday"], first["hour"]) == (date(2026, 3, 15), 7, 23)
    assert first["hs_prefixes"] == ["87", "8703", "870323", "8703231100"]
    assert first["value_per_kg"] == Decimal(2000) and first["value_per_unit"] == Decimal(3000000)
    assert first["indicator_ratio"] == Decimal(1)  # the DE indicator in force in 2026
    assert second["value_per_kg"] is None and second["indicator_ratio"] is None  # no mass: missing
    assert third["customs_value_dzd"] is None and third["indicator_ratio"] is None


def test_only_the_fields_asked_for_are_built_with_the_values_of_every_field() -> None:
    every = item_fields(_request(), CONTEXT)
    for name in DECLARATION_SCHEMA.fields:
        some = item_fields(_request(), CONTEXT, frozenset({name, "hs6"}))
        assert [sorted(values) for values in some] == [sorted({name, "hs6"})] * len(every)
        for values, all_values in zip(some, every, strict=True):
            assert repr(values.get(name)) == repr(all_values[name])  # the same value of the same type
            assert repr(values[name]) == repr(all_values[name])
            assert values.get("origin" if name != "origin" else "hs10") is None


def test_only_the_fields_asked_for_are_computed() -> None:
    first = item_fields(_request(), CONTEXT, frozenset({"value_per_kg", "office"}))[0]
    assert first == {"office": "16011", "value_per_kg": Decimal(2000)}


def test_each_field_reads_the_same_value_with_only_the_context_parts_it_names() -> None:
    """A field or function fed by a part of the context that Reads does not name would read that part's empty
    default at lodging (load_context reads only the parts named) while a backtest reads the real value."""
    for part in RiskContext.__dataclass_fields__:
        if part != "on":
            assert getattr(CONTEXT, part) != getattr(RiskContext(on=CONTEXT.on), part), part
    every = item_fields(_request(), CONTEXT)
    for name in DECLARATION_SCHEMA.fields:
        partial = _with_only(CONTEXT, Reads(frozenset({name})).context_parts)
        assert item_fields(_request(), partial, frozenset({name})) == [
            {name: values[name]} for values in every
        ], name
    for name in DECLARATION_SCHEMA.functions:
        partial = _with_only(CONTEXT, Reads(frozenset(), frozenset({name})).context_parts)
        assert functions(partial)[name]("870323", "DE") == functions(CONTEXT)[name]("870323", "DE"), name


def _with_only(context: RiskContext, parts: frozenset[str]) -> RiskContext:
    """The context with the parts not named left empty, as load_context leaves them."""
    empty = RiskContext(on=context.on)
    return replace(empty, **{part: getattr(context, part) for part in parts})


def test_an_origin_without_its_own_indicator_reads_the_lines_any_origin_indicator() -> None:
    assert BOOK.in_force("870323", "JP", date(2026, 3, 15)) == Decimal(800)
    assert BOOK.in_force("870323", "DE", date(2025, 6, 1)) == Decimal(1500)
    assert BOOK.in_force("870323", "DE", date(2024, 6, 1)) is None
    assert BOOK.in_force("010121", "DE", date(2026, 6, 1)) is None


def test_a_rule_reads_the_fields_and_calls_the_indicator_in_force() -> None:
    rule = compile_rule(
        'hs6 in ["870323"] and origin == "DE" and value_per_kg < 1.5 * indicator(hs6, origin)',
        DECLARATION_SCHEMA,
    )
    hits = [rule.evaluate(fields, functions(CONTEXT)) for fields in item_fields(_request(), CONTEXT)]
    assert hits == [True, False, False]
