"""Suspended duties end with the discharge of their regime, without a database: the amount due's state
machine, what a guarantee still covers, what other contexts read."""

from __future__ import annotations

import pytest

from douane.kernel.errors import Conflict
from douane.kernel.money import Money
from douane.payments import model
from douane.payments.model import AmountDueKind, AmountDueStatus, SettlementStatus


def test_only_guaranteed_suspended_duties_are_discharged_and_that_is_final() -> None:
    model.check_transition(AmountDueStatus.GUARANTEED, AmountDueStatus.DISCHARGED)
    model.check_dischargeable(AmountDueKind.SUSPENDED)
    for before in (AmountDueStatus.OPEN, AmountDueStatus.PAID, AmountDueStatus.CANCELLED):
        with pytest.raises(Conflict):
            model.check_transition(before, AmountDueStatus.DISCHARGED)
    for after in AmountDueStatus:
        with pytest.raises(Conflict):
            model.check_transition(AmountDueStatus.DISCHARGED, after)
    with pytest.raises(Conflict) as owed:
        model.check_dischargeable(AmountDueKind.PAYMENT)
    assert owed.value.code == "payments.not_suspended"


def test_a_guarantee_covering_only_discharged_duties_may_be_released() -> None:
    model.check_guarantee_releasable([("16011/2026/000001", AmountDueStatus.DISCHARGED)])
    with pytest.raises(Conflict) as in_use:
        model.check_guarantee_releasable(
            [
                ("16011/2026/000001", AmountDueStatus.DISCHARGED),
                ("16011/2026/000002", AmountDueStatus.GUARANTEED),
            ]
        )
    assert in_use.value.params["references"] == "16011/2026/000002"


def test_a_discharged_amount_reads_as_settled() -> None:
    assert model.settlement_status(AmountDueStatus.DISCHARGED) is SettlementStatus.DISCHARGED
    settlement = model.Settlement(SettlementStatus.DISCHARGED, Money.zero(), suspended=True)
    assert settlement.settled
