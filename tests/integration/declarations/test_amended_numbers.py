"""An inspector's amended value is refused with its reason when it is not one the declaration keeps: too
many decimals, a sign, digits other than ASCII ones, an underscore, a zero net mass, a country that is none.
Such amendments had reached the database's own check (a server error) or answered 404 without their item."""

from __future__ import annotations

from decimal import Decimal

import pytest

from douane.bootstrap import Context
from douane.declarations import control, lodging
from douane.declarations.control import ItemAmendment
from douane.declarations.tables import DeclarationRow
from douane.i18n import translate
from douane.identity import service as identity
from douane.identity.model import Actor
from douane.kernel.errors import InvalidInput
from tests.integration.declarations import fixtures
from tests.integration.declarations.fixtures import FixedSelectivity


def _under_control(ctx: Context, demo: fixtures.Demo) -> tuple[int, Actor]:
    content = fixtures.import_declaration(demo.operator_nif)
    with ctx.db.transaction() as session:
        row = lodging.lodge_new(session, ctx.clock, demo.broker, content, selectivity=FixedSelectivity("red"))
        chief = identity.active_actor(session, "chief")
        assert chief is not None
        control.take_for_control(session, ctx.clock, row.id, by=chief)
        return row.id, chief


def _amend(ctx: Context, declaration_id: int, chief: Actor, field: str, value: str) -> None:
    with ctx.db.transaction() as session:
        control.record_control_result(
            session, ctx.clock, declaration_id, by=chief, outcome="discrepancy", discrepancy_type="value",
            amendments=[ItemAmendment(1, field, value, "Price list of the manufacturer")],
        )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("customs_value_dzd", "0.001", "at most 2 decimals"),
        ("customs_value_dzd", "100.999", "at most 2 decimals"),
        ("net_mass_kg", "1.23456789", "at most 3 decimals"),
        ("supplementary_quantity", "0.0001", "at most 3 decimals"),
        ("customs_value_dzd", "-5", "zero or more"),
        ("net_mass_kg", "0", "more than zero"),
        ("customs_value_dzd", "1_000", "not a number"),
        ("customs_value_dzd", "１２", "not a number"),
        ("customs_value_dzd", "1e3", "not a number"),
        ("origin_country", "XX", "XX is no ISO 3166 country code"),
    ],
)
def test_a_number_the_declaration_cannot_keep_is_refused_and_nothing_changes(
    ctx: Context, demo: fixtures.Demo, field: str, value: str, says: str
) -> None:
    declaration_id, chief = _under_control(ctx, demo)
    with pytest.raises(InvalidInput) as refused:
        _amend(ctx, declaration_id, chief, field, value)
    assert refused.value.code == "declarations.invalid_amendment"
    assert says in translate(refused.value.message, "en", **refused.value.params)
    with ctx.db.transaction() as session:
        assert control.control_results(session, declaration_id) == []


def test_trailing_zeros_are_no_extra_decimals(ctx: Context, demo: fixtures.Demo) -> None:
    declaration_id, chief = _under_control(ctx, demo)
    _amend(ctx, declaration_id, chief, "customs_value_dzd", "2500000.000")
    with ctx.db.transaction() as session:
        row = session.get(DeclarationRow, declaration_id)
        assert row is not None and row.items[0].customs_value_dzd == Decimal("2500000.00")
