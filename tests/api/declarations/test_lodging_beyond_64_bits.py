"""A declaration whose totals outgrow every 64-bit integer is refused with a problem, not a 500, on both
engines: its row goes to PostgreSQL as JSON (douane.db._as_json), which cannot carry such an integer as a
number."""

from __future__ import annotations

from fastapi.testclient import TestClient

from douane.declarations.model import declaration_to_dict
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.declarations.fixtures import Demo, import_declaration

URL = "/api/v1/declarations"
LARGEST_CUSTOMS_VALUE = "999999999999999.99"  # what the form takes for one item
ITEMS = 200  # their sum in centimes is beyond 2**64, not only beyond 2**63


def _beyond_64_bits(demo: Demo) -> dict[str, object]:
    declaration = declaration_to_dict(import_declaration(demo.operator_nif))
    item = {**declaration["items"][0], "invoice_amount": "100", "customs_value_dzd": LARGEST_CUSTOMS_VALUE}
    declaration["items"] = [{**item, "number": number} for number in range(1, ITEMS + 1)]
    declaration["invoice_total"] = str(100 * ITEMS)
    return declaration


def test_totals_beyond_64_bits_are_refused_with_a_problem(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    broker = {**user_headers(Role.BROKER, broker_id=demo.broker_id), "Accept-Language": "fr"}

    response = client.post(f"{URL}/bulk", json={"declarations": [_beyond_64_bits(demo)]}, headers=broker)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.out_of_range"  # the same on both engines
    assert client.get(URL, headers=broker).json()["total"] == 0
