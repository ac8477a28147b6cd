"""Payments hear that a suspensive regime was discharged: the suspended amount due stops being owed and its
guarantee's cover comes back; duties that were to be paid are not wiped out that way."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.identity.model import Actor
from douane.kernel.errors import Conflict
from douane.kernel.money import Money
from douane.payments import service
from douane.payments.tables import AmountDueRow
from tests.integration.payments.factories import (
    LIQUIDATOR,
    SettlementRecorder,
    cashier,
    isolated_bus,
    officer,
    offices,
)
from tests.integration.registry.factories import operator

REASON = "regime discharged (re_export): declaration 16011/2026/000001"
NUMBER = "16011/2026/000001"


@pytest.fixture(autouse=True)
def heard(monkeypatch: pytest.MonkeyPatch) -> SettlementRecorder:
    return isolated_bus(monkeypatch)


def _due(ctx: Context, kind: str) -> tuple[int, int, Actor]:
    """An amount due of `kind` for declaration 1: (its id, the debtor's id, a cashier posted at its desk)."""
    with ctx.db.transaction() as session:
        offices(session, ctx.clock)
        desk = cashier(officer(session, ctx.clock, "C-001", "16000").id)
        debtor = operator(session, ctx.clock, 1, name="SARL Mine").id
        due = service.open_amount_due(
            session, ctx.clock, subject_kind="declaration", subject_id=1, subject_reference=NUMBER,
            office_code="16011", operator_id=debtor, broker_id=None, lines=[("DD", Money.of("40230"))],
            by=LIQUIDATOR, kind=kind,
        )  # fmt: skip
        return due.id, debtor, desk


def _covered(ctx: Context, kind: str) -> tuple[int, int, Actor]:
    """The amount due covered by a bank surety of 100 000 DZD: (amount due id, guarantee id, cashier)."""
    due_id, debtor, desk = _due(ctx, kind)
    with ctx.db.transaction() as session:
        guarantee = service.register_guarantee(
            session, ctx.clock, operator_id=debtor, kind="bank_surety", reference="CAUT-1", issuer="CPA",
            amount=Money.of("100000"), valid_from=date(2026, 1, 1), valid_to=None, by=desk,
        )  # fmt: skip
        service.cover_with_guarantee(session, ctx.clock, due_id, guarantee.id, by=desk)
        return due_id, guarantee.id, desk


def _discharge(ctx: Context) -> AmountDueRow | None:
    with ctx.db.transaction() as session:
        return service.discharge_suspended(session, ctx.clock, "declaration", 1, reason=REASON, by=None)


def test_suspended_duties_stop_being_owed_and_free_their_guarantee(ctx: Context) -> None:
    due_id, guarantee_id, desk = _covered(ctx, "suspended")
    with ctx.db.transaction() as session:
        assert service.still_owed_under(session, guarantee_id) == [NUMBER]

    _discharge(ctx)

    with ctx.db.transaction() as session:
        due = session.get_one(AmountDueRow, due_id)
        assert (due.status, due.guaranteed) == ("discharged", Money.zero())
        guarantee = service.get_guarantee(session, guarantee_id)
        assert guarantee.allocated == Money.zero() and guarantee.available == Money.of("100000")
        assert service.still_owed_under(session, guarantee_id) == []
        assert service.settlement_of(session, "declaration", 1).outstanding == Money.zero()
        actions = set(session.scalars(select(AuditEventRow.action)))
        assert {"amount_due.discharged", "guarantee.allocation_released"} <= actions
    with ctx.db.transaction() as session, pytest.raises(Conflict) as again:
        service.cover_with_guarantee(session, ctx.clock, due_id, guarantee_id, by=desk)
    assert again.value.code == "payments.amount_due_discharged"
    with ctx.db.transaction() as session:
        released = service.release_guarantee(session, ctx.clock, guarantee_id, reason="Discharged", by=None)
        assert released.status == "released"


def test_duties_to_pay_are_not_ended_by_a_discharge(ctx: Context) -> None:
    due_id, guarantee_id, _desk = _covered(ctx, "payment")
    with pytest.raises(Conflict) as refused:
        _discharge(ctx)
    assert refused.value.code == "payments.not_suspended"
    with ctx.db.transaction() as session:
        assert session.get_one(AmountDueRow, due_id).status == "guaranteed"
        assert service.still_owed_under(session, guarantee_id) == [NUMBER]


def test_nothing_due_or_already_paid_is_left_as_it_is(ctx: Context) -> None:
    assert _discharge(ctx) is None
    due_id, _debtor, desk = _due(ctx, "payment")
    with ctx.db.transaction() as session:
        service.record_payment(
            session, ctx.clock, due_id, amount=Money.of("40230"), method="cash", method_reference=None,
            payer="SARL Mine", idempotency_key="paid-before", by=desk,
        )  # fmt: skip
    discharged = _discharge(ctx)
    assert discharged is not None and discharged.status == "paid"
