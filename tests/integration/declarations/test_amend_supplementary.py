"""The inspector amends an item's supplementary quantity and unit: a duty charged per litre follows."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.declarations import control, lodging
from douane.declarations.control import ItemAmendment
from douane.declarations.tables import DeclarationRow
from douane.identity import service as identity
from douane.identity.model import Actor
from douane.kernel.errors import InvalidInput
from douane.reference.importers import import_tariff
from tests.integration.declarations import fixtures
from tests.integration.declarations.fixtures import FixedSelectivity

BEER = "2203009000"
# From the demo tariff's first day, the consumption tax on this beer is 50 DZD per litre.
PER_LITRE = """code10,hs6,description_fr,supplementary_unit,tic_expr,valid_from
2203009000,220300,Bières de malt autres,l,50 DZD/l,2026-01-01
"""


def _actor(session: Session, username: str) -> Actor:
    actor = identity.active_actor(session, username)
    assert actor is not None
    return actor


def _tic(row: DeclarationRow) -> Decimal:
    lines = (row.assessment or {})["items"][0]["lines"]
    return sum((Decimal(line["amount"]) for line in lines if line["tax_code"] == "TIC"), Decimal(0))


def _under_control(ctx: Context, demo: fixtures.Demo) -> tuple[int, Actor]:
    with ctx.db.transaction() as session:
        import_tariff(session, ctx.clock, io.StringIO(PER_LITRE))
    beer = fixtures.item(
        1, BEER, "3000.00", description="Malt beer in kegs", supplementary_quantity=Decimal(600),
        supplementary_unit="l",
    )  # fmt: skip
    content = fixtures.import_declaration(demo.operator_nif, items=(beer,))
    with ctx.db.transaction() as session:
        row = lodging.lodge_new(session, ctx.clock, demo.broker, content, selectivity=FixedSelectivity("red"))
        assert _tic(row) == Decimal(30000)  # 600 l x 50 DZD
        chief = _actor(session, "chief")
        control.take_for_control(session, ctx.clock, row.id, by=chief)
        return row.id, chief


def test_amending_quantity_and_unit_reassesses_the_per_litre_duty(ctx: Context, demo: fixtures.Demo) -> None:
    declaration_id, chief = _under_control(ctx, demo)
    with ctx.db.transaction() as session:
        before = session.get(DeclarationRow, declaration_id)
        assert before is not None and before.total_due is not None
        total_before = before.total_due.amount
        control.record_control_result(
            session, ctx.clock, declaration_id, by=chief, outcome="discrepancy", discrepancy_type="quantity",
            amendments=[
                ItemAmendment(1, "supplementary_unit", "hl", "Kegs counted in hectolitres"),
                ItemAmendment(1, "supplementary_quantity", "8", "Eight hectolitres gauged at the quay"),
            ],
        )  # fmt: skip
    with ctx.db.transaction() as session:
        after = session.get(DeclarationRow, declaration_id)
        assert after is not None and after.total_due is not None
        item = after.items[0]
        assert (item.supplementary_unit, item.supplementary_quantity) == ("hl", Decimal(8))
        assert _tic(after) == Decimal(40000)  # 8 hl = 800 l x 50 DZD
        # The per-litre duty rose by 10 000 DZD, and VAT (19 %, its base includes it) by 1 900 DZD.
        assert after.total_due.amount - total_before == Decimal(11900)
        changes = control.control_results(session, declaration_id)[0].item_amendments or []
        assert [(c["field"], c["from"], c["to"]) for c in changes] == [
            ("supplementary_unit", "l", "hl"),
            ("supplementary_quantity", "600", "8"),
        ]


@pytest.mark.parametrize("unit", ["", "litres de bière", "l;drop"])
def test_a_unit_that_is_not_a_short_code_is_refused(ctx: Context, demo: fixtures.Demo, unit: str) -> None:
    declaration_id, chief = _under_control(ctx, demo)
    with ctx.db.transaction() as session, pytest.raises(InvalidInput) as refused:
        control.record_control_result(
            session, ctx.clock, declaration_id, by=chief, outcome="discrepancy", discrepancy_type="quantity",
            amendments=[ItemAmendment(1, "supplementary_unit", unit, "recounted")],
        )  # fmt: skip
    assert refused.value.code == "declarations.invalid_amendment"
