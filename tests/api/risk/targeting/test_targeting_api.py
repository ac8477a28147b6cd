"""Targeting rules and value indicators over HTTP: analysts write, officers read, faults at the column."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from douane.identity.model import Role
from tests.conftest import UserFactory

RULES = "/api/v1/risk/rules"
RULE = {"name": "Cheap cars", "expression": 'hs6 == "870323" and value_per_kg < 500', "action": "red"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_an_analyst_writes_activates_and_compares_a_rule(
    client: TestClient, user_headers: UserFactory
) -> None:
    analyst = user_headers(Role.RISK_ANALYST)
    created = _ok(client.post(RULES, json=RULE, headers=analyst), 201)
    assert created["code"] == "R-2026-0001" and created["status"] == "draft"
    rule = f"{RULES}/{created['id']}"
    edited = _ok(client.put(rule, json={**RULE, "priority": 3, "row_version": created["row_version"]},
                            headers=analyst))  # fmt: skip
    stale = client.put(rule, json={**RULE, "row_version": created["row_version"]}, headers=analyst)
    assert stale.status_code == 409 and stale.json()["code"] == "rules.stale_version"
    reason = {"reason": "backtested", "row_version": edited["row_version"]}
    active = _ok(client.post(f"{rule}/activate", json=reason,
                             headers=analyst))  # fmt: skip
    assert active["status"] == "active" and [v["version"] for v in active["versions"]] == [3, 2, 1]
    diff = _ok(client.get(f"{rule}/diff", params={"from": 1, "to": 3}, headers=analyst))
    assert {c["field"] for c in diff["changes"]} == {"status", "priority"}
    listed = _ok(client.get(RULES, params={"status": "active"}, headers=user_headers(Role.INSPECTOR)))
    assert [r["code"] for r in listed["items"]] == ["R-2026-0001"]


def test_a_faulty_expression_answers_its_line_and_column_in_the_users_language(
    client: TestClient, user_headers: UserFactory
) -> None:
    analyst = {**user_headers(Role.RISK_ANALYST), "Accept-Language": "fr"}
    expression = 'origin == "DE" and\n  value_per_kg < "x"'
    response = client.post(f"{RULES}/check", json={"expression": expression},
                           headers=analyst)  # fmt: skip
    assert response.status_code == 422
    problem = response.json()
    assert problem["params"]["line"] == 2 and problem["params"]["column"] == 16  # the comparison
    assert problem["code"].startswith("rules.") and problem["detail"] != problem["title"]
    bad = client.post(RULES, json={**RULE, "expression": "value_per_kg <"}, headers=analyst)
    assert bad.status_code == 422 and bad.json()["code"] == "rules.syntax"


def test_only_analysts_write(client: TestClient, user_headers: UserFactory) -> None:
    inspector = user_headers(Role.INSPECTOR)
    assert client.post(RULES, json=RULE, headers=inspector).status_code == 403
    period = {"start": "2026-01-01", "end": "2026-02-01"}
    assert client.post("/api/v1/risk/value-indicators/derive", json=period,
                       headers=user_headers(Role.CASHIER)).status_code == 403  # fmt: skip


def test_value_indicators_set_listed_and_exported(client: TestClient, user_headers: UserFactory) -> None:
    analyst = user_headers(Role.RISK_ANALYST)
    body = {"hs6": "870323", "origin": "de", "dinars_per_kg": "1500.50", "valid_from": "2026-03-14"}
    past = client.post("/api/v1/risk/value-indicators", json=body, headers=analyst)
    assert (past.status_code, past.json()["code"]) == (422, "indicators.in_the_past")
    body["valid_from"] = "2026-03-15"  # the clock's day
    created = _ok(client.post("/api/v1/risk/value-indicators", json=body, headers=analyst), 201)
    assert created["origin"] == "DE" and created["dinars_per_kg"] == "1500.50"
    page = _ok(client.get("/api/v1/risk/value-indicators", params={"on": "2026-03-15"}, headers=analyst))
    assert page["total"] == 1
    exported = client.get("/api/v1/risk/value-indicators/export.csv", headers=analyst)
    assert exported.text.splitlines()[1:] == ["870323,DE,1500.50,2026-03-15,,analyst"]
    imported = client.post(
        "/api/v1/risk/value-indicators/import",
        headers=analyst,
        files={"file": ("i.csv", b"hs6,origin,dinars_per_kg,valid_from\n870323,DE,1600,2026-04-01\n")},
    )
    assert _ok(imported)["imported"] == 1
