"""A bulk lodging the database refuses (a constraint the checks did not catch) answers a 4xx problem on
both engines, and keeps nothing: the rows written straight through the driver are refused like the others."""

from __future__ import annotations

from fastapi.testclient import TestClient

from douane.declarations.model import declaration_to_dict
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.declarations.fixtures import Demo, import_declaration

URL = "/api/v1/declarations"


def test_two_items_with_one_number_are_a_conflict_not_a_server_error(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    declaration = declaration_to_dict(import_declaration(demo.operator_nif))
    declaration["items"] = [declaration["items"][0], declaration["items"][0]]

    response = client.post(f"{URL}/bulk", json={"declarations": [declaration]}, headers=broker)

    assert response.status_code == 409, response.text
    assert response.json()["code"] == "conflict.integrity"
    assert client.get(URL, headers=broker).json()["total"] == 0
