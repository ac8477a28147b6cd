"""Pure rules of the reference model: measures in force, bases, the shipped tax types."""

from datetime import date
from decimal import Decimal

from douane.reference.model import DutyFormula, Measure, MeasureKind, SeasonalWindow, TaxType, base_problems
from douane.reference.service import default_tax_types


def test_a_measure_is_in_force_between_its_dates_and_inside_its_season() -> None:
    measure = Measure(
        "0702000000", MeasureKind.AD_VALOREM, date(2021, 1, 1), date(2025, 12, 31), tax_code="DD",
        formula=DutyFormula(Decimal(8)), season=SeasonalWindow(11, 1, 5, 14),
    )  # fmt: skip
    assert measure.in_force(date(2024, 1, 10))
    assert not measure.in_force(date(2024, 7, 1))
    assert not measure.in_force(date(2020, 12, 1))
    assert not measure.in_force(date(2026, 1, 2))


def test_shipped_algerian_tax_types_have_a_consistent_computation_order() -> None:
    taxes = {t.code: t for t in default_tax_types()}
    assert set(taxes) >= {"DD", "TVA", "TCS", "PRCT", "DAPS", "TIC"}
    assert base_problems(list(taxes.values())) == []
    assert taxes["TVA"].default_base == ("DD", "DAPS", "TCS", "TIC")
    assert taxes["DD"].default_base == ()
    assert all(t.name_ar and t.name_fr and t.name_en for t in taxes.values())


def test_a_base_that_needs_a_later_tax_is_a_problem() -> None:
    taxes = [
        TaxType("A", "a", "a", "a", 10, ("B",)),
        TaxType("B", "b", "b", "b", 20),
        TaxType("C", "c", "c", "c", 5, ("Z",)),
    ]
    assert base_problems(taxes) == [
        "A: base tax B is not computed before it",
        "C: base names an unknown tax Z",
    ]


def test_a_measure_base_overrides_the_tax_type_default() -> None:
    taxes = {t.code: t for t in default_tax_types()}
    default = Measure("2103901000", MeasureKind.AD_VALOREM, date(2026, 1, 1), tax_code="TVA")
    overridden = Measure("2103901000", MeasureKind.AD_VALOREM, date(2026, 1, 1), tax_code="TVA", base=("DD",))
    assert default.effective_base(taxes) == ("DD", "DAPS", "TCS", "TIC")
    assert overridden.effective_base(taxes) == ("DD",)
