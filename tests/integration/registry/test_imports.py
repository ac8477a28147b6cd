"""CSV imports of operators and offices: whole file or nothing, line-numbered reasons, re-import updates."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from douane.audit.service import ActorRef
from douane.bootstrap import Context
from douane.kernel.errors import ImportRejected
from douane.registry import importers, service
from douane.registry.tables import CustomsOfficeRow, EconomicOperatorRow, OperatorStatusHistoryRow
from tests.integration.registry.factories import nif, write_operators_csv

GOOD_ROWS = [
    [nif(1), "16/00-0000001B21", "Électro Sétif SARL", "الكترو سطيف", "Cité 1000 logements", "19", ""],
    [nif(2), "31/00-0000002B19", "Oran Textiles", "", "", "31", "suspended"],
    ["0000 0000 0000 003", "06/00-0000003B20", "Béjaïa Café", "مقهى بجاية", "Port", "6", "active"],
]


def _import(ctx: Context, source: Path | io.BytesIO) -> importers.ImportReport:
    with ctx.db.transaction() as session:
        return importers.import_operators(session, ctx.clock, source, by=ActorRef(1, "loader"))


def _count(ctx: Context) -> int:
    with ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(EconomicOperatorRow)) or 0


def test_a_good_file_is_imported_and_searchable(ctx: Context, tmp_path: Path) -> None:
    seen: list[int] = []
    path = write_operators_csv(tmp_path / "operators.csv", GOOD_ROWS)
    with ctx.db.transaction() as session:
        report = importers.import_operators(session, ctx.clock, path, progress=seen.append)
    assert (report.rows, report.inserted, report.updated) == (3, 3, 0)
    assert seen and seen[-1] == 3
    with ctx.db.transaction() as session:
        found, _ = service.search_operators(session, q="setif")
        assert [(r.nif, r.wilaya, r.status) for r in found] == [(nif(1), "19", "active")]
        assert service.find_operator_by_nif(session, nif(2)).status == "suspended"  # type: ignore[union-attr]
        assert service.find_operator_by_nif(session, nif(3)).wilaya == "06"  # type: ignore[union-attr]


def test_a_malformed_file_is_rejected_whole_with_line_numbers(ctx: Context, tmp_path: Path) -> None:
    rows = [
        GOOD_ROWS[0],
        ["12345", "16/00-1B21", "Short NIF", "", "", "16", ""],
        [nif(5), "16/00-5B21", "", "", "", "16", ""],
        [nif(6), "16/00-6B21", "Bad wilaya", "", "", "59", ""],
        [nif(1), "16/00-7B21", "Duplicate NIF", "", "", "16", ""],
        [nif(8), "", "No RC", "", "", "16", "dormant"],
    ]
    path = write_operators_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(ImportRejected) as rejected:
        _import(ctx, path)
    reasons = [(e.line, e.field) for e in rejected.value.errors]
    assert reasons == [
        (3, "nif"),
        (4, "legal_name_fr"),
        (5, "wilaya"),
        (6, "nif"),
        (7, "rc_number"),
        (7, "status"),
    ]
    assert "line 2" in rejected.value.errors[3].reason
    assert rejected.value.total_rows == 6
    assert _count(ctx) == 0


def test_a_missing_column_rejects_the_file(ctx: Context) -> None:
    source = io.BytesIO(b"nif,legal_name_fr\n000000000000001,X\n")
    with pytest.raises(ImportRejected) as rejected:
        _import(ctx, source)
    assert rejected.value.errors[0].line == 1
    assert "rc_number" in rejected.value.errors[0].reason


def test_re_import_updates_existing_nifs_and_records_status_changes(ctx: Context, tmp_path: Path) -> None:
    _import(ctx, write_operators_csv(tmp_path / "first.csv", GOOD_ROWS))
    changed = [
        [nif(1), "16/00-0000001B21", "Électro Sétif SPA", "الكترو سطيف", "Cité 1000 logements", "19", ""],
        GOOD_ROWS[1],
        [nif(3), "06/00-0000003B20", "Béjaïa Café", "مقهى بجاية", "Port", "06", "struck_off"],
        [nif(4), "16/00-0000004B22", "Nouvel Importateur", "", "", "16", ""],
    ]
    report = _import(ctx, write_operators_csv(tmp_path / "second.csv", changed))
    assert (report.inserted, report.updated, report.unchanged) == (1, 2, 1)
    with ctx.db.transaction() as session:
        renamed = service.find_operator_by_nif(session, nif(1))
        struck = service.find_operator_by_nif(session, nif(3))
        assert renamed is not None and struck is not None
        assert (renamed.legal_name_fr, renamed.version) == ("Électro Sétif SPA", 2)
        assert [r.legal_name_fr for r in service.search_operators(session, q="spa")[0]] == [
            "Électro Sétif SPA"
        ]
        history = session.scalars(select(OperatorStatusHistoryRow)).all()
        assert [(h.operator_id, h.from_status, h.to_status, h.actor_name) for h in history] == [
            (struck.id, "active", "struck_off", "loader")
        ]
    revived = [[nif(3), "06/00-0000003B20", "Béjaïa Café", "", "", "06", "active"]]
    with pytest.raises(ImportRejected) as refused:
        _import(ctx, write_operators_csv(tmp_path / "third.csv", revived))
    assert (refused.value.errors[0].line, refused.value.errors[0].field) == (2, "status")


OFFICES_CSV = "\n".join(
    [
        "code,name_fr,name_ar,name_en,kind,regional_directorate,regional_directorate_name,unlocode,"
        "collection_office,regimes",
        "16011,Alger Port Principal,ميناء الجزائر,Algiers Main Port,sea_port,ALP,Alger-Port,DZALG,16000,"
        "1000|4000|IM4",
        "16021,Alger Aéroport,مطار الجزائر,Algiers Airport,airport,ALE,Alger-Extérieur,DZALG,16000,1000|4000",
        "",
    ]
)


def test_offices_import_creates_directorates_and_updates_on_re_import(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        report = importers.import_offices(session, ctx.clock, io.BytesIO(OFFICES_CSV.encode()))
    assert (report.inserted, report.updated) == (2, 0)
    updated = OFFICES_CSV.replace("1000|4000|IM4", "1000|5100")
    bad = updated + "1602,Trop court,x,y,inland,ZZZ,,DZXX,16000,1000\n"
    with ctx.db.transaction() as session, pytest.raises(ImportRejected) as rejected:
        importers.import_offices(session, ctx.clock, io.BytesIO(bad.encode()))
    assert {(e.line, e.field) for e in rejected.value.errors} == {(4, "code"), (4, "unlocode")}
    with ctx.db.transaction() as session:
        report = importers.import_offices(session, ctx.clock, io.BytesIO(updated.encode()))
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    with ctx.db.transaction() as session:
        assert service.office_handles_regime(session, "16011", "5100")
        assert not service.office_handles_regime(session, "16011", "IM4")
        airport = service.get_office(session, "16021")
        assert (airport.kind, airport.directorate.name_fr) == ("airport", "Alger-Extérieur")
        assert session.scalar(select(func.count()).select_from(CustomsOfficeRow)) == 2
