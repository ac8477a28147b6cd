"""Registration numbers: gap-free and unique per office and year, even under parallel lodging."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from douane.bootstrap import Context
from douane.db import Database
from douane.declarations import lodging, numbering, service
from douane.declarations.tables import DeclarationRow
from tests.conftest import make_context
from tests.integration.declarations import fixtures

PARALLEL = 50


def test_numbers_restart_each_year_and_differ_per_office(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        numbers = [
            *numbering.take_numbers(session, "16011", 2026, 1),
            *numbering.take_numbers(session, "16011", 2026, 3),
            *numbering.take_numbers(session, "31011", 2026, 1),
            *numbering.take_numbers(session, "16011", 2027, 1),
        ]
    assert [str(n) for n in numbers] == [
        "16011/2026/000001", "16011/2026/000002", "16011/2026/000003", "16011/2026/000004",
        "31011/2026/000001", "16011/2027/000001",
    ]  # fmt: skip
    assert numbering.parse_number("16011/2026/42") == numbering.RegistrationNumber("16011", 2026, 42)


def test_a_rolled_back_registration_leaves_no_gap(ctx: Context) -> None:
    try:
        with ctx.db.transaction() as session:
            numbering.take_numbers(session, "16011", 2026, 5)
            raise RuntimeError("the registration failed later on")
    except RuntimeError:
        pass
    with ctx.db.transaction() as session:
        assert numbering.take_numbers(session, "16011", 2026, 1)[0].sequence == 1


def test_fifty_parallel_lodgings_get_numbers_1_to_50(pg_db: Database, tmp_path: Path) -> None:
    ctx = make_context(pg_db, tmp_path)
    demo = fixtures.load(ctx)
    with ctx.db.transaction() as session:
        drafts = [
            service.create_draft(
                session, ctx.clock, demo.broker, fixtures.import_declaration(demo.operator_nif)
            ).id
            for _ in range(PARALLEL)
        ]

    def lodge(declaration_id: int) -> str:
        with ctx.db.transaction() as session:
            row = lodging.lodge(
                session, ctx.clock, demo.broker, declaration_id, selectivity=fixtures.FixedSelectivity()
            )
            return row.number or ""

    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = list(pool.map(lodge, drafts))
    expected = [f"16011/2026/{n:06d}" for n in range(1, PARALLEL + 1)]
    assert sorted(numbers) == expected
    with ctx.db.transaction() as session:
        stored = session.scalars(
            select(DeclarationRow.registration_seq).where(DeclarationRow.number.is_not(None))
        )
        assert sorted(stored) == list(range(1, PARALLEL + 1))
