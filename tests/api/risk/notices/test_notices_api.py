"""Notices and evaluations over HTTP: analysts issue, close and cancel; officers read; declarants never see
why a declaration got its channel."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.declarations import lodging
from douane.identity.model import Role
from douane.risk.selection.engine import NoModel, RiskSelectivity
from tests.conftest import UserFactory
from tests.integration.declarations import fixtures
from tests.integration.declarations.fixtures import Demo
from tests.integration.risk.selection.helpers import FixedRules

URL = "/api/v1/risk/notices"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def demo(ctx: Context) -> Demo:
    return fixtures.load(ctx)


def _notice(nif: str, **changes: Any) -> dict[str, Any]:
    body = {"issuing_service": "intelligence", "subject_kind": "operator", "subject": nif, "channel": "red",
            "reason": "information from mutual assistance", "office_codes": ["16011"]}  # fmt: skip
    body.update(changes)
    return body


def test_analysts_issue_and_close_notices_officers_read_them_traders_cannot(
    client: TestClient, user_headers: UserFactory, demo: Demo
) -> None:
    analyst, inspector = user_headers(Role.RISK_ANALYST), user_headers(Role.INSPECTOR)
    trader = user_headers(Role.TRADER, operator_id=demo.trader.operator_id)
    already_open = _ok(client.get(URL, headers=inspector, params={"status": "open"}))["total"]
    issued = _ok(client.post(URL, json=_notice(demo.operator_nif), headers=analyst), 201)
    assert (issued["status"], issued["matches"]) == ("open", [])
    assert re.fullmatch(r"AC-2026-\d{6}", issued["number"])  # numbered after whatever the demo issued
    assert _ok(client.get(f"{URL}/{issued['id']}", headers=inspector))["subject"] == demo.operator_nif
    assert _ok(client.get(URL, headers=inspector, params={"status": "open"}))["total"] == already_open + 1
    assert client.post(URL, json=_notice(demo.operator_nif), headers=inspector).status_code == 403
    assert client.get(URL, headers=trader).status_code == 403
    conclusion = {"outcome": "unfounded", "note": "nothing found", "expected_version": 1}
    closed = _ok(client.post(f"{URL}/{issued['id']}/close", headers=analyst, json=conclusion))
    assert (closed["status"], closed["outcome"]) == ("closed", "unfounded")
    again = client.post(f"{URL}/{issued['id']}/cancel", json={"reason": "late"}, headers=analyst)
    assert (again.status_code, again.json()["code"]) == (409, "risk.notice_transition")


def test_a_wrong_container_number_is_refused_in_the_users_language(
    client: TestClient, user_headers: UserFactory, demo: Demo
) -> None:
    analyst = {**user_headers(Role.RISK_ANALYST), "Accept-Language": "fr"}
    body = _notice("", subject_kind="container", subject="CSQU3054384")
    refused = client.post(URL, json=body, headers=analyst)
    assert refused.status_code == 422
    assert refused.json()["code"] == "risk.notice_container_check_digit"
    assert "chiffre de contrôle" in refused.json()["detail"]


def test_officers_see_the_evaluation_declarants_never_see_reasons(
    ctx: Context, client: TestClient, user_headers: UserFactory, demo: Demo
) -> None:
    analyst, inspector = user_headers(Role.RISK_ANALYST), user_headers(Role.INSPECTOR)
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    issued = _ok(client.post(URL, json=_notice(demo.operator_nif), headers=analyst), 201)
    engine = RiskSelectivity(random.Random(1), rules=FixedRules(), model=NoModel())
    with ctx.db.transaction() as session:
        content = fixtures.import_declaration(demo.operator_nif)
        declaration_id = lodging.lodge_new(session, ctx.clock, demo.broker, content, selectivity=engine).id
    evaluation = _ok(client.get(f"/api/v1/risk/evaluations/{declaration_id}", headers=inspector))
    assert (evaluation["channel"], evaluation["source"]) == ("red", "notice")
    assert issued["id"] in evaluation["notice_ids"]
    assert any(issued["number"] in reason for reason in evaluation["reasons"])
    assert client.get(f"/api/v1/risk/evaluations/{declaration_id}", headers=broker).status_code == 403
    seen = client.get(f"/api/v1/declarations/{declaration_id}", headers=broker)
    assert seen.status_code == 200 and seen.json()["channel"] == "red"
    assert "AC-2026" not in seen.text and "notice" not in seen.text
    assert client.get("/api/v1/risk/evaluations/999999", headers=inspector).status_code == 404
