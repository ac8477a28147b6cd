"""The lifecycle table and its one guard."""

from __future__ import annotations

from itertools import product

import pytest

from douane.declarations.model import (
    AMENDABLE,
    TRANSITIONS,
    Action,
    Channel,
    Regime,
    Status,
    allowed_actions,
    next_status,
)
from douane.kernel.errors import Conflict

S, A, C = Status, Action, Channel

MAIN_PATH_GREEN = [
    (S.DRAFT, A.LODGE, S.LODGED),
    (S.LODGED, A.REGISTER, S.REGISTERED),
    (S.REGISTERED, A.ASSIGN_CHANNEL, S.CHANNEL_ASSIGNED),
    (S.CHANNEL_ASSIGNED, A.CONFIRM_ASSESSMENT, S.ASSESSED),
    (S.ASSESSED, A.SETTLE_PAID, S.PAID),
    (S.PAID, A.RELEASE, S.RELEASED),
    (S.RELEASED, A.RECORD_EXIT, S.EXITED),
]


@pytest.mark.parametrize(("current", "action", "expected"), MAIN_PATH_GREEN)
def test_green_declaration_goes_from_draft_to_exit(current: Status, action: Action, expected: Status) -> None:
    assert next_status(current, action, channel=C.GREEN) is expected


@pytest.mark.parametrize("channel", [C.YELLOW, C.RED])
def test_yellow_and_red_pass_through_control(channel: Channel) -> None:
    assert next_status(S.CHANNEL_ASSIGNED, A.TAKE_FOR_CONTROL, channel=channel) is S.UNDER_CONTROL
    assert next_status(S.UNDER_CONTROL, A.RECORD_CONTROL, channel=channel) is S.UNDER_CONTROL
    assert next_status(S.UNDER_CONTROL, A.CONFIRM_ASSESSMENT, channel=channel) is S.ASSESSED
    with pytest.raises(Conflict):
        next_status(S.CHANNEL_ASSIGNED, A.CONFIRM_ASSESSMENT, channel=channel)


@pytest.mark.parametrize("channel", [C.GREEN, C.BLUE])
def test_green_and_blue_are_never_taken_for_control(channel: Channel) -> None:
    with pytest.raises(Conflict) as refused:
        next_status(S.CHANNEL_ASSIGNED, A.TAKE_FOR_CONTROL, channel=channel)
    assert refused.value.code == "declarations.transition_not_allowed"


def test_a_channel_dependent_step_without_a_channel_is_refused() -> None:
    with pytest.raises(Conflict):
        next_status(S.CHANNEL_ASSIGNED, A.CONFIRM_ASSESSMENT)


def test_guaranteed_declaration_may_be_released() -> None:
    assert next_status(S.ASSESSED, A.SETTLE_GUARANTEED) is S.GUARANTEED
    assert next_status(S.GUARANTEED, A.RELEASE) is S.RELEASED


def test_every_table_entry_is_accepted_by_the_guard() -> None:
    for (status, action), target in TRANSITIONS.items():
        results = set()
        for channel, regime in product([None, *Channel], [None, *Regime]):
            try:
                results.add(next_status(status, action, channel=channel, regime=regime))
            except Conflict:
                continue
        assert results == {target}, (status, action)


def test_amendment_keeps_the_status_and_stops_at_control() -> None:
    for status in AMENDABLE:
        assert next_status(status, A.AMEND) is status
    for status in (S.DRAFT, S.UNDER_CONTROL, S.ASSESSED, S.PAID, S.RELEASED):
        with pytest.raises(Conflict):
            next_status(status, A.AMEND)


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (S.DRAFT, A.REGISTER),
        (S.DRAFT, A.RELEASE),
        (S.LODGED, A.LODGE),
        (S.ASSESSED, A.RELEASE),
        (S.RELEASED, A.APPROVE_INVALIDATION),
        (S.PAID, A.REQUEST_INVALIDATION),
        (S.EXITED, A.RECORD_EXIT),
        (S.INVALIDATED, A.LODGE),
        (S.REJECTED, A.AMEND),
        (S.RELEASED, A.REJECT),
    ],
)
def test_refused_transitions_name_the_action_and_status(current: Status, action: Action) -> None:
    with pytest.raises(Conflict) as refused:
        next_status(current, action, channel=C.RED)
    assert refused.value.code == "declarations.transition_not_allowed"
    assert refused.value.params["status"] == current.value
    assert refused.value.params["action"] == action.value


def test_final_statuses_allow_nothing() -> None:
    for status in (S.EXITED, S.INVALIDATED, S.REJECTED):
        assert allowed_actions(status, C.RED) == []


def test_invalidation_needs_a_request_then_an_approval() -> None:
    assert next_status(S.ASSESSED, A.REQUEST_INVALIDATION) is S.ASSESSED
    assert next_status(S.ASSESSED, A.APPROVE_INVALIDATION) is S.INVALIDATED


@pytest.mark.parametrize("regime", [Regime.IM5, Regime.IM7, Regime.TR])
@pytest.mark.parametrize("status", [S.RELEASED, S.EXITED])
def test_a_suspensive_regime_is_discharged_once_its_goods_are_released(
    regime: Regime, status: Status
) -> None:
    assert next_status(status, A.DISCHARGE, regime=regime) is S.DISCHARGED
    assert A.DISCHARGE in allowed_actions(status, C.GREEN, regime)
    assert allowed_actions(S.DISCHARGED, C.GREEN, regime) == []


@pytest.mark.parametrize("regime", [Regime.IM4, Regime.EX1, Regime.EX3, None])
def test_no_other_regime_is_ever_discharged(regime: Regime | None) -> None:
    with pytest.raises(Conflict) as refused:
        next_status(S.RELEASED, A.DISCHARGE, regime=regime)
    assert refused.value.code == "declarations.regime_not_suspensive"
    assert A.DISCHARGE not in allowed_actions(S.RELEASED, C.GREEN, regime)


@pytest.mark.parametrize("status", [S.GUARANTEED, S.ASSESSED, S.DISCHARGED, S.INVALIDATED])
def test_goods_not_released_or_already_discharged_are_not_discharged(status: Status) -> None:
    with pytest.raises(Conflict) as refused:
        next_status(status, A.DISCHARGE, regime=Regime.IM5)
    assert refused.value.code == "declarations.transition_not_allowed"
