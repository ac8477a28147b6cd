"""When a guarantee may be given back: its state machine and what it still covers, without a database."""

from __future__ import annotations

import pytest

from douane.kernel.errors import Conflict
from douane.payments import model
from douane.payments.model import AmountDueStatus as S
from douane.payments.model import GuaranteeStatus


def test_an_active_guarantee_may_be_released_and_a_released_one_goes_nowhere() -> None:
    model.check_guarantee_transition(GuaranteeStatus.ACTIVE, GuaranteeStatus.RELEASED)
    for target in GuaranteeStatus:
        with pytest.raises(Conflict) as refused:
            model.check_guarantee_transition(GuaranteeStatus.RELEASED, target)
        assert refused.value.code == "payments.guarantee_transition_refused"


def test_a_guarantee_is_releasable_once_what_it_covers_is_paid_or_cancelled() -> None:
    model.check_guarantee_releasable([])
    model.check_guarantee_releasable([("16011/2026/000001", S.PAID), ("16011/2026/000002", S.CANCELLED)])


@pytest.mark.parametrize("owed", [S.GUARANTEED, S.OPEN, S.PARTIALLY_PAID])
def test_a_guarantee_covering_unpaid_duties_is_kept_and_the_declarations_are_named(owed: S) -> None:
    covered = [("16011/2026/000009", owed), ("16011/2026/000001", S.PAID), ("16011/2026/000003", owed)]
    with pytest.raises(Conflict) as refused:
        model.check_guarantee_releasable(covered)
    assert refused.value.code == "payments.guarantee_in_use"
    assert refused.value.params["references"] == "16011/2026/000003, 16011/2026/000009"
