"""The lodging routes check their caller on the thread that lodges (one thread hop per request): the
answers are those of every other route, and a refused caller lodges nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from douane.declarations.model import declaration_to_dict
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.declarations.fixtures import Demo, import_declaration

URL = "/api/v1/declarations"


def _bulk(client: TestClient, headers: dict[str, str], body: object) -> tuple[int, str]:
    answer = client.post(f"{URL}/bulk", json=body, headers=headers)
    return answer.status_code, answer.json().get("code", "")


def _lodged_count(client: TestClient, headers: dict[str, str]) -> int:
    listed = client.get(URL, headers=headers)
    assert listed.status_code == 200, listed.text
    return int(listed.json()["total"])


def test_bulk_lodging_refuses_callers_as_every_route_does(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    inspector = user_headers(Role.INSPECTOR)
    good = {"declarations": [declaration_to_dict(import_declaration(demo.operator_nif))]}

    assert _bulk(client, {}, {"declarations": "not a list"}) == (401, "auth.required")
    assert _bulk(client, {}, good) == (401, "auth.required")
    assert _bulk(client, {"Authorization": "Bearer forged"}, good) == (401, "auth.invalid_token")
    assert _bulk(client, {"X-API-Key": "dk_unknown"}, good) == (401, "auth.invalid_api_key")
    assert _bulk(client, inspector, good) == (403, "auth.forbidden")
    assert _lodged_count(client, broker) == 0

    assert _bulk(client, broker, good)[0] == 200
    assert _lodged_count(client, broker) == 1


def test_lodging_a_draft_refuses_another_role(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    body = declaration_to_dict(import_declaration(demo.operator_nif))
    created = client.post(URL, json=body, headers=broker)
    assert created.status_code == 201, created.text
    lodge = f"{URL}/{created.json()['id']}/lodge"

    refused = client.post(lodge, headers=user_headers(Role.INSPECTOR))
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.forbidden")
    anonymous = client.post(lodge)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "auth.required")
    assert client.get(f"{URL}/{created.json()['id']}", headers=broker).json()["status"] == "draft"

    lodged = client.post(lodge, headers=broker)
    assert lodged.status_code == 200, lodged.text
    assert lodged.json()["status"] != "draft"
