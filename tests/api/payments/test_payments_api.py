"""Payments over HTTP as each role sees them: the cashier collects, declarants read only their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.identity.model import Role
from douane.registry import service as registry
from tests.conftest import UserFactory
from tests.integration.payments.factories import (
    SettlementRecorder,
    isolated_bus,
    officer,
    offices,
    open_due,
)
from tests.integration.registry.factories import nif, operator

CASH = {"amount": "10000.00", "method": "cash", "payer": "SARL Mine"}


@dataclass
class World:
    due_mine: int  # declared by broker firm A for operator "mine"
    due_theirs: int  # declared by broker firm B for operator "theirs"
    operator_mine: int
    operator_theirs: int
    cashier: dict[str, str]
    broker_a: dict[str, str]
    broker_b: dict[str, str]
    trader_mine: dict[str, str]
    inspector: dict[str, str]


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> SettlementRecorder:
    return isolated_bus(monkeypatch)


@pytest.fixture
def world(ctx: Context, user_headers: UserFactory, heard: SettlementRecorder) -> World:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock)
        desk = officer(session, ctx.clock, "C-001", "16000")
        mine = operator(session, ctx.clock, 1, name="SARL Mine").id
        theirs = operator(session, ctx.clock, 2, name="SARL Autre").id
        firms = [
            registry.register_broker(
                session, ctx.clock, licence_number=f"AG-{n}", firm_name=f"Transit {n}", holder_name="K. B.",
                nif=nif(10 + n), licence_valid_from=date(2024, 1, 1),
            ).id
            for n in (1, 2)
        ]  # fmt: skip
        due_mine = open_due(session, ctx.clock, 1, operator_id=mine, broker_id=firms[0]).id
        due_theirs = open_due(session, ctx.clock, 2, operator_id=theirs, broker_id=firms[1]).id
    return World(
        due_mine=due_mine, due_theirs=due_theirs, operator_mine=mine, operator_theirs=theirs,
        cashier=user_headers(Role.CASHIER, officer_id=desk.id),
        broker_a=user_headers(Role.BROKER, broker_id=firms[0]),
        broker_b=user_headers(Role.BROKER, broker_id=firms[1]),
        trader_mine=user_headers(Role.TRADER, operator_id=mine),
        inspector=user_headers(Role.INSPECTOR),
    )  # fmt: skip


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _pay(client: TestClient, w: World, key: str, body: dict[str, Any] = CASH, due: int | None = None) -> Any:
    headers = {**w.cashier, "Idempotency-Key": key}
    return client.post(f"/api/v1/amounts-due/{due or w.due_mine}/payments", json=body, headers=headers)


def test_cashier_collects_and_the_declarant_reads_its_receipt(
    client: TestClient, world: World, heard: SettlementRecorder
) -> None:
    first = _ok(_pay(client, world, "desk-1-0001"), 201)
    assert first["receipt_number"] == "16000/2026/000001" and first["amount"] == "10000.00"
    replay = _pay(client, world, "desk-1-0001")
    assert replay.status_code == 200 and replay.json()["id"] == first["id"]
    assert replay.json()["receipt_number"] == first["receipt_number"]
    reused = _pay(client, world, "desk-1-0001", {**CASH, "amount": "9999.00"})
    assert reused.status_code == 409 and reused.json()["code"] == "payments.idempotency_key_reused"
    in_arabic = client.post(
        f"/api/v1/amounts-due/{world.due_mine}/payments", json={**CASH, "amount": "1.00"},
        headers={**world.cashier, "Idempotency-Key": "desk-1-0001", "Accept-Language": "ar"},
    )  # fmt: skip
    assert in_arabic.json()["detail"] == "استُخدم مفتاح عدم التكرار هذا لطلب دفع مختلف"
    over = _pay(client, world, "desk-1-0002", {**CASH, "amount": "30230.01"})
    assert over.status_code == 409 and over.json()["code"] == "payments.exceeds_outstanding"
    rest = {"amount": "30230", "method": "bank_transfer", "method_reference": "VIR-889", "payer": "SARL Mine"}
    _ok(_pay(client, world, "desk-1-0003", rest), 201)
    assert [e.subject_id for e in heard.heard] == [1]

    due = _ok(client.get(f"/api/v1/amounts-due/{world.due_mine}", headers=world.broker_a))
    assert (due["status"], due["outstanding"], due["paid"]) == ("paid", "0.00", "40230.00")
    assert [p["receipt_number"] for p in due["payments"]] == ["16000/2026/000001", "16000/2026/000002"]
    receipt = _ok(client.get("/api/v1/receipts/16000/2026/000002", headers=world.trader_mine))
    assert receipt["method"] == "bank_transfer" and receipt["subject_reference"] == "16011/2026/000001"
    assert _ok(client.get(f"/api/v1/payments/{first['id']}", headers=world.broker_a))["payer"] == "SARL Mine"
    assert client.get("/api/v1/receipts/16000/2026/000009", headers=world.inspector).status_code == 404
    bad = client.get("/api/v1/receipts/not-a-number", headers=world.inspector)
    assert bad.status_code == 422 and bad.json()["code"] == "payments.invalid_receipt_number"


def test_declarants_see_only_their_own_amounts_due_and_receipts(client: TestClient, world: World) -> None:
    paid = _ok(_pay(client, world, "k-1"), 201)
    for outsider in (world.broker_b,):
        assert client.get(f"/api/v1/amounts-due/{world.due_mine}", headers=outsider).status_code == 404
        assert client.get(f"/api/v1/payments/{paid['id']}", headers=outsider).status_code == 404
        assert client.get(f"/api/v1/receipts/{paid['receipt_number']}", headers=outsider).status_code == 404

    def listed(headers: dict[str, str], query: str = "") -> list[int]:
        return [d["id"] for d in _ok(client.get(f"/api/v1/amounts-due{query}", headers=headers))["items"]]

    assert listed(world.broker_a) == [world.due_mine]
    assert listed(world.broker_b) == [world.due_theirs]
    assert listed(world.trader_mine) == [world.due_mine]
    assert listed(world.trader_mine, f"?operator_id={world.operator_theirs}") == []
    assert listed(world.inspector) == [world.due_theirs, world.due_mine]
    assert listed(world.inspector, "?status=partially_paid&office=16000") == [world.due_mine]
    assert listed(world.cashier, "?subject_reference=16011/2026/000002") == [world.due_theirs]
    assert client.get(f"/api/v1/amounts-due/{world.due_theirs}", headers=world.trader_mine).status_code == 404


def test_only_cashiers_collect_and_the_idempotency_key_is_required(client: TestClient, world: World) -> None:
    url = f"/api/v1/amounts-due/{world.due_mine}/payments"
    for declarant in (world.broker_a, world.trader_mine, world.inspector):
        refused = client.post(url, json=CASH, headers={**declarant, "Idempotency-Key": "k-x"})
        assert refused.status_code == 403, refused.text
    missing = client.post(url, json=CASH, headers=world.cashier)
    assert missing.status_code == 422 and missing.json()["code"] == "request.invalid"
    assert any("Idempotency-Key" in e["path"] for e in missing.json()["errors"])
    for key in ("", "x" * 101, "key with spaces", "clé".encode("latin-1")):
        bad_key = client.post(url, json=CASH, headers={**world.cashier, "Idempotency-Key": key})
        assert bad_key.status_code == 422, (key, bad_key.text)
    for body in ({**CASH, "amount": "12.345"}, {**CASH, "amount": "-1"}, {**CASH, "method": "card"},
                 {**CASH, "currency": "EUR"}, {**CASH, "payer": ""}, {**CASH, "extra": 1}):  # fmt: skip
        assert _pay(client, world, "k-bad", body).status_code == 422, body
    assert _pay(client, world, "k-404", due=999_999).status_code == 404
    cheque = _pay(client, world, "k-chq", {**CASH, "method": "cheque"})
    assert cheque.status_code == 422 and cheque.json()["code"] == "payments.method_reference_required"


def test_a_guarantee_registered_at_the_desk_covers_an_amount_due(
    client: TestClient, world: World, heard: SettlementRecorder
) -> None:
    surety = {
        "operator_id": world.operator_mine, "kind": "bank_surety", "reference": "CAUT-1", "issuer": "BNA",
        "amount": "50000", "valid_from": "2026-01-01", "valid_to": "2026-12-31",
    }  # fmt: skip
    assert client.post("/api/v1/guarantees", json=surety, headers=world.broker_a).status_code == 403
    guarantee = _ok(client.post("/api/v1/guarantees", json=surety, headers=world.cashier), 201)
    assert guarantee["available"] == "50000.00"
    again = client.post("/api/v1/guarantees", json=surety, headers=world.cashier)
    assert again.status_code == 409 and again.json()["code"] == "payments.guarantee_exists"

    cover = {"guarantee_id": guarantee["id"]}
    other = client.post(
        f"/api/v1/amounts-due/{world.due_theirs}/guarantee", json=cover, headers=world.cashier
    )
    assert other.status_code == 409 and other.json()["code"] == "payments.guarantee_other_operator"
    covered = _ok(
        client.post(f"/api/v1/amounts-due/{world.due_mine}/guarantee", json=cover, headers=world.cashier)
    )
    assert (covered["status"], covered["guaranteed"]) == ("guaranteed", "40230.00")
    assert [(e.subject_id, e.how) for e in heard.heard] == [(1, "guaranteed")]

    def guarantees(headers: dict[str, str]) -> list[str]:
        return [g["available"] for g in _ok(client.get("/api/v1/guarantees", headers=headers))["items"]]

    assert guarantees(world.trader_mine) == ["9770.00"]
    assert guarantees(world.cashier) == ["9770.00"]
    assert guarantees(world.broker_b) == []

    release_url = f"/api/v1/guarantees/{guarantee['id']}/release"
    in_use = client.post(release_url, json={"reason": "Operator asks"}, headers=world.cashier)
    assert in_use.status_code == 409 and in_use.json()["code"] == "payments.guarantee_in_use"
    _ok(_pay(client, world, "after-cover", {**CASH, "amount": "40230"}), 201)
    assert guarantees(world.cashier) == ["50000.00"]
    assert len(heard.heard) == 1
    released = _ok(client.post(release_url, json={"reason": "Operator asks"}, headers=world.cashier))
    assert released["status"] == "released"
    one_url = f"/api/v1/guarantees/{guarantee['id']}"
    assert _ok(client.get(one_url, headers=world.trader_mine))["status"] == "released"
    assert client.get(one_url, headers=world.broker_b).status_code == 404
