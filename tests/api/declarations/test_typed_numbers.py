"""A version sent in If-Match that is no plain number is refused as bad input, never a server error (int()
refuses more than 4,300 digits; "²", a digit to Python but no number to int(), is covered by
tests/unit/kernel/test_numbers.py: the test client cannot send that byte as is)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from douane.declarations.model import declaration_to_dict
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.declarations.fixtures import Demo, import_declaration

URL = "/api/v1/declarations"


@pytest.mark.parametrize("if_match", ["9" * 5000, "-1", "1.0"], ids=["5,000 digits", "negative", "decimal"])
def test_an_if_match_that_is_no_version_is_refused(
    client: TestClient, demo: Demo, user_headers: UserFactory, if_match: str
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    draft = client.post(URL, json=declaration_to_dict(import_declaration(demo.operator_nif)), headers=broker)
    assert draft.status_code == 201, draft.text

    response = client.post(f"{URL}/{draft.json()['id']}/lodge", headers={**broker, "If-Match": if_match})

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "declarations.invalid_if_match"
