"""What each role may and may not do, on the demo data set, as the API answers it."""

import pytest
from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.demo.loader import demo_password, load_demo_if_empty
from tests.conftest import login

NEW_OFFICE = {
    "code": "47011", "name_fr": "Ghardaïa", "name_ar": "غرداية", "name_en": "Ghardaia", "kind": "inland",
    "regional_directorate": "ALGE", "regimes": ["IM4"],
}  # fmt: skip
RATES_CSV = b"currency,valid_from,valid_to,dzd_per_unit\nGBP,2026-05-01,,171.25\n"

# action -> the demo users allowed to do it (everyone else must get 403)
ALLOWED = {
    "create office": {"admin"},
    "list all operators": {
        "admin",
        "broker",
        "inspector",
        "liquidator",
        "cashier",
        "analyst",
        "chief",
        "auditor",
    },
    "suspend operator": {"admin"},
    "read audit log": {"admin", "auditor"},
    "manage users": {"admin"},
    "import rates": {"admin"},
    "read staff": {"admin", "inspector", "liquidator", "cashier", "analyst", "chief", "auditor"},
    "discharge a regime": {"admin", "inspector", "chief"},
}
USERS = ("admin", "broker", "trader", "inspector", "liquidator", "cashier", "analyst", "chief", "auditor")


def _attempt(client: TestClient, action: str, headers: dict[str, str], released_id: int) -> int:
    if action == "create office":
        return client.post("/api/v1/offices", json=NEW_OFFICE, headers=headers).status_code
    if action == "list all operators":
        response = client.get("/api/v1/operators", headers=headers)
        return 403 if response.status_code == 200 and response.json()["total"] < 50 else response.status_code
    if action == "suspend operator":
        body = {"status": "suspended", "reason": "contrôle", "expected_version": 1}
        return client.post("/api/v1/operators/2/status", json=body, headers=headers).status_code
    if action == "read audit log":
        return client.get("/api/v1/audit/events", headers=headers).status_code
    if action == "manage users":
        return client.get("/api/v1/users", headers=headers).status_code
    if action == "import rates":
        files = {"file": ("rates.csv", RATES_CSV, "text/csv")}
        return client.post("/api/v1/reference/imports/rates", files=files, headers=headers).status_code
    if action == "read staff":
        return client.get("/api/v1/officers", headers=headers).status_code
    if action == "discharge a regime":
        # The demo's released declaration is an IM4: whoever holds the permission (and is posted at its
        # office) reaches the lifecycle's refusal; nobody discharges it. Any other refusal fails the matrix.
        body = {"method": "re_export", "reference_number": "16011/2026/000001", "reason": "re-exported"}
        response = client.post(f"/api/v1/declarations/{released_id}/discharge", json=body, headers=headers)
        code = response.json().get("code")
        return {"declarations.regime_not_suspensive": 200, "auth.forbidden": 403}.get(
            code, response.status_code + 1000
        )
    raise AssertionError(action)


def _released_declaration(client: TestClient, headers: dict[str, str]) -> int:
    found = client.get("/api/v1/declarations", params={"status": "released"}, headers=headers).json()
    assert found["total"] == 1, found
    return int(found["items"][0]["id"])


@pytest.fixture
def demo_headers(ctx: Context, client: TestClient) -> dict[str, dict[str, str]]:
    load_demo_if_empty(ctx)
    password = demo_password(ctx.settings)
    return {user: login(client, user, password) for user in USERS}


def test_each_role_gets_exactly_its_permissions(
    client: TestClient, demo_headers: dict[str, dict[str, str]]
) -> None:
    outcome = {}
    released_id = _released_declaration(client, demo_headers["admin"])
    for action, allowed in ALLOWED.items():
        for user in USERS:
            status = _attempt(client, action, demo_headers[user], released_id)
            outcome[(action, user)] = "allowed" if status in (200, 201) else status
            expected = "allowed" if user in allowed else 403
            assert outcome[(action, user)] == expected, (action, user, status)


def test_a_trader_sees_only_its_own_operator(
    client: TestClient, demo_headers: dict[str, dict[str, str]]
) -> None:
    trader = demo_headers["trader"]
    own = client.get("/api/v1/operators", headers=trader).json()
    assert own["total"] == 1
    own_id = own["items"][0]["id"]
    assert client.get(f"/api/v1/operators/{own_id}", headers=trader).status_code == 200
    other = client.get(f"/api/v1/operators/{own_id + 1}", headers=trader)
    assert other.status_code == 403
    assert other.json()["code"] == "registry.not_your_operator"
