"""The context of a declaration read from the database: history only up to its registration, indicators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from douane.bootstrap import Context
from douane.declarations import lodging
from douane.declarations.ports import ChannelDecision, ItemFacts, SelectivityRequest
from douane.declarations.tables import DeclarationRow
from douane.kernel.money import Money
from douane.read_cache import reads_cached
from douane.risk.tables import ValueIndicatorRow
from douane.risk.targeting.facts import (
    EVERYTHING,
    ControlHistory,
    Reads,
    RiskContext,
    functions,
    item_fields,
    item_fields_of_stored,
    load_context,
)
from douane.risk.targeting.schema import DECLARATION_SCHEMA
from tests.integration.declarations import fixtures
from tests.integration.risk.targeting.history import at, declaration, parties


def _request(operator_id: int, broker_id: int, registered_day: int) -> SelectivityRequest:
    item = ItemFacts(
        number=1, line_code="8703231100", origin_country="DE", description="car", net_mass_kg=Decimal(1000),
        gross_mass_kg=Decimal(1100), customs_value_dzd=Money.of(1000000),
    )  # fmt: skip
    return SelectivityRequest(
        declaration_id=999, office_code="16011", regime="4000", operator_id=operator_id, broker_id=broker_id,
        item_lines=("8703231100",), origin_countries=("DE",), total_customs_value=Money.of(1000000),
        registered_at=at(registered_day), items=(item,),
    )  # fmt: skip


def test_history_counts_only_results_recorded_before_registration(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        who = parties(session, ctx.clock)
        declaration(session, who, at(1), control="discrepancy", broker=True)
        declaration(session, who, at(2), control="no_discrepancy", recorded_at=at(3))
        declaration(session, who, at(3), control="discrepancy", recorded_at=at(10), broker=True)  # later
        declaration(session, who, at(4))  # never controlled
        declaration(session, who, at(4), operator_index=1, control="discrepancy")  # another operator
        session.add(
            ValueIndicatorRow(hs6="870323", origin="DE", centimes_per_kg=150000, valid_from=date(2026, 1, 1),
                              source="analyst", basis={}, set_by="analyst", set_at=at(1))
        )  # fmt: skip
    with ctx.db.transaction() as session, reads_cached(session):
        context = load_context(session, _request(who.operator_ids[0], who.broker_id, registered_day=5))
    assert context.operator_history == ControlHistory(controls=2, discrepancies=1)
    assert context.broker_history == ControlHistory(controls=1, discrepancies=1)
    assert context.broker_licence == "16-0001"
    assert context.operator_registered_on == date(2025, 1, 1)
    assert context.indicators.in_force("870323", "DE", date(2026, 3, 5)) == Decimal(1500)
    with ctx.db.transaction() as session:
        later = load_context(session, _request(who.operator_ids[0], who.broker_id, registered_day=11))
    assert later.operator_history == ControlHistory(controls=3, discrepancies=2)


def _controlled_declaration_with_an_indicator(ctx: Context) -> SelectivityRequest:
    """A request whose every part of the context has a value: control histories, licence, indicator."""
    with ctx.db.transaction() as session:
        who = parties(session, ctx.clock)
        declaration(session, who, at(1), control="discrepancy", broker=True)
        session.add(
            ValueIndicatorRow(hs6="870323", origin="DE", centimes_per_kg=150000, valid_from=date(2026, 1, 1),
                              source="analyst", basis={}, set_by="analyst", set_at=at(1))
        )  # fmt: skip
    request = _request(who.operator_ids[0], who.broker_id, registered_day=5)
    return request


def test_only_the_parts_of_the_context_the_rules_read_are_loaded(ctx: Context) -> None:
    request = _controlled_declaration_with_an_indicator(ctx)
    with ctx.db.transaction() as session:
        every = load_context(session, request)
        assert load_context(session, request, EVERYTHING) == every
        indicators = load_context(session, request, Reads(frozenset({"hs6"}), frozenset({"indicator"})))
        broker = load_context(session, request, Reads(frozenset({"broker", "broker_discrepancy_rate"})))
        operator = load_context(session, request, Reads(frozenset({"operator_days_registered"})))
    assert every.indicators.in_force("870323", "DE", date(2026, 3, 5)) == Decimal(1500)
    assert indicators == RiskContext(on=every.on, indicators=every.indicators)
    assert broker == RiskContext(
        on=every.on, broker_licence="16-0001", broker_history=ControlHistory(controls=1, discrepancies=1)
    )
    assert operator == RiskContext(on=every.on, operator_registered_on=date(2025, 1, 1))


def test_each_field_loaded_alone_reads_what_it_reads_with_the_whole_context(ctx: Context) -> None:
    """At lodging only the parts of the context a rule set reads are loaded; a backtest has them all."""
    request = _controlled_declaration_with_an_indicator(ctx)
    with ctx.db.transaction() as session:
        whole = load_context(session, request)
        every = item_fields(request, whole)
        for name in DECLARATION_SCHEMA.fields:
            alone = load_context(session, request, Reads(frozenset({name})))
            assert item_fields(request, alone, frozenset({name})) == [{name: every[0][name]}], name
        for name in DECLARATION_SCHEMA.functions:
            alone = load_context(session, request, Reads(frozenset(), frozenset({name})))
            assert functions(alone)[name]("870323", "DE") == functions(whole)[name]("870323", "DE"), name
    empty = RiskContext(on=whole.on)
    assert all(
        getattr(whole, part) != getattr(empty, part)
        for part in RiskContext.__dataclass_fields__
        if part != "on"
    )


class _Recording:
    """A selectivity that remembers what lodging told it, then sends the declaration green."""

    def __init__(self) -> None:
        self.requests: list[SelectivityRequest] = []

    def choose_channel(self, session: object, clock: object, request: SelectivityRequest) -> ChannelDecision:
        self.requests.append(request)
        return ChannelDecision("green")


def test_a_backtest_reads_the_invoice_total_in_dinars_as_lodging_did(ctx: Context) -> None:
    demo = fixtures.load(ctx)
    recording = _Recording()
    with ctx.db.transaction() as session:
        content = fixtures.import_declaration(demo.operator_nif)  # invoiced in EUR
        declaration_id = lodging.lodge_new(session, ctx.clock, demo.broker, content, selectivity=recording).id
    live = item_fields(recording.requests[0], RiskContext(on=date(2026, 3, 15)))
    with ctx.db.transaction() as session:
        stored = item_fields_of_stored(
            session.get(DeclarationRow, declaration_id), RiskContext(on=date(2026, 3, 15))
        )
    assert content.invoice_currency != "DZD"
    assert live[0]["invoice_total_dzd"] is not None
    assert stored[0]["invoice_total_dzd"] == live[0]["invoice_total_dzd"]
