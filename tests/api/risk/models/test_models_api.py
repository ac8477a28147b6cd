"""The model registry, office capacities and monthly monitoring over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.registry.factories import operator
from tests.integration.risk.factories import offices

URL = "/api/v1/risk/models"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _trained(ctx: Context, name: str, version: str) -> None:
    folder = Path(ctx.settings.data_dir) / "models" / name
    folder.mkdir(parents=True)
    metadata = {
        "version": version, "data_from": "2025-01-01", "data_to": "2025-12-31", "rows": 54000,
        "metrics": {"precision_top_5": 0.91, "precision_top_10": 0.84}, "parameters": {"num_leaves": 63},
        "trainer": "analyst-1", "trained_at": "2026-03-01T08:00:00+00:00",
    }  # fmt: skip
    (folder / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")


def test_analysts_register_activate_and_retire_models_one_active_at_a_time(
    ctx: Context, client: TestClient, user_headers: UserFactory
) -> None:
    analyst, inspector = user_headers(Role.RISK_ANALYST), user_headers(Role.INSPECTOR)
    _trained(ctx, "2026-02", "lgbm-2026-02")
    _trained(ctx, "2026-03", "lgbm-2026-03")
    first = _ok(client.post(URL, json={"directory": "2026-02"}, headers=analyst), 201)
    second = _ok(client.post(URL, json={"directory": "2026-03"}, headers=analyst), 201)
    assert (first["status"], first["rows"], first["metrics"]["precision_top_5"]) == ("candidate", 54000, 0.91)
    assert (first["data_from"], first["trainer"]) == ("2025-01-01", "analyst-1")
    again = client.post(URL, json={"directory": "2026-02"}, headers=analyst)
    assert (again.status_code, again.json()["code"]) == (409, "risk.model_version_taken")
    _ok(client.post(f"{URL}/{first['id']}/activate", headers=analyst))
    _ok(client.post(f"{URL}/{second['id']}/activate", headers=analyst))
    listed = {m["version"]: m["status"] for m in _ok(client.get(URL, headers=inspector))}
    assert listed == {"lgbm-2026-02": "candidate", "lgbm-2026-03": "active"}
    retired = _ok(client.post(f"{URL}/{first['id']}/retire", headers=analyst))
    assert retired["status"] == "retired"
    assert client.post(f"{URL}/{first['id']}/activate", headers=analyst).status_code == 409
    assert client.post(f"{URL}/{second['id']}/retire", headers=inspector).status_code == 403
    with ctx.db.transaction() as session:
        actions = session.scalars(
            select(AuditEventRow.action)
            .where(AuditEventRow.entity_type == "risk_model")
            .order_by(AuditEventRow.id)
        ).all()
    assert actions == ["model.registered", "model.registered", "model.activated", "model.deactivated",
                       "model.activated", "model.retired"]  # fmt: skip


def test_a_model_directory_outside_the_models_folder_is_refused(
    ctx: Context, client: TestClient, user_headers: UserFactory
) -> None:
    analyst = user_headers(Role.RISK_ANALYST)
    for name in ("../secrets", "/etc", "a/b"):
        assert client.post(URL, json={"directory": name}, headers=analyst).status_code == 422
    missing = client.post(URL, json={"directory": "nothing-here"}, headers=analyst)
    assert (missing.status_code, missing.json()["code"]) == (422, "risk.model_metadata_missing")


def test_office_capacity_is_set_by_analysts_and_read_by_officers(
    ctx: Context, client: TestClient, user_headers: UserFactory
) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
        trader_firm = operator(session, ctx.clock, 901).id
    analyst, inspector = user_headers(Role.RISK_ANALYST), user_headers(Role.INSPECTOR)
    broker = user_headers(Role.TRADER, operator_id=trader_firm)
    url = "/api/v1/risk/capacities/16011"
    before = _ok(client.get(url, headers=inspector))
    assert before["in_force"]["red_per_day"] is None and before["in_force"]["exploration_percent"] == 5
    body = {"yellow_per_day": 40, "red_per_day": 12, "exploration_percent": 7, "score_threshold": 65}
    after = _ok(client.put(url, json=body, headers=analyst))
    assert (after["in_force"]["red_per_day"], after["in_force"]["set_by"]) == (
        12,
        after["in_force"]["set_by"],
    )
    assert after["used_today"] == {"yellow": 0, "red": 0}
    assert client.put(url, json=body, headers=inspector).status_code == 403
    assert client.get(url, headers=broker).status_code == 403
    wrong = client.put(url, json={**body, "exploration_percent": 101}, headers=analyst)
    assert wrong.status_code == 422
    unknown = client.get("/api/v1/risk/capacities/99999", headers=inspector)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "registry.office_not_found")


def test_monitoring_reads_a_month_and_declarants_cannot(
    ctx: Context, client: TestClient, user_headers: UserFactory
) -> None:
    with ctx.db.transaction() as session:
        trader_firm = operator(session, ctx.clock, 901).id
    inspector, trader = user_headers(Role.INSPECTOR), user_headers(Role.TRADER, operator_id=trader_firm)
    report = _ok(client.get("/api/v1/risk/monitoring", params={"month": "2026-03"}, headers=inspector))
    assert report["month"] == "2026-03" and report["total"]["decided"] == 0
    assert client.get("/api/v1/risk/monitoring", headers=trader).status_code == 403
    assert (
        client.get("/api/v1/risk/monitoring", params={"month": "2026-13"}, headers=inspector).status_code
        == 422
    )
