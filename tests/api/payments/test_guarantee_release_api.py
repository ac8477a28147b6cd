"""Releasing a guarantee over HTTP: only guarantee managers may, never while it covers unpaid duties;
then once, with a replay answering the same released guarantee."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.payments.factories import SettlementRecorder, isolated_bus, officer, offices, open_due
from tests.integration.registry.factories import operator

SURETY = {"kind": "bank_surety", "reference": "CAUT-77", "issuer": "CPA", "amount": "60000",
          "valid_from": "2026-01-01"}  # fmt: skip
REASON = {"reason": "Duties paid at the cashier"}


@pytest.fixture(autouse=True)
def heard(monkeypatch: pytest.MonkeyPatch) -> SettlementRecorder:
    return isolated_bus(monkeypatch)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_guarantee_is_released_by_a_chief_only_after_the_duties_it_covers_are_paid(
    client: TestClient, ctx: Context, user_headers: UserFactory
) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock)
        desk = officer(session, ctx.clock, "C-001", "16000")
        debtor = operator(session, ctx.clock, 1, name="SARL Mine").id
        due_id = open_due(session, ctx.clock, 1, operator_id=debtor).id
    cashier = user_headers(Role.CASHIER, officer_id=desk.id)
    chief = {**user_headers(Role.OFFICE_CHIEF), "Accept-Language": "fr"}
    guarantee = _ok(
        client.post("/api/v1/guarantees", json={**SURETY, "operator_id": debtor}, headers=cashier), 201
    )
    _ok(
        client.post(
            f"/api/v1/amounts-due/{due_id}/guarantee", json={"guarantee_id": guarantee["id"]}, headers=cashier
        )
    )
    release = f"/api/v1/guarantees/{guarantee['id']}/release"

    for other in (
        user_headers(Role.LIQUIDATION_INSPECTOR),
        user_headers(Role.INSPECTOR),
        user_headers(Role.TRADER, operator_id=debtor),
    ):
        assert client.post(release, json=REASON, headers=other).status_code == 403

    refused = client.post(release, json=REASON, headers=chief)
    assert refused.status_code == 409 and refused.json()["code"] == "payments.guarantee_in_use"
    assert "16011/2026/000001" in refused.json()["detail"] and "non payés" in refused.json()["detail"]

    pay = {"amount": "40230", "method": "cash", "payer": "SARL Mine"}
    _ok(
        client.post(
            f"/api/v1/amounts-due/{due_id}/payments", json=pay, headers={**cashier, "Idempotency-Key": "p1"}
        ),
        201,
    )
    seen = _ok(client.get(f"/api/v1/guarantees/{guarantee['id']}", headers=chief))
    stale = client.post(release, json={**REASON, "version": guarantee["version"]}, headers=chief)
    assert stale.status_code == 409 and stale.json()["code"] == "payments.concurrent_change"

    released = _ok(client.post(release, json={**REASON, "version": seen["version"]}, headers=chief))
    assert (released["status"], released["allocated"]) == ("released", "0.00")
    replay = _ok(client.post(release, json={**REASON, "version": seen["version"]}, headers=chief))
    assert replay == released
    listed = _ok(client.get("/api/v1/guarantees", params={"status": "released"}, headers=cashier))["items"]
    assert [g["id"] for g in listed] == [guarantee["id"]]
