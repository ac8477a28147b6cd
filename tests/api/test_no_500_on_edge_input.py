"""Inputs the fuzz pass found answering 500: each must now be a 4xx problem with a stable code."""

import pytest
from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.registry.factories import office

BIG = "99999999999999999999999"
EDGE_GETS = [
    "/api/v1/audit/events?since=9999-12-31T23:59:59-12:00",
    "/api/v1/audit/events?since=0001-01-01T00:00:00%2B14:00",
    "/api/v1/audit/events?action=%00",
    "/api/v1/users?q=%00",
    "/api/v1/offices/16011/roster?role=inspector&at=9999-12-31T23:59:59Z",
    "/api/v1/offices/16011/roster?role=inspector&at=0001-01-01T00:00:00%2B01:00",
    "/api/v1/brokers/1/may-declare?office=16011&on=9999-12-31",
    "/api/v1/reference/hs?q=%00",
    "/api/v1/reference/tariff-lines?q=%00",
    f"/api/v1/users/{BIG}",
    "/api/v1/declarations?registered_from=0001-01-01",
    "/api/v1/declarations?registered_to=9999-12-31",
]


@pytest.mark.parametrize("path", EDGE_GETS)
def test_edge_queries_are_refused_not_crashed(
    ctx: Context, client: TestClient, user_headers: UserFactory, path: str
) -> None:
    with ctx.db.transaction() as session:
        office(session, ctx.clock, "16011")
    admin = user_headers(Role.ADMIN)
    response = client.get(path, headers=admin)
    assert response.status_code < 500, response.text


def test_huge_ids_in_a_body_or_path_are_422(client: TestClient, user_headers: UserFactory) -> None:
    admin = user_headers(Role.ADMIN)
    body = {"username": "x-big", "full_name": "X", "password": "long-enough-123", "roles": ["inspector"],
            "officer_id": int(BIG)}  # fmt: skip
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 422
    assert client.delete(f"/api/v1/api-keys/{BIG}", headers=admin).status_code == 422
