"""Exchange rates by date, and the HS importer's own rules."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from douane.db import Database
from douane.kernel.errors import ImportRejected, NotFound
from douane.kernel.money import Money
from douane.reference import service
from douane.reference.importers import import_hs, import_rates
from douane.reference.tables import ExchangeRateRow, HsNodeRow
from tests.conftest import SHARED_DATA
from tests.integration.reference.factories import load_mini_hs, mini_hs, write

RATES = """
currency,valid_from,valid_to,dzd_per_unit
EUR,2026-03-01,2026-03-31,148.512300
EUR,2026-04-01,,150.1
USD,2026-03-01,2026-03-31,134.25
"""


def test_the_rate_in_force_on_a_date(db: Database, tmp_path: Path) -> None:
    clock = load_mini_hs(db, tmp_path, set())
    with db.transaction() as session:
        report = import_rates(session, clock, write(tmp_path, "rates.csv", RATES))
    assert report.inserted == 3
    with db.transaction() as session:
        assert service.rate_on(session, "EUR", date(2026, 3, 31)) == Decimal("148.5123")
        assert service.rate_on(session, "EUR", date(2030, 1, 1)) == Decimal("150.1")
        assert service.rate_on(session, "DZD", date(2030, 1, 1)) == 1
        assert service.to_dzd(session, Money.of("100.01", "USD"), date(2026, 3, 15)) == Money.of("13426.34")
        with pytest.raises(NotFound) as missing:
            service.rate_on(session, "USD", date(2026, 4, 1))
    assert missing.value.code == "reference.exchange_rate_not_found"
    with db.transaction() as session:
        again = import_rates(session, clock, write(tmp_path, "rates.csv", RATES))
    assert (again.inserted, again.unchanged) == (0, 3)


def test_bad_or_overlapping_rates_are_rejected_whole(db: Database, tmp_path: Path) -> None:
    clock = load_mini_hs(db, tmp_path, set())
    bad = write(
        tmp_path,
        "bad.csv",
        """
currency,valid_from,valid_to,dzd_per_unit
EUR,2026-03-01,2026-03-31,148.5
EUR,2026-03-15,2026-04-15,149
ABC,2026-03-01,,1
USD,2026-03-01,,-3
GBP,2026-03-01,,1.1234567
""",
    )
    with db.transaction() as session, pytest.raises(ImportRejected) as rejected:
        import_rates(session, clock, bad)
    assert sorted(e.line for e in rejected.value.errors) == [3, 4, 5, 6]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ExchangeRateRow)) == 0


def test_the_wide_monthly_file_gives_one_rate_per_currency_and_month(db: Database, tmp_path: Path) -> None:
    clock = load_mini_hs(db, tmp_path, set())
    with db.transaction() as session:
        report = import_rates(
            session, clock, SHARED_DATA / "reference/exchange-rates/dzd_cross_rates_monthly_derived.csv"
        )
        eur = service.rate_on(session, "EUR", date(2020, 1, 15))
    assert report.inserted == report.rows == 44 * 3
    assert eur == Decimal("133.0014")


def test_hs_reimport_is_idempotent_and_bad_rows_are_named(db: Database, tmp_path: Path) -> None:
    clock = load_mini_hs(db, tmp_path, {"210390", "870360"})
    with db.transaction() as session:
        again = import_hs(session, clock, mini_hs(tmp_path, {"210390", "870360"}))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)
    bad = write(
        tmp_path,
        "bad-hs.csv",
        """
section,hscode,description,parent,level
IV,21,Preparations,TOTAL,2
IV,2103,Sauces,21,4
IV,210390,Other,2104,6
XXX,2104,Soups,21,4
IV,21039,Odd,2103,6
""",
    )
    with db.transaction() as session, pytest.raises(ImportRejected) as rejected:
        import_hs(session, clock, bad, edition="HS2027")
    assert [e.line for e in rejected.value.errors] == [4, 5, 6]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).where(HsNodeRow.edition == "HS2027")) == 0
