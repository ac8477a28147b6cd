"""Selectivity shares, decisions and inspector draws over HTTP: who may read and write, what they see."""

import random
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.identity.model import Role
from douane.registry import service as registry
from douane.risk.assignment import draw_inspector
from douane.risk.selectivity import DefaultSelectivity
from tests.conftest import UserFactory
from tests.integration.registry.factories import nif, operator
from tests.integration.risk.factories import inspector, offices, request

RED_HEAVY = {"green": 40, "yellow": 20, "red": 30, "blue": 10}
OFFICE_SHARES = "/api/v1/selectivity/offices/16011/shares"
DEFAULT_SHARES = "/api/v1/selectivity/default-shares"


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def setup(ctx: Context) -> dict[str, int]:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
        firm = registry.register_broker(
            session, ctx.clock, licence_number="AG-16-001", firm_name="Transit Sahel",
            holder_name="K. Amrani", nif=nif(900), licence_valid_from=date(2025, 1, 1),
        )  # fmt: skip
        trader = operator(session, ctx.clock, 901)
        officer = inspector(session, ctx.clock, "INS-1", office_code="16011")
        return {"broker": firm.id, "operator": trader.id, "officer": officer.id}


def _users(user_headers: UserFactory, ids: dict[str, int]) -> dict[str, dict[str, str]]:
    return {
        "analyst": user_headers(Role.RISK_ANALYST),
        "chief": user_headers(Role.OFFICE_CHIEF),
        "inspector": user_headers(Role.INSPECTOR, officer_id=ids["officer"]),
        "liquidator": user_headers(Role.LIQUIDATION_INSPECTOR),
        "auditor": user_headers(Role.AUDITOR),
        "broker": user_headers(Role.BROKER, broker_id=ids["broker"]),
        "trader": user_headers(Role.TRADER, operator_id=ids["operator"]),
    }


def test_analysts_set_office_shares_and_inspectors_read_them(
    client: TestClient, user_headers: UserFactory, setup: dict[str, int]
) -> None:
    users = _users(user_headers, setup)
    before = _ok(client.get(OFFICE_SHARES, headers=users["inspector"]))
    assert (before["source"], before["in_force"]) == (
        "built-in",
        {"green": 60, "yellow": 20, "red": 15, "blue": 5},
    )

    saved = _ok(client.put(OFFICE_SHARES, json=RED_HEAVY, headers=users["analyst"]))
    assert (saved["scope"], saved["source"], saved["in_force"]) == ("16011", "office", RED_HEAVY)
    assert saved["valid_from"] == "2026-03-15"
    assert saved["set_by"].startswith("risk_analyst")

    for reader in ("inspector", "chief", "analyst"):
        assert _ok(client.get(OFFICE_SHARES, headers=users[reader]))["in_force"] == RED_HEAVY
    for outsider in ("broker", "trader", "liquidator"):
        refused = client.get(OFFICE_SHARES, headers=users[outsider])
        assert refused.status_code == 403, outsider
        assert refused.json()["code"] == "auth.forbidden"
    for not_manager in ("inspector", "broker", "auditor"):
        assert client.put(OFFICE_SHARES, json=RED_HEAVY, headers=users[not_manager]).status_code == 403


def test_national_shares_can_be_scheduled_for_a_later_date(
    client: TestClient, user_headers: UserFactory, setup: dict[str, int]
) -> None:
    chief = user_headers(Role.OFFICE_CHIEF)
    body = {**RED_HEAVY, "valid_from": "2026-04-01"}
    saved = _ok(client.put(DEFAULT_SHARES, json=body, headers=chief))
    assert saved["scope"] == "national"
    assert saved["in_force"] == RED_HEAVY  # answered as of the day the new shares start
    today = _ok(client.get(DEFAULT_SHARES, headers=chief))
    assert today["source"] == "built-in"
    assert [s["valid_from"] for s in today["scheduled"]] == ["2026-04-01"]
    office = _ok(client.get(OFFICE_SHARES, params={"on": "2026-04-02"}, headers=chief))
    assert (office["source"], office["in_force"]) == ("national", RED_HEAVY)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"green": 60, "yellow": 20, "red": 15, "blue": 4}, "risk.shares_not_100"),
        ({"green": 60, "yellow": 20, "red": 15, "blue": -5}, "request.invalid"),
        ({"green": 60, "yellow": 20, "red": 15}, "request.invalid"),
        ({**RED_HEAVY, "valid_from": "2026-03-01"}, "risk.shares_in_the_past"),
        ({**RED_HEAVY, "orange": 0}, "request.invalid"),
    ],
)
def test_bad_shares_are_refused_with_a_code(
    client: TestClient, user_headers: UserFactory, setup: dict[str, int], body: dict[str, Any], code: str
) -> None:
    analyst = user_headers(Role.RISK_ANALYST)
    refused = client.put(OFFICE_SHARES, json=body, headers=analyst)
    assert (refused.status_code, refused.json()["code"]) == (422, code)


def test_an_unknown_office_is_not_found(client: TestClient, user_headers: UserFactory) -> None:
    analyst = user_headers(Role.RISK_ANALYST)
    for response in (
        client.get("/api/v1/selectivity/offices/99999/shares", headers=analyst),
        client.put("/api/v1/selectivity/offices/99999/shares", json=RED_HEAVY, headers=analyst),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "registry.office_not_found")


def test_decisions_and_draws_are_read_by_analysts_and_auditors_only(
    ctx: Context, client: TestClient, user_headers: UserFactory, setup: dict[str, int]
) -> None:
    users = _users(user_headers, setup)
    with ctx.db.transaction() as session:
        DefaultSelectivity(random.Random(3)).choose_channel(
            session, ctx.clock, request(12, "16011", ctx.clock.now())
        )
        draw_inspector(
            session,
            ctx.clock,
            office_code="16011",
            subject_kind="declaration",
            subject_id=12,
            on=ctx.clock.now(),
        )
    for reader in ("analyst", "auditor", "chief"):
        decisions = _ok(client.get("/api/v1/selectivity/decisions?declaration_id=12", headers=users[reader]))
        assert decisions["total"] == 1
        assert decisions["items"][0]["shares"] == {"green": 60, "yellow": 20, "red": 15, "blue": 5}
        draws = _ok(client.get("/api/v1/inspector-draws?subject_id=12", headers=users[reader]))
        assert [(d["officer_id"], d["candidate_ids"]) for d in draws["items"]] == [
            (setup["officer"], [setup["officer"]])
        ]
    assert _ok(client.get("/api/v1/inspector-draws?subject_id=13", headers=users["auditor"]))["total"] == 0
    for outsider in ("broker", "trader", "inspector", "liquidator"):
        assert client.get("/api/v1/selectivity/decisions", headers=users[outsider]).status_code == 403, (
            outsider
        )
        assert client.get("/api/v1/inspector-draws", headers=users[outsider]).status_code == 403, outsider
