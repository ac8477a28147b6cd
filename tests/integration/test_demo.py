"""The demo data set loads on both engines and gives every role something to work with."""

import time
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from douane.app import create_app
from douane.bootstrap import Context
from douane.cli import app
from douane.config import get_settings
from douane.declarations.tables import DeclarationRow
from douane.demo.loader import demo_password, load_demo_if_empty
from douane.payments.tables import AmountDueRow
from douane.reference import service as reference
from douane.reference.tables import TariffLineRow
from douane.registry import service as registry
from douane.registry.tables import CustomsBrokerRow, CustomsOfficeRow, EconomicOperatorRow, OfficerRow
from tests.conftest import login

DEMO_USERS = (
    "admin",
    "broker",
    "trader",
    "inspector",
    "liquidator",
    "cashier",
    "analyst",
    "chief",
    "auditor",
)


def _count(ctx: Context, table: type) -> int:
    with ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_demo_loads_once_with_the_promised_volumes(ctx: Context) -> None:
    assert load_demo_if_empty(ctx) is True
    assert load_demo_if_empty(ctx) is False
    assert _count(ctx, CustomsOfficeRow) == 10
    assert 190 <= _count(ctx, TariffLineRow) <= 210
    assert _count(ctx, EconomicOperatorRow) == 50
    assert _count(ctx, CustomsBrokerRow) == 10
    assert _count(ctx, OfficerRow) >= 30
    on = date(2026, 3, 15)
    with ctx.db.transaction() as session:
        assert reference.rate_on(session, "EUR", on) > 100
        car_taxes = {m.tax_code for m in reference.measures_in_force(session, "8703231020", on)}
        assert {"DD", "TVA", "TCS", "PRCT", "TIC"} <= car_taxes
        assert reference.required_documents(session, "2103309100", on) == ["902", "910"]
        assert len(registry.roster(session, "16011", "inspector", ctx.clock.now())) == 2


def test_every_demo_user_logs_in_with_the_printed_password(ctx: Context, client: TestClient) -> None:
    load_demo_if_empty(ctx)
    password = demo_password(ctx.settings)
    for username in DEMO_USERS:
        headers = login(client, username, password)
        me = client.get("/api/v1/auth/me", headers=headers).json()
        assert me["username"] == username
    trader = login(client, "trader", password)
    own = client.get("/api/v1/operators", headers=trader).json()
    assert own["total"] == 1


def test_demo_command_migrates_loads_and_prints_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOUANE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOUANE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["demo", "--no-serve"])
        assert result.exit_code == 0, result.output
        password = (tmp_path / "demo-password").read_text().strip()
        assert password in result.output
        assert (tmp_path / "demo-password").stat().st_mode & 0o077 == 0
        with TestClient(create_app()) as client:
            assert client.get("/health").json() == {"status": "ok"}
            headers = login(client, "chief", password)
            offices = client.get("/api/v1/offices", headers=headers).json()
            assert offices["total"] == 10
    finally:
        get_settings.cache_clear()


def test_the_demo_declarations_wait_in_each_state_for_the_role_that_acts_next(
    ctx: Context, client: TestClient
) -> None:
    started = time.perf_counter()
    load_demo_if_empty(ctx)
    assert time.perf_counter() - started < 15  # about 1 s on a quiet machine, half of it the declarations
    with ctx.db.transaction() as session:
        rows = session.scalars(select(DeclarationRow).order_by(DeclarationRow.id)).all()
        states = sorted((r.status, r.channel or "", r.regime) for r in rows)
        assert states == [
            ("assessed", "green", "IM5"),
            ("assessed", "red", "IM4"),
            ("draft", "", "IM4"),
            ("paid", "blue", "IM4"),
            ("released", "green", "IM4"),
            ("under_control", "yellow", "IM4"),
        ]
        draft = next(r for r in rows if r.status == "draft")
        assert {f["code"] for f in draft.findings or []} == {"declarations.required_document_missing"}
        dues = {d.subject_id: d for d in session.scalars(select(AmountDueRow))}
        by_state = {(r.status, r.regime): r for r in rows}
        assert dues[by_state[("assessed", "IM5")].id].kind == "suspended"
        assert dues[by_state[("assessed", "IM4")].id].status == "open"
        assert {dues[by_state[(s, "IM4")].id].status for s in ("paid", "released")} == {"paid"}

    password = demo_password(ctx.settings)
    inspector = login(client, "inspector", password)
    queue = client.get("/api/v1/declarations/queue", headers=inspector).json()
    assert [d["status"] for d in queue["items"]] == ["under_control"]
    cashier = login(client, "cashier", password)
    open_dues = client.get("/api/v1/amounts-due", params={"status": "open"}, headers=cashier).json()
    assert sorted(d["kind"] for d in open_dues["items"]) == ["payment", "suspended"]
    trader = login(client, "trader", password)
    assert client.get("/api/v1/declarations", headers=trader).json()["total"] == 4
