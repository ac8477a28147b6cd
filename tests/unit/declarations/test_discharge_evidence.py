"""What an officer must say to discharge a suspensive regime, checked before anything is looked up."""

from __future__ import annotations

from datetime import date

import pytest

from douane.declarations.model import (
    DischargeEvidence,
    DischargeMethod,
    Regime,
    check_discharge_evidence,
    discharge_evidence,
)
from douane.kernel.errors import InvalidInput

TODAY, RELEASED_ON = date(2026, 3, 15), date(2026, 3, 2)
M = DischargeMethod


def _check(regime: Regime, evidence: DischargeEvidence) -> None:
    check_discharge_evidence(regime, evidence, today=TODAY, released_on=RELEASED_ON)


def _refusal(regime: Regime, evidence: DischargeEvidence) -> str:
    with pytest.raises(InvalidInput) as refused:
        _check(regime, evidence)
    return refused.value.code


@pytest.mark.parametrize("regime", [Regime.IM5, Regime.IM7])
def test_temporary_admission_and_warehouse_end_by_a_declaration(regime: Regime) -> None:
    for method in (M.RE_EXPORT, M.FREE_CIRCULATION):
        _check(regime, DischargeEvidence(method, reference_number="16011/2026/000042"))
        assert _refusal(regime, DischargeEvidence(method)) == "declarations.discharge_reference_required"
    assert _refusal(regime, DischargeEvidence(M.ARRIVAL, destination_office="16021", arrived_on=TODAY)) == (
        "declarations.discharge_method_not_allowed"
    )
    mixed = DischargeEvidence(M.RE_EXPORT, "16011/2026/000042", destination_office="16021")
    assert _refusal(regime, mixed) == "declarations.discharge_evidence_mismatch"


def test_a_transit_ends_on_arrival_at_its_office_of_destination_between_release_and_today() -> None:
    for day in (RELEASED_ON, TODAY):
        _check(Regime.TR, DischargeEvidence(M.ARRIVAL, destination_office="16021", arrived_on=day))
    refusals = {
        "declarations.discharge_arrival_required": DischargeEvidence(M.ARRIVAL, destination_office="16021"),
        "declarations.discharge_arrival_in_future": DischargeEvidence(
            M.ARRIVAL, destination_office="16021", arrived_on=date(2026, 3, 16)
        ),
        "declarations.discharge_arrival_before_release": DischargeEvidence(
            M.ARRIVAL, destination_office="16021", arrived_on=date(2026, 3, 1)
        ),
        "declarations.discharge_method_not_allowed": DischargeEvidence(M.RE_EXPORT, "16011/2026/000042"),
    }
    for code, evidence in refusals.items():
        assert _refusal(Regime.TR, evidence) == code


def test_typed_evidence_is_trimmed_and_an_unknown_method_refused() -> None:
    typed = discharge_evidence(" re_export ", reference_number=" 16011/2026/000042 ", destination_office="  ")
    assert typed == DischargeEvidence(M.RE_EXPORT, "16011/2026/000042", None, None)
    with pytest.raises(InvalidInput) as refused:
        discharge_evidence("confiscation")
    assert refused.value.code == "declarations.invalid_discharge_method"
