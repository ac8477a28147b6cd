"""A suspended breakdown says so in three languages and still reads back as the same assessment."""

from __future__ import annotations

from douane.assessment.model import Assessment, assess
from douane.assessment.service import suspended_breakdown
from douane.declarations.model import Regime, duties_suspended
from tests.unit.assessment.builders import declaration, item, line


def test_only_temporary_admission_warehouse_and_transit_suspend_duties() -> None:
    assert {r for r in Regime if duties_suspended(r)} == {Regime.IM5, Regime.IM7, Regime.TR}
    assert not duties_suspended("IM4")


def test_the_marked_breakdown_names_the_guarantee_in_each_language() -> None:
    lines = {"8471301000": line("8471301000", DD="5%", TVA="19%")}
    assessment = assess(declaration(item(1, "8471301000", "1000.00"), lines=lines))
    marked = suspended_breakdown(assessment.to_dict())
    assert marked["duties"] == "suspended" and marked["guarantee_required"] == marked["total"]
    assert set(marked["note"]) == {"ar", "fr", "en"}
    assert all(marked["total"] in note for note in marked["note"].values())
    assert marked["note"]["fr"] != marked["note"]["en"] != marked["note"]["ar"]
    assert Assessment.from_dict(marked) == assessment
