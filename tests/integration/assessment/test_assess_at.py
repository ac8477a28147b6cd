"""Assessment at the registration date, with tariff lines, measures and rates loaded through the
reference importers: the measures and the rate in force on that date are the ones used."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from douane.assessment.model import Assessment, AssessmentError, ItemInput, assess
from douane.assessment.service import assess_at, assessment_input_at
from douane.db import Database
from douane.kernel.clock import FixedClock
from douane.kernel.money import Money
from douane.read_cache import reads_cached
from douane.reference import service as reference
from douane.reference.importers import import_rates, import_tariff
from tests.integration.reference.factories import load_mini_hs, write

MAYONNAISE = "2103909100"
WINE = "2204210000"
TARIFF = """
code10,hs6,description_fr,supplementary_unit,dd_pct,daps_pct,prct_pct,tcs_pct,tic_expr,tva_pct,valid_from
2103909100,210390,Mayonnaise,,30.00,60.00,2.00,3.00,,19.00,2026-01-01
2204210000,220421,Vins,l,15.00,,,,40 DZD/l,19.00,2026-01-01
"""
# From 1 July 2026 the customs duty on mayonnaise falls to 15 % and the safeguard duty ends.
CHANGE = """
code10,hs6,description_fr,supplementary_unit,dd_pct,daps_pct,prct_pct,tcs_pct,tic_expr,tva_pct,valid_from
2103909100,210390,Mayonnaise,,15.00,,2.00,3.00,,19.00,2026-07-01
"""
RATES = """
currency,valid_from,valid_to,dzd_per_unit
EUR,2026-01-01,2026-06-30,148.5123
EUR,2026-07-01,,150.00
"""


@pytest.fixture
def loaded(db: Database, tmp_path: Path) -> FixedClock:
    clock = load_mini_hs(db, tmp_path, {"210390", "220421"})
    with db.transaction() as session:
        import_tariff(session, clock, write(tmp_path, "tariff.csv", TARIFF))
        import_tariff(session, clock, write(tmp_path, "change.csv", CHANGE))
        import_rates(session, clock, write(tmp_path, "rates.csv", RATES))
    return clock


def items() -> list[ItemInput]:
    return [
        ItemInput(
            number=1,
            line_code=MAYONNAISE,
            invoice_amount=Decimal("2000.00"),
            net_mass_kg=Decimal(800),
            gross_mass_kg=Decimal(850),
        ),
        ItemInput(
            number=2,
            line_code=WINE,
            invoice_amount=Decimal("1000.00"),
            net_mass_kg=Decimal(620),
            gross_mass_kg=Decimal(700),
            supplementary_quantity=Decimal(600),  # the unit (l) comes from the tariff line
        ),
    ]


def assess_on(db: Database, on: date, currency: str = "EUR") -> Assessment:
    with db.transaction() as session:
        return assess_at(session, on, invoice_currency=currency, incoterm="CIF", items=items())


def test_the_measures_and_rate_in_force_on_the_registration_date_are_used(
    db: Database, loaded: FixedClock
) -> None:
    # In June: EUR = 148.5123. Mayonnaise CV = 2 000 x 148.5123 = 297 024.60
    #   D.D 30 % = 89 107.38 -> 89 107; D.A.P.S 60 % = 178 214.76 -> 178 214; PRCT 2 % -> 5 940;
    #   TCS 3 % -> 8 910; TVA 19 % x (297 024.60 + 89 107 + 178 214 + 8 910) = 108 918.564 -> 108 918
    # Wine CV = 1 000 x 148.5123 = 148 512.30: D.D 15 % = 22 276.845 -> 22 276;
    #   T.I.C 40 DZD/l x 600 l = 24 000; TVA 19 % x (148 512.30 + 22 276 + 24 000) = 37 009.777 -> 37 009
    june = assess_on(db, date(2026, 6, 30))
    mayonnaise, wine = june.items
    assert {t.tax_code: t.amount.amount for t in mayonnaise.lines} == {
        "DD": 89107,
        "DAPS": 178214,
        "PRCT": 5940,
        "TCS": 8910,
        "TVA": 108918,
    }
    assert {t.tax_code: t.amount.amount for t in wine.lines} == {"DD": 22276, "TIC": 24000, "TVA": 37009}
    assert june.exchange_rate_used == Decimal("148.5123")
    # In July: EUR = 150.00. Mayonnaise CV = 300 000.00: D.D 15 % = 45 000, no D.A.P.S any more;
    #   PRCT 6 000; TCS 9 000; TVA 19 % x (300 000 + 45 000 + 9 000) = 67 260
    july = assess_on(db, date(2026, 7, 1))
    assert {t.tax_code: t.amount.amount for t in july.items[0].lines} == {
        "DD": 45000,
        "PRCT": 6000,
        "TCS": 9000,
        "TVA": 67260,
    }
    assert july.exchange_rates == {"EUR": Decimal("150")}
    assert july.to_dict()["on"] == "2026-07-01"


def test_a_missing_exchange_rate_is_an_assessment_error(db: Database, loaded: FixedClock) -> None:
    with pytest.raises(AssessmentError) as missing:
        assess_on(db, date(2026, 3, 15), currency="USD")
    assert missing.value.code == "assessment.exchange_rate_missing"
    assert missing.value.params == {"currency": "USD", "on": "2026-03-15"}
    with db.transaction() as session, pytest.raises(AssessmentError) as freight:
        assess_at(
            session,
            date(2026, 3, 15),
            invoice_currency="DZD",
            incoterm="FOB",
            freight=Money.of("100", "GBP"),
            items=items(),
        )
    assert freight.value.params["currency"] == "GBP"
    with db.transaction() as session:  # CIF: the freight is in the price, its currency needs no rate
        cif = assess_at(
            session,
            date(2026, 3, 15),
            invoice_currency="DZD",
            incoterm="CIF",
            freight=Money.of("100", "GBP"),
            items=items(),
        )
    assert cif.freight == Money.of(0)


def test_the_input_carries_what_the_engine_needs(db: Database, loaded: FixedClock) -> None:
    with db.transaction() as session:
        data = assessment_input_at(
            session, date(2026, 3, 15), invoice_currency="eur", incoterm="FOB", items=items()
        )
    assert data.invoice_currency == "EUR"
    assert set(data.measures) == {MAYONNAISE, WINE}
    assert [m.tax_code for m in data.measures[WINE]] == ["DD", "TIC", "TVA"]
    assert data.items[1].supplementary_unit == "l"
    assert [t.code for t in data.tax_types][:2] == ["DD", "DAPS"]


def test_the_batch_look_up_answers_every_line_asked_for(db: Database, loaded: FixedClock) -> None:
    with db.transaction() as session:
        found = reference.measures_in_force_many(
            session, [WINE, MAYONNAISE, "9999999999", WINE], date(2026, 3, 15)
        )
    assert list(found) == sorted({WINE, MAYONNAISE, "9999999999"})
    assert [m.tax_code for m in found[WINE]] == ["DD", "TIC", "TVA"]
    assert found["9999999999"] == []


# From 1 August 2026 the customs duty on mayonnaise falls again, to 5 %.
AUGUST = """
code10,hs6,description_fr,supplementary_unit,dd_pct,daps_pct,prct_pct,tcs_pct,tic_expr,tva_pct,valid_from
2103909100,210390,Mayonnaise,,5.00,,2.00,3.00,,19.00,2026-08-01
"""


def mayonnaise_duty(db: Database, on: date) -> Decimal:
    with db.transaction() as session, reads_cached(session):
        first = assessment_input_at(session, on, invoice_currency="EUR", incoterm="CIF", items=items())
        again = assessment_input_at(session, on, invoice_currency="EUR", incoterm="CIF", items=items())
        assert again.measures[MAYONNAISE] is first.measures[MAYONNAISE]  # what the engine keys plans on
        assert again.tax_types is first.tax_types
        return assess(again).items[0].amount_of("DD").amount


def test_a_tariff_change_is_seen_by_the_next_unit_of_work(
    db: Database, loaded: FixedClock, tmp_path: Path
) -> None:
    assert mayonnaise_duty(db, date(2026, 8, 15)) == 45000
    with db.transaction() as session:
        import_tariff(session, loaded, write(tmp_path, "august.csv", AUGUST))
    assert mayonnaise_duty(db, date(2026, 8, 15)) == 15000
