"""The duty expression parser reads every rate shape published in the UK Global Tariff and the CET."""

import csv
from decimal import Decimal

import pytest

from douane.reference.duty_expression import DutyExpressionError, parse_duty_expression
from douane.reference.model import DutyFormula, MeasureKind, SeasonalWindow, SpecificDuty
from tests.conftest import SHARED_DATA

UK_TARIFF = SHARED_DATA / "reference" / "uk-global-tariff" / "global-uk-tariff.csv"


def gbp(amount: str, per: int, unit: str, qualifier: str | None = None) -> SpecificDuty:
    return SpecificDuty(Decimal(amount), "GBP", Decimal(per), unit, qualifier)


def single(text: str) -> DutyFormula:
    (rate,) = parse_duty_expression(text)
    return rate.formula


def test_blank_is_no_duty() -> None:
    assert parse_duty_expression("") == []
    assert parse_duty_expression("   ") == []


def test_ad_valorem() -> None:
    (rate,) = parse_duty_expression("12.00%")
    assert rate.formula == DutyFormula(rate_percent=Decimal("12"))
    assert rate.kind == MeasureKind.AD_VALOREM


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("34.00 GBP/100kg", gbp("34", 100, "kg")),
        ("10.00 GBP / hl", gbp("10", 1, "hl")),
        ("26.00 GBP/hl", gbp("26", 1, "hl")),
        ("0.20 GBP/ item", gbp("0.20", 1, "item")),
        ("43.00 GBP/1000 items", gbp("43", 1000, "item")),
        ("127.00 GBP/ 1000 items", gbp("127", 1000, "item")),
        ("1.40 GBP / % vol / hl", gbp("1.40", 1, "hl", "%vol")),
        ("1.00 GBP/%vol/hl", gbp("1", 1, "hl", "%vol")),
        ("0.30 GBP/100kg/net/%sacchar.", gbp("0.30", 100, "kg", "net/%sacchar.")),
        ("42.00 GBP/100kg mas", gbp("42", 100, "kg", "mas")),
        ("28.00 GBP/100kg std qual", gbp("28", 100, "kg", "std qual")),
        ("1,024.00 EUR / tonne", SpecificDuty(Decimal("1024"), "EUR", Decimal(1000), "kg")),
    ],
)
def test_specific_shapes(text: str, expected: SpecificDuty) -> None:
    (rate,) = parse_duty_expression(text)
    assert rate.formula.specifics == (expected,)
    assert rate.formula.rate_percent is None
    assert rate.kind == MeasureKind.SPECIFIC


def test_compound_ad_valorem_plus_specific() -> None:
    (rate,) = parse_duty_expression("10.00% + 77.00 GBP/100kg")
    assert rate.kind == MeasureKind.COMPOUND
    assert rate.formula == DutyFormula(Decimal("10"), (gbp("77", 100, "kg"),))


def test_compound_with_several_specific_parts() -> None:
    formula = single("40.00% + 101.00 GBP/hl + 17 GBP/100kg")
    assert formula.rate_percent == Decimal("40")
    assert formula.specifics == (gbp("101", 1, "hl"), gbp("17", 100, "kg"))
    assert single("1.00 GBP/kg/lactic matter + 23.00 GBP/100kg").specifics == (
        gbp("1", 1, "kg", "lactic matter"),
        gbp("23", 100, "kg"),
    )
    assert single("0.50 GBP/%vol/hl + 2.60 GBP/hl").specifics == (
        gbp("0.50", 1, "hl", "%vol"),
        gbp("2.60", 1, "hl"),
    )
    assert single("4.00% + 7.80 GBP/100kg eda").specifics == (gbp("7.80", 100, "kg", "eda"),)


def test_seasonal_rates_give_one_rate_per_window() -> None:
    summer, winter = parse_duty_expression("14.00% (01 JUL - 31 JAN), 0.00% (01 FEB - 30 JUN)")
    assert (summer.formula.rate_percent, summer.season) == (Decimal(14), SeasonalWindow(7, 1, 1, 31))
    assert (winter.formula.rate_percent, winter.season) == (Decimal(0), SeasonalWindow(2, 1, 6, 30))
    four = parse_duty_expression(
        "8.00% (01 JAN - 31 JAN), 4.00% (01 FEB - 31 MAR), 0.00% (01 APR - 31 JUL), 10.00% (01 AUG - 31 DEC)"
    )
    assert [r.formula.rate_percent for r in four] == [8, 4, 0, 10]


def test_eu_bounds_references_and_rest_of_year() -> None:
    (rate,) = parse_duty_expression("4.50% MIN 0.30 EUR / item MAX 0.80 EUR / item")
    assert rate.minimum == DutyFormula(specifics=(SpecificDuty(Decimal("0.30"), "EUR", Decimal(1), "item"),))
    assert rate.maximum == DutyFormula(specifics=(SpecificDuty(Decimal("0.80"), "EUR", Decimal(1), "item"),))
    (rate,) = parse_duty_expression("9.00% +  EA MAX 18.70%  + ADSZ")
    assert rate.formula.references == ("EA",)
    assert rate.maximum == DutyFormula(rate_percent=Decimal("18.70"), references=("ADSZ",))
    rates = parse_duty_expression(
        "9.60% MIN 1.1\xa0€/100\xa0kg/net (01 JAN-14 APR, 1 DEC-31 DEC), 13.60% MIN 1.6€/100kg/net"
    )
    assert [(r.formula.rate_percent, str(r.season)) for r in rates] == [
        (Decimal("9.60"), "01/01-14/04"),
        (Decimal("9.60"), "01/12-31/12"),
        (Decimal("13.60"), "15/04-30/11"),
    ]
    assert parse_duty_expression("Entry Price")[0].formula.references == ("ENTRY_PRICE",)


def test_seasonal_window_wraps_the_new_year() -> None:
    from datetime import date

    window = SeasonalWindow(11, 1, 5, 14)
    assert window.contains(date(2025, 12, 31))
    assert window.contains(date(2026, 5, 14))
    assert not window.contains(date(2026, 5, 15))


@pytest.mark.parametrize("text", ["abc", "12.00 GBP", "10% + ", "5% + 6%", "3% (01 FOO - 02 BAR)", "1%, 2%"])
def test_malformed_rates_are_refused_with_a_stable_code(text: str) -> None:
    with pytest.raises(DutyExpressionError) as caught:
        parse_duty_expression(text)
    assert caught.value.code == "reference.bad_duty_expression"


def test_every_rate_of_the_uk_global_tariff_parses() -> None:
    with UK_TARIFF.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 11_830
    kinds: dict[str, int] = {}
    for row in rows:
        for rate in parse_duty_expression(row["ukgt_duty_rate"]):
            kinds[rate.kind] = kinds.get(rate.kind, 0) + 1
        parse_duty_expression(row["cet_duty_rate"])
    assert kinds[MeasureKind.AD_VALOREM] > 10_000
    assert kinds[MeasureKind.COMPOUND] >= 238
    assert kinds[MeasureKind.SPECIFIC] > 800
