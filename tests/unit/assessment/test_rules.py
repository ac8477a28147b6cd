"""Rules around the worked examples: which quantity a specific duty takes, how bases are checked, and
that a changed measure is never confused with the one it replaces."""

from dataclasses import replace
from decimal import Decimal

import pytest

from douane.assessment.model import AssessmentError, assess
from douane.kernel.money import Money
from tests.unit.assessment.builders import declaration, item, line

CODE = "2203000000"


def total(rates: dict[str, str], **extra: object) -> Money:
    data = declaration(
        item(1, CODE, "100.00", "40", **extra), lines={CODE: line(CODE, **rates)}, currency="DZD"
    )
    return assess(data).total


def test_a_duty_per_kg_takes_the_net_mass_unless_it_says_gross() -> None:
    # net 40 kg, gross 50 kg (the builder adds 10 kg of packing)
    assert total({"DD": "10 DZD/kg"}) == Money.of(400)
    assert total({"DD": "10 DZD/kg gross"}) == Money.of(500)
    assert total({"DD": "10 DZD/1000 kg"}) == Money.of(0)  # 0.40 DZD, cut to 0


def test_a_duty_per_item_takes_the_declared_number_of_items() -> None:
    pieces = {"supplementary_quantity": Decimal(12), "supplementary_unit": "NAR"}
    assert total({"DD": "3 DZD/item"}, **pieces) == Money.of(36)
    with pytest.raises(AssessmentError) as missing:
        total({"DD": "3 DZD/item"}, supplementary_quantity=Decimal(12), supplementary_unit="m2")
    assert missing.value.params == {"item": 1, "unit": "item", "tax_code": "DD"}


def test_a_base_naming_a_tax_computed_later_is_refused() -> None:
    measures = line(CODE, DD="10%", TVA="19%")
    measures[0] = replace(measures[0], base=("TVA",))
    with pytest.raises(AssessmentError) as refused:
        assess(declaration(item(1, CODE, "100.00"), lines={CODE: measures}, currency="DZD"))
    assert refused.value.code == "assessment.invalid_base"


def test_two_measures_of_one_tax_in_force_are_refused() -> None:
    measures = line(CODE, DD="10%") + line(CODE, DD="20%")
    with pytest.raises(AssessmentError) as refused:
        assess(declaration(item(1, CODE, "100.00"), lines={CODE: measures}, currency="DZD"))
    assert refused.value.code == "assessment.duplicate_tax"


def test_a_measure_base_of_its_own_replaces_the_tax_types_default() -> None:
    # TVA on CV only (base ""): 19 % x 1 000.00 = 190, where the default base would add D.D 100.
    measures = line(CODE, DD="10%", TVA="19%")
    measures[1] = replace(measures[1], base=())
    data = declaration(item(1, CODE, "1000.00"), lines={CODE: measures}, currency="DZD")
    assert assess(data).total == Money.of(290)


def test_a_changed_measure_on_the_same_line_and_date_is_not_taken_for_the_old_one() -> None:
    assert total({"DD": "10%"}) == Money.of(10)
    assert total({"DD": "20%"}) == Money.of(20)
    assert total({"DD": "10%"}) == Money.of(10)


def test_measures_out_of_force_on_the_date_are_ignored() -> None:
    (old,) = line(CODE, DD="50%")
    expired = replace(
        old, valid_from=old.valid_from.replace(year=2020), valid_to=old.valid_from.replace(year=2021)
    )
    data = declaration(
        item(1, CODE, "1000.00"), lines={CODE: [expired, *line(CODE, DD="5%")]}, currency="DZD"
    )
    assert assess(data).total == Money.of(50)


def test_a_seasonal_rate_applies_only_in_its_season() -> None:
    # 14 % from 1 July to 31 January, 0 % from 1 February to 30 June; registered on 15 March.
    seasonal = line(CODE, DD="14.00% (01 JUL - 31 JAN), 0.00% (01 FEB - 30 JUN)")
    data = declaration(item(1, CODE, "1000.00"), lines={CODE: seasonal}, currency="DZD")
    assert assess(data).total == Money.of(0)
    winter = replace(data, on=data.on.replace(month=12))
    assert assess(winter).total == Money.of(140)


def test_a_compound_duty_adds_its_parts() -> None:
    # T.I.C 10 % + 0.20 EUR/l on 1 000.00 EUR CIF, 600 l; EUR = 148.5123; no D.D on the line.
    #   CV = 148 512.30; 10 % = 14 851.23; 0.20 x 600 x 148.5123 = 17 821.476
    #   14 851.23 + 17 821.476 = 32 672.706 -> 32 672
    data = declaration(
        item(1, CODE, "1000.00", supplementary_quantity=Decimal(600), supplementary_unit="litres"),
        lines={CODE: line(CODE, TIC="10% + 0.20 EUR/l")},
    )
    (tic,) = assess(data).items[0].lines
    assert tic.amount == Money.of(32672)
    assert tic.rate == "10% + 0.20 EUR/l"
    assert tic.explanation == (
        "10% x 148 512.30 + 0.20 EUR/l x 600 l x 148.5123 DZD/EUR = 32 672.70, rounded down to 32 672 DZD"
    )


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("invoice_amount", Decimal("NaN"), "assessment.not_a_number"),
        ("net_mass_kg", Decimal("Infinity"), "assessment.not_a_number"),
        ("gross_mass_kg", Decimal("-1"), "assessment.negative_amount"),
        ("supplementary_quantity", Decimal("-0.001"), "assessment.negative_amount"),
        ("declared_customs_value", Money.of("100", "EUR"), "assessment.declared_value_not_dzd"),
        ("declared_customs_value", Money.of("-1"), "assessment.negative_amount"),
    ],
)
def test_item_amounts_that_cannot_be_assessed(field: str, value: object, code: str) -> None:
    bad = item(3, CODE, "100.00")._replace(**{field: value})
    with pytest.raises(AssessmentError) as refused:
        assess(declaration(bad, lines={}, currency="DZD"))
    assert (refused.value.code, refused.value.params["item"]) == (code, 3)
