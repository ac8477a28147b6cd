"""National and UK tariff files: lines, measures in force, effective dating, rejection of bad files."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from douane.audit.tables import AuditEventRow
from douane.db import Database
from douane.kernel.errors import ImportRejected, NotFound
from douane.reference import service
from douane.reference.importers import import_tariff
from douane.reference.model import MeasureKind
from douane.reference.tables import MeasureRow, TariffLineRow
from tests.conftest import SHARED_DATA
from tests.integration.reference.factories import NATIONAL_HEADER, load_mini_hs, write

MAYONNAISE = "2103909100"
SUV = "8703603931"
FIRST = """
{header}
2103909100,210390,Mayonnaise,30.00,70.00,2.00,3.00,,19.00,902|910,2026-01-01
8703603931,870360,Véhicules tous terrains blindés,30.00,,2.00,3.00,60.00,19.00,,2026-01-01
"""
# From 2027 the customs duty on mayonnaise drops to 15 % and the excise on armoured vehicles goes.
SECOND = """
{header}
2103909100,210390,Mayonnaise,15.00,70.00,2.00,3.00,,19.00,902|910,2027-01-01
8703603931,870360,Véhicules tous terrains blindés,30.00,,2.00,3.00,,19.00,,2027-01-01
"""


def national(tmp_path: Path, name: str, template: str) -> Path:
    return write(tmp_path, name, template.format(header=NATIONAL_HEADER))


def rates(db: Database, code: str, on: date) -> dict[str, Decimal | None]:
    with db.transaction() as session:
        return {
            m.tax_code: m.rate_percent for m in service.measures_in_force(session, code, on) if m.tax_code
        }


def count(db: Database, table: type) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_a_national_file_gives_lines_measures_and_documents(db: Database, tmp_path: Path) -> None:
    clock = load_mini_hs(db, tmp_path, {"210390", "870360"})
    with db.transaction() as session:
        report = import_tariff(session, clock, national(tmp_path, "first.csv", FIRST))
    assert (report.rows, report.inserted) == (2, 2)
    on = date(2026, 6, 1)
    assert rates(db, MAYONNAISE, on) == {"DD": 30, "DAPS": 70, "PRCT": 2, "TCS": 3, "TVA": 19}
    with db.transaction() as session:
        line = service.tariff_line_at(session, SUV, on)
        measures = service.measures_in_force(session, SUV, on)
        assert [m.tax_code for m in measures] == ["DD", "PRCT", "TCS", "TIC", "TVA"]
        assert service.required_documents(session, MAYONNAISE, on) == ["902", "910"]
        assert service.required_documents(session, SUV, on) == []
        assert not service.is_prohibited(session, MAYONNAISE, on)
        events = session.scalars(select(AuditEventRow.action).where(AuditEventRow.category == "data")).all()
    assert line.description_fr == "Véhicules tous terrains blindés"
    assert line.hs6 == "870360"
    assert "reference.tariff_imported" in events
    with db.transaction() as session, pytest.raises(NotFound) as missing:
        service.tariff_line_at(session, SUV, date(2025, 12, 31))
    assert missing.value.code == "reference.tariff_line_not_found"


def test_a_new_rate_supersedes_the_old_one_from_its_date_and_reimport_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    clock = load_mini_hs(db, tmp_path, {"210390", "870360"})
    first, second = national(tmp_path, "first.csv", FIRST), national(tmp_path, "second.csv", SECOND)
    with db.transaction() as session:
        import_tariff(session, clock, first)
    measures_after_first = count(db, MeasureRow)
    with db.transaction() as session:
        again = import_tariff(session, clock, first)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert count(db, MeasureRow) == measures_after_first

    with db.transaction() as session:
        changed = import_tariff(session, clock, second)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 2, 0)
    assert rates(db, MAYONNAISE, date(2026, 12, 31))["DD"] == 30
    assert rates(db, MAYONNAISE, date(2027, 1, 1))["DD"] == 15
    assert "TIC" in rates(db, SUV, date(2026, 12, 31))
    assert "TIC" not in rates(db, SUV, date(2027, 1, 1))
    with db.transaction() as session:
        history = [m for m in service.measure_history(session, MAYONNAISE) if m.tax_code == "DD"]
        tva = [m for m in service.measure_history(session, MAYONNAISE) if m.tax_code == "TVA"]
    assert [(m.rate_percent, m.valid_from, m.valid_to) for m in history] == [
        (30, date(2026, 1, 1), date(2026, 12, 31)),
        (15, date(2027, 1, 1), None),
    ]
    assert len(tva) == 1, "an unchanged rate is kept, not duplicated"
    assert count(db, TariffLineRow) == 2


def test_a_malformed_file_is_rejected_whole_with_line_numbers(db: Database, tmp_path: Path) -> None:
    clock = load_mini_hs(db, tmp_path, {"210390"})
    bad = write(
        tmp_path,
        "bad.csv",
        f"""
{NATIONAL_HEADER}
2103909100,210390,Mayonnaise,30.00,,2.00,3.00,,19.00,,2026-01-01
21039092,210390,Code trop court,30.00,,2.00,3.00,,19.00,,2026-01-01
9999990000,999999,Inconnu,30.00,,2.00,3.00,,19.00,,2026-01-01
2103909200,210390,Assaisonnements,trente,,2.00,3.00,,19.00,,2026-01-01
2103909100,210390,Mayonnaise encore,30.00,,2.00,3.00,,19.00,,2026-01-01
""",
    )
    with db.transaction() as session, pytest.raises(ImportRejected) as rejected:
        import_tariff(session, clock, bad)
    errors = {e.line: e.reason for e in rejected.value.errors}
    assert sorted(errors) == [3, 4, 5, 6]
    assert "not a 10-digit tariff code" in errors[3]
    assert "hs6 999999 is not in the HS nomenclature" in errors[4]
    assert "'trente' is not a percentage" in errors[5]
    assert "duplicate line 2103909100" in errors[6] and "first at line 2" in errors[6]
    assert count(db, TariffLineRow) == 0
    assert count(db, MeasureRow) == 0


def test_the_published_algerian_sample_imports_with_a_given_start_date(db: Database, tmp_path: Path) -> None:
    sample = SHARED_DATA / "reference" / "dz-tariff-sample" / "dgd_ch21_sample.csv"
    subheadings = {line.split(",")[1] for line in sample.read_text(encoding="utf-8").splitlines()[1:]}
    clock = load_mini_hs(db, tmp_path, subheadings)
    with db.transaction() as session, pytest.raises(ImportRejected) as no_date:
        import_tariff(session, clock, sample)
    assert "valid_from" in no_date.value.errors[0].reason
    with db.transaction() as session:
        report = import_tariff(session, clock, sample, valid_from=date(2026, 1, 1))
        mayonnaise = service.measures_in_force(session, MAYONNAISE, date(2026, 3, 1))
    assert report.inserted == report.rows > 5
    assert {m.tax_code: m.rate_percent for m in mayonnaise if m.tax_code} == {
        "DD": 30, "DAPS": 70, "PRCT": 2, "TCS": 3, "TVA": 19
    }  # fmt: skip
    assert sorted(m.document_code for m in mayonnaise if m.kind == MeasureKind.DOCUMENT_REQUIRED) == [
        "902",
        "910",
    ]


def test_expressions_bases_and_prohibitions_in_the_national_format(db: Database, tmp_path: Path) -> None:
    clock = load_mini_hs(db, tmp_path, {"220300", "930100"})
    path = write(
        tmp_path,
        "expr.csv",
        """
code10,description_fr,tic_expr,tva_pct,tva_base,prohibited,legal_reference,valid_from
2203000000,Bières de malt,1200.00 DZD / hl,19,DD|TIC,no,LF 2026 art. 10,2026-01-01
9301000000,Armes de guerre,,,,yes,Décret 98-96,2026-01-01
""",
    )
    with db.transaction() as session:
        import_tariff(session, clock, path)
        beer = service.measures_in_force(session, "2203000000", date(2026, 2, 1))
        assert service.is_prohibited(session, "9301000000", date(2026, 2, 1))
    tic, tva = beer
    assert tic.kind == MeasureKind.SPECIFIC
    assert (tic.specifics[0].amount, tic.specifics[0].currency, tic.specifics[0].unit) == (1200, "DZD", "hl")
    assert tva.base == ("DD", "TIC")
    assert tva.legal_reference == "LF 2026 art. 10"


def test_uk_shape_pads_cn8_codes_merges_listed_twice_and_keeps_seasons(db: Database, tmp_path: Path) -> None:
    clock = load_mini_hs(db, tmp_path, {"070200", "280470", "010229"})
    path = write(
        tmp_path,
        "uk.csv",
        """
commodity,description,cet_duty_rate,ukgt_duty_rate,change
07020000,Tomatoes,x,"8.00% (01 NOV - 14 MAY), 14.00% (15 MAY - 31 OCT)",No change
2804700000,Phosphorus,4.0%,4.0%,No change
28047000,Phosphorus,4.0%,4.0%,No change
01022910,Bulls,x,10.00% + 77.00 GBP/100kg,No change
""",
    )
    with db.transaction() as session:
        report = import_tariff(session, clock, path)
        winter = service.measures_in_force(session, "0702000000", date(2024, 1, 10))
        summer = service.measures_in_force(session, "0702000000", date(2024, 7, 10))
        (bulls,) = service.measures_in_force(session, "0102291000", date(2024, 7, 10))
    assert (report.rows, report.inserted) == (4, 3)
    assert "1 CN8 rows merged" in report.notes[0]
    assert [m.rate_percent for m in winter] == [8]
    assert [m.rate_percent for m in summer] == [14]
    assert bulls.kind == MeasureKind.COMPOUND
    assert bulls.valid_from == date(2021, 1, 1)
    assert (bulls.rate_percent, bulls.specifics[0].amount, bulls.specifics[0].per_quantity) == (10, 77, 100)
