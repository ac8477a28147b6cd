"""Login, tokens, slow-down, lock-out, API keys and the security audit log."""

from datetime import timedelta

from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.identity.model import Role
from douane.kernel.clock import FixedClock
from tests.conftest import PASSWORD, UserFactory, login


def _try_login(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password}).status_code


def test_health_answers_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_login_gives_an_expiring_bearer_token(
    ctx: Context, client: TestClient, user_headers: UserFactory
) -> None:
    headers = user_headers(Role.INSPECTOR, username="amina")
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["username"] == "amina"
    assert "offices:read" in me.json()["permissions"]
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.advance(timedelta(minutes=ctx.settings.token_ttl_minutes + 1))
    expired = client.get("/api/v1/auth/me", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["code"] == "auth.token_expired"
    assert expired.headers["content-type"].startswith("application/problem+json")


def test_wrong_password_then_slow_down_then_lock_out(
    ctx: Context, client: TestClient, user_headers: UserFactory
) -> None:
    user_headers(Role.CASHIER, username="karim")
    assert isinstance(ctx.clock, FixedClock)
    for _ in range(ctx.settings.login_slowdown_after):
        assert _try_login(client, "karim", "wrong-password-1") == 401
    throttled = client.post("/api/v1/auth/token", data={"username": "karim", "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "auth.slow_down"
    assert int(throttled.headers["Retry-After"]) >= 1
    while True:
        ctx.clock.advance(timedelta(minutes=6))
        status = _try_login(client, "karim", "wrong-password-1")
        if status != 401:
            break
    locked = client.post("/api/v1/auth/token", data={"username": "karim", "password": PASSWORD})
    assert locked.status_code == 423
    assert locked.json()["code"] == "auth.locked"
    ctx.clock.advance(timedelta(minutes=ctx.settings.login_lockout_minutes + 1))
    assert _try_login(client, "karim", PASSWORD) == 200


def test_security_events_are_in_the_audit_log(client: TestClient, user_headers: UserFactory) -> None:
    user_headers(Role.INSPECTOR, username="nadia")
    assert _try_login(client, "nadia", "not-the-password") == 401
    auditor = user_headers(Role.AUDITOR, username="auditor")
    events = client.get("/api/v1/audit/events", params={"category": "security"}, headers=auditor).json()
    actions = [(e["action"], e["actor_name"]) for e in events["items"]]
    assert ("auth.login_failed", "nadia") in actions
    assert ("auth.login", "auditor") in actions
    assert ("user.created", "system") in actions


def test_role_change_is_audited_and_takes_effect(client: TestClient, user_headers: UserFactory) -> None:
    admin = user_headers(Role.ADMIN, username="root")
    user_headers(Role.INSPECTOR, username="samir")
    samir_id = client.get("/api/v1/users", params={"q": "samir"}, headers=admin).json()["items"][0]["id"]
    changed = client.put(f"/api/v1/users/{samir_id}/roles", json={"roles": ["auditor"]}, headers=admin)
    assert changed.status_code == 200
    assert changed.json()["roles"] == ["auditor"]
    samir = login(client, "samir")
    assert client.get("/api/v1/audit/events", headers=samir).status_code == 200
    events = client.get("/api/v1/audit/events", params={"action": "user.roles_changed"}, headers=admin).json()
    assert events["items"][0]["from_state"] == "inspector"
    assert events["items"][0]["to_state"] == "auditor"
    assert events["items"][0]["actor_name"] == "root"


def test_api_key_for_a_bank_system(client: TestClient, user_headers: UserFactory) -> None:
    admin = user_headers(Role.ADMIN)
    created = client.post(
        "/api/v1/users", json={"username": "bea-bank", "full_name": "BEA", "roles": ["bank"]}, headers=admin
    )
    assert created.status_code == 201, created.text
    key = client.post(f"/api/v1/users/{created.json()['id']}/api-keys", json={"name": "bea"}, headers=admin)
    assert key.status_code == 201
    system = {"X-API-Key": key.json()["key"]}
    assert client.get("/api/v1/auth/me", headers=system).json()["roles"] == ["bank"]
    assert client.get("/api/v1/users", headers=system).status_code == 403
    assert client.delete(f"/api/v1/api-keys/{key.json()['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/auth/me", headers=system).json()["code"] == "auth.invalid_api_key"
    # A system account cannot log in with a password.
    assert _try_login(client, "bea-bank", "anything-at-all") == 401


def test_logout_revokes_the_token(client: TestClient, user_headers: UserFactory) -> None:
    headers = user_headers(Role.AUDITOR)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_bad_input_gets_problem_json_with_field_paths(client: TestClient, user_headers: UserFactory) -> None:
    admin = user_headers(Role.ADMIN)
    response = client.post("/api/v1/users", json={"username": "x y", "roles": ["pilot"]}, headers=admin)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "request.invalid"
    paths = {e["path"] for e in body["errors"]}
    assert {"body.username", "body.full_name", "body.roles[0]"} <= paths


def test_errors_speak_the_callers_language(client: TestClient) -> None:
    response = client.get("/api/v1/auth/me", headers={"Accept-Language": "fr-DZ,fr;q=0.9"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Authentification requise"
    arabic = client.get("/api/v1/auth/me", headers={"Accept-Language": "ar"})
    assert arabic.json()["detail"] == "المصادقة مطلوبة"
