"""Suspensive regimes (temporary admission, customs warehouse, transit): the confirmed assessment opens an
amount to be guaranteed, never paid; release waits for the guarantee. Release for free circulation (IM4) is
still paid at the cashier."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.declarations import control, lodging
from douane.declarations.model import Regime
from douane.declarations.tables import DeclarationRow
from douane.identity import service as identity
from douane.identity.model import Actor
from douane.kernel.errors import Conflict
from douane.kernel.money import Money
from douane.payments import service as payments
from douane.payments.tables import AmountDueRow
from tests.integration.declarations import fixtures
from tests.integration.declarations.fixtures import FixedSelectivity


def _staff(session: Session, username: str) -> Actor:
    actor = identity.active_actor(session, username)
    assert actor is not None
    return actor


def _assessed(ctx: Context, demo: fixtures.Demo, regime: Regime) -> int:
    """A green declaration under `regime`, lodged and its assessment confirmed by the liquidator."""
    with ctx.db.transaction() as session:
        content = fixtures.import_declaration(demo.operator_nif, regime=regime)
        row = lodging.lodge_new(session, ctx.clock, demo.broker, content, selectivity=FixedSelectivity())
        control.confirm_assessment(session, ctx.clock, row.id, by=_staff(session, "liquidator"))
        return row.id


def _amount_due(session: Session, declaration_id: int) -> AmountDueRow:
    return session.scalars(select(AmountDueRow).where(AmountDueRow.subject_id == declaration_id)).one()


def _pay_in_cash(session: Session, ctx: Context, due: AmountDueRow, key: str) -> None:
    payments.record_payment(
        session, ctx.clock, due.id, amount=due.total, method="cash", method_reference=None,
        payer="SARL Tassili", idempotency_key=key, by=_staff(session, "cashier"),
    )  # fmt: skip


def _guarantee(session: Session, ctx: Context, operator_id: int, amount: str) -> int:
    guarantee = payments.register_guarantee(
        session, ctx.clock, operator_id=operator_id, kind="bank_surety", reference=f"AT-{amount}",
        issuer="BADR", amount=Money(Decimal(amount), "DZD"), valid_from=date(2026, 1, 1), valid_to=None,
        by=_staff(session, "cashier"),
    )  # fmt: skip
    return guarantee.id


def test_temporary_admission_is_released_against_a_guarantee_not_a_payment(
    ctx: Context, demo: fixtures.Demo
) -> None:
    declaration_id = _assessed(ctx, demo, Regime.IM5)
    with ctx.db.transaction() as session:
        row = session.get(DeclarationRow, declaration_id)
        assert row is not None and row.status == "assessed" and row.total_due is not None
        due = _amount_due(session, declaration_id)
        assert due.kind == "suspended" and due.total == row.total_due and due.total.amount > 0
        breakdown = row.assessment or {}
        assert breakdown["duties"] == "suspended"
        assert Decimal(breakdown["guarantee_required"]) == row.total_due.amount
        assert "suspendus" in breakdown["note"]["fr"] and "موقوفة" in breakdown["note"]["ar"]
        assert breakdown["total"] in breakdown["note"]["en"]
        total, operator_id = due.total, row.operator_id
        assert operator_id is not None

    with ctx.db.transaction() as session, pytest.raises(Conflict) as cash:
        _pay_in_cash(session, ctx, _amount_due(session, declaration_id), "im5-cash")
    assert cash.value.code == "payments.suspended_not_payable"
    with ctx.db.transaction() as session, pytest.raises(Conflict) as early:
        control.release(session, ctx.clock, declaration_id, by=_staff(session, "chief"))
    assert early.value.code == "declarations.not_guaranteed"
    assert early.value.params["outstanding"] == str(total.amount)

    with ctx.db.transaction() as session:
        guarantee_id = _guarantee(session, ctx, operator_id, "5000000")
        payments.cover_with_guarantee(
            session, ctx.clock, _amount_due(session, declaration_id).id, guarantee_id,
            by=_staff(session, "cashier"),
        )  # fmt: skip
        assert session.get(DeclarationRow, declaration_id).status == "guaranteed"  # type: ignore[union-attr]
    with ctx.db.transaction() as session:
        control.release(session, ctx.clock, declaration_id, by=_staff(session, "chief"))
        assert session.get(DeclarationRow, declaration_id).status == "released"  # type: ignore[union-attr]
        assert payments.get_guarantee(session, guarantee_id).allocated == total


def test_a_guarantee_smaller_than_the_suspended_duties_is_refused(ctx: Context, demo: fixtures.Demo) -> None:
    declaration_id = _assessed(ctx, demo, Regime.IM7)
    with ctx.db.transaction() as session:
        row = session.get(DeclarationRow, declaration_id)
        assert row is not None and row.operator_id is not None
        guarantee_id = _guarantee(session, ctx, row.operator_id, "10")
    with ctx.db.transaction() as session, pytest.raises(Conflict) as short:
        payments.cover_with_guarantee(
            session, ctx.clock, _amount_due(session, declaration_id).id, guarantee_id,
            by=_staff(session, "cashier"),
        )  # fmt: skip
    assert short.value.code == "payments.guarantee_insufficient"
    with ctx.db.transaction() as session:
        assert session.get(DeclarationRow, declaration_id).status == "assessed"  # type: ignore[union-attr]


def test_release_for_free_circulation_is_still_paid_at_the_cashier(ctx: Context, demo: fixtures.Demo) -> None:
    declaration_id = _assessed(ctx, demo, Regime.IM4)
    with ctx.db.transaction() as session:
        row = session.get(DeclarationRow, declaration_id)
        assert row is not None and "duties" not in (row.assessment or {})
        due = _amount_due(session, declaration_id)
        assert due.kind == "payment"
        _pay_in_cash(session, ctx, due, "im4-cash")
        assert row.status == "paid"
    with ctx.db.transaction() as session:
        control.release(session, ctx.clock, declaration_id, by=_staff(session, "chief"))
        assert session.get(DeclarationRow, declaration_id).status == "released"  # type: ignore[union-attr]
