"""Two items under one number cannot be stored, not even as a draft: the declaration is refused with its own
problem code, before anything is written, and in a bulk lodging the others are lodged as usual (on both
engines; before, the database refused the whole batch)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from douane.declarations.model import declaration_to_dict
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.declarations.fixtures import Demo, import_declaration

URL = "/api/v1/declarations"


def _repeating_an_item_number(demo: Demo) -> dict[str, object]:
    declaration = declaration_to_dict(import_declaration(demo.operator_nif))
    declaration["items"] = [declaration["items"][0], declaration["items"][0]]
    return declaration


def test_a_repeated_item_number_refuses_that_declaration_only(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = {**user_headers(Role.BROKER, broker_id=demo.broker_id), "Accept-Language": "fr"}
    good = declaration_to_dict(import_declaration(demo.operator_nif))

    response = client.post(
        f"{URL}/bulk", json={"declarations": [good, _repeating_an_item_number(demo)]}, headers=broker
    )

    assert response.status_code == 200, response.text
    first, second = response.json()["outcomes"]
    assert first["status"] == "channel_assigned" and first["number"]
    assert second["id"] is None and second["error"]["code"] == "declarations.repeated_item_number"
    assert "utilisé deux fois" in second["error"]["message"]
    assert client.get(URL, headers=broker).json()["total"] == 1


def test_a_draft_repeating_an_item_number_is_refused(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)

    response = client.post(URL, json=_repeating_an_item_number(demo), headers=broker)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "declarations.repeated_item_number"
    assert client.get(URL, headers=broker).json()["total"] == 0
