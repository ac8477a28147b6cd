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


def test_a_refused_caller_hears_so_before_anything_about_the_request(
    client: TestClient, demo: Demo, user_headers: UserFactory
) -> None:
    """As on every other route: a bad token, a refused API key or a missing permission answers 401/403
    (in the caller's language, the refused key audited), not what is wrong with the body, the path or
    If-Match, which only a caller allowed to lodge may learn."""
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    inspector = user_headers(Role.INSPECTOR)
    auditor = user_headers(Role.AUDITOR)
    forged = {"Authorization": "Bearer forged", "Accept-Language": "fr"}
    unknown_key = {"X-API-Key": "dk_refusedkey_secret"}
    not_a_list = {"declarations": "not a list"}

    assert _bulk(client, forged, not_a_list) == (401, "auth.invalid_token")
    answer = client.post(f"{URL}/bulk", json=not_a_list, headers=forged)
    assert answer.json()["detail"] == "Le jeton d'accès n'est pas valide"
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert _bulk(client, unknown_key, not_a_list) == (401, "auth.invalid_api_key")
    refused = client.get("/api/v1/audit/events", params={"action": "auth.api_key_refused"}, headers=auditor)
    assert refused.json()["total"] == 1
    assert _bulk(client, inspector, not_a_list) == (403, "auth.forbidden")

    body = declaration_to_dict(import_declaration(demo.operator_nif))
    created = client.post(URL, json=body, headers=broker)
    lodge = f"{URL}/{created.json()['id']}/lodge"
    for caller, expected in ((forged, (401, "auth.invalid_token")), (inspector, (403, "auth.forbidden"))):
        bad_if_match = client.post(lodge, headers={**caller, "If-Match": "not a version"})
        assert (bad_if_match.status_code, bad_if_match.json()["code"]) == expected
        bad_body = client.post(lodge, json={"version": "one"}, headers=caller)
        assert (bad_body.status_code, bad_body.json()["code"]) == expected
        bad_path = client.post(f"{URL}/not-a-number/lodge", headers=caller)
        assert (bad_path.status_code, bad_path.json()["code"]) == expected

    # a caller allowed to lodge hears what is wrong with the request
    assert _bulk(client, broker, not_a_list) == (422, "request.invalid")
    bad_if_match = client.post(lodge, headers={**broker, "If-Match": "not a version"})
    assert (bad_if_match.status_code, bad_if_match.json()["code"]) == (422, "declarations.invalid_if_match")
    assert client.get(f"{URL}/{created.json()['id']}", headers=broker).json()["status"] == "draft"
