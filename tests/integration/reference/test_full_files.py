"""The full public files: HS 2022 (and 2017, which the UK tariff's codes need) and the 11,830-line UK
Global Tariff, once per engine."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from douane.db import Database
from douane.reference import service
from douane.reference.importers import import_hs, import_hs_sections, import_tariff
from douane.reference.model import MeasureKind, SpecificDuty
from douane.reference.tables import HsNodeRow, HsSectionRow, MeasureComponentRow, TariffLineRow
from tests.conftest import SHARED_DATA
from tests.integration.reference.factories import CLOCK_START

REFERENCE = SHARED_DATA / "reference"


def gbp(amount: str, per: int, unit: str, qualifier: str | None = None) -> SpecificDuty:
    return SpecificDuty(Decimal(amount), "GBP", Decimal(per), unit, qualifier)


@pytest.mark.slow
def test_full_hs_and_uk_tariff_imports(db: Database) -> None:
    from douane.kernel.clock import FixedClock

    clock = FixedClock(CLOCK_START)
    with db.transaction() as session:
        hs = import_hs(session, clock, REFERENCE / "hs" / "hs2022_harmonized-system.csv")
        import_hs_sections(session, clock, REFERENCE / "hs" / "hs2022_sections.csv")
        import_hs(session, clock, REFERENCE / "hs" / "hs2017_harmonized-system.csv", edition="HS2017")
    with db.transaction() as session:
        levels = dict(
            session.execute(
                select(HsNodeRow.level, func.count())
                .where(HsNodeRow.edition == "HS2022")
                .group_by(HsNodeRow.level)
            ).all()
        )
        sections = session.scalar(select(func.count()).where(HsSectionRow.edition == "HS2022"))
        horses = service.hs_node(session, "010121")
    assert levels == {2: 96, 4: 1228, 6: 5612}
    assert hs.inserted == 96 + 1228 + 5612
    assert sections == 21
    assert (horses.parent_code, horses.section) == ("0101", "I")

    with db.transaction() as session:
        report = import_tariff(session, clock, REFERENCE / "uk-global-tariff" / "global-uk-tariff.csv")
    assert report.rows == 11_830
    assert report.inserted == 11_793  # 37 codes are listed twice (CN8 and CN10) with the same duty
    on = date(2024, 1, 10)
    with db.transaction() as session:
        lines = session.scalar(select(func.count()).select_from(TariffLineRow))
        components = session.scalar(select(func.count()).select_from(MeasureComponentRow))
        found = {
            code: service.measures_in_force(session, code, on)
            for code in ("0101210000", "0102291000", "0402109100", "2009691100", "2204218595", "0702000000",
                         "2204211110", "0808108000")
        }  # fmt: skip
    assert lines == 11_793
    assert components > 1_000
    (horses_duty,) = found["0101210000"]
    assert (horses_duty.kind, horses_duty.rate_percent, horses_duty.tax_code) == (
        MeasureKind.AD_VALOREM,
        0,
        "DD",
    )
    (bulls,) = found["0102291000"]
    assert (bulls.kind, bulls.rate_percent, bulls.specifics) == (
        MeasureKind.COMPOUND,
        10,
        (gbp("77", 100, "kg"),),
    )
    (milk,) = found["0402109100"]
    assert milk.specifics == (gbp("1", 1, "kg", "lactic matter"), gbp("23", 100, "kg"))
    (juice,) = found["2009691100"]
    assert (juice.rate_percent, juice.specifics) == (40, (gbp("101", 1, "hl"), gbp("17", 100, "kg")))
    (wine,) = found["2204218595"]
    assert wine.specifics == (gbp("1.40", 1, "hl", "%vol"),)
    (tomatoes,) = found["0702000000"]
    assert tomatoes.rate_percent == 8  # 8 % from 1 November to 14 May, 14 % otherwise
    (apples,) = found["0808108000"]
    assert apples.rate_percent == 4
    assert found["2204211110"][0].specifics == (gbp("10", 1, "hl"),)
