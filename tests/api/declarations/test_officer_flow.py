"""The whole declaration flow over HTTP, as each role would walk it, on SQLite and PostgreSQL.

Broker lodges -> selectivity (the office's shares set to 100 % of one channel through the risk API) ->
the drawn inspector takes and controls it -> the liquidation inspector confirms the assessment -> the cashier
collects -> release -> exit; plus the green channel, a guarantee, invalidation, and who may see or do what.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from douane.bootstrap import Context
from douane.declarations.model import declaration_to_dict
from douane.demo import parties
from douane.demo.loader import demo_password
from douane.identity import service as identity
from douane.identity.model import Role
from douane.registry.tables import OfficerRow
from tests.conftest import PASSWORD, login
from tests.integration.declarations import fixtures

API = "/api/v1"
DECL = f"{API}/declarations"
OFFICE = fixtures.OFFICE

Headers = dict[str, str]


class Flow:
    """The demo data set, logged-in headers for every role, and the two inspectors of Alger Port."""

    def __init__(self, ctx: Context, client: TestClient) -> None:
        self.demo = fixtures.load(ctx)
        self.client = client
        with ctx.db.transaction() as session:
            numbers = [
                o.service_number for o in parties.officers() if o.office == OFFICE and o.role == "inspector"
            ]
            second = session.scalars(select(OfficerRow).where(OfficerRow.service_number == numbers[1])).one()
            identity.create_user(
                session, ctx.clock, ctx.passwords, username="inspector2", full_name=second.full_name,
                password=PASSWORD, roles={Role.INSPECTOR}, officer_id=second.id,
            )  # fmt: skip
        demo = demo_password(ctx.settings)
        self.broker = login(client, "broker", demo)
        self.other_broker = login(client, "broker2", PASSWORD)
        self.trader = login(client, "trader", demo)
        self.liquidator = login(client, "liquidator", demo)
        self.cashier = login(client, "cashier", demo)
        self.chief = login(client, "chief", demo)
        self.auditor = login(client, "auditor", demo)
        self.inspectors = {
            self._officer_id("inspector", demo): login(client, "inspector", demo),
            second.id: login(client, "inspector2", PASSWORD),
        }

    def _officer_id(self, username: str, password: str) -> int:
        headers = login(self.client, username, password)
        me = self.client.get(f"{API}/auth/me", headers=headers)
        assert me.status_code == 200, me.text
        return int(me.json()["officer_id"])

    def force_channel(self, channel: str) -> None:
        shares = {"green": 0, "yellow": 0, "red": 0, "blue": 0, channel: 100}
        response = self.client.put(
            f"{API}/selectivity/offices/{OFFICE}/shares", json=shares, headers=self.chief
        )
        assert response.status_code == 200, response.text

    def lodge(self, operator_nif: str | None = None, declarant: Headers | None = None) -> dict[str, Any]:
        content = fixtures.import_declaration(operator_nif or self.demo.operator_nif)
        headers = declarant or self.broker
        draft = self.client.post(DECL, json=declaration_to_dict(content), headers=headers)
        assert draft.status_code == 201, draft.text
        lodged = self.client.post(f"{DECL}/{draft.json()['id']}/lodge", headers=headers)
        assert lodged.status_code == 200, lodged.text
        return dict(lodged.json())

    def officer_view(self, declaration_id: int) -> dict[str, Any]:
        response = self.client.get(f"{DECL}/{declaration_id}/control", headers=self.chief)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def act(self, who: Headers, declaration_id: int, action: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"{DECL}/{declaration_id}/{action}", json=body, headers=who)

    def amount_due(self, number: str) -> dict[str, Any]:
        found = self.client.get(
            f"{API}/amounts-due", params={"subject_reference": number}, headers=self.cashier
        )
        assert found.status_code == 200 and found.json()["total"] == 1, found.text
        return dict(found.json()["items"][0])


@pytest.fixture
def flow(ctx: Context, client: TestClient) -> Flow:
    return Flow(ctx, client)


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def _refused(response: Any, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["code"] == code, response.text


def test_red_channel_walked_by_every_role(flow: Flow) -> None:
    flow.force_channel("red")
    lodged = flow.lodge()
    declaration_id, number = lodged["id"], lodged["number"]
    assert lodged["status"] == "channel_assigned" and lodged["channel"] == "red"
    assert not lodged.get("channel_reasons") and lodged.get("inspector_officer_id") is None
    _refused(flow.client.get(f"{DECL}/{declaration_id}/control", headers=flow.broker), 403)

    view = flow.officer_view(declaration_id)
    drawn_id = view["draw"]["officer_id"]
    assert sorted(view["draw"]["candidates"]) == sorted(flow.inspectors) and view["channel_reasons"]
    drawn = flow.inspectors[drawn_id]
    other = next(h for officer_id, h in flow.inspectors.items() if officer_id != drawn_id)
    provisional = Decimal(view["total_due"])

    refusal = flow.act({**other, "Accept-Language": "fr"}, declaration_id, "take")
    _refused(refusal, 403, "declarations.not_drawn_inspector")
    assert (
        refusal.json()["detail"] == "Seul l'inspecteur tiré au sort pour cette déclaration peut la contrôler"
    )
    _refused(flow.act(flow.broker, declaration_id, "take"), 403, "auth.forbidden")
    queue = _ok(flow.client.get(f"{DECL}/queue", params={"office": OFFICE}, headers=drawn))
    assert [d["id"] for d in queue["items"]] == [declaration_id]
    assert _ok(flow.client.get(f"{DECL}/queue", headers=other))["items"] == []

    taken = _ok(flow.act(drawn, declaration_id, "take", {"version": view["version"]}))
    assert taken["status"] == "under_control"
    too_soon = flow.act({**drawn, "Accept-Language": "fr"}, declaration_id, "release")
    _refused(too_soon, 409, "declarations.transition_not_allowed")
    assert too_soon.json()["detail"] == (
        "L'action «\u00a0Donner la mainlevée\u00a0» n'est pas permise"
        " sur une déclaration au statut En contrôle"
    )  # the action and the status in words; the codes stay in params, for programs
    assert too_soon.json()["title"].startswith("The action \u201cRelease the goods\u201d is not allowed")
    assert too_soon.json()["params"] == {"action": "release", "status": "under_control", "channel": "red"}
    stale = {"version": view["version"], "outcome": "no_discrepancy"}
    _refused(flow.act(drawn, declaration_id, "control-result", stale), 409, "declarations.stale_version")

    not_a_number = {
        "version": taken["version"], "outcome": "discrepancy", "discrepancy_type": "value",
        "amendments": [{"item": 1, "field": "customs_value_dzd", "value": "cinq", "reason": "Price list"}],
    }  # fmt: skip
    refused = flow.act({**drawn, "Accept-Language": "ar"}, declaration_id, "control-result", not_a_number)
    _refused(refused, 422, "declarations.invalid_amendment")
    assert "القيمة لدى الجمارك (دج)" in refused.json()["detail"]  # the field as the form labels it
    assert refused.json()["params"]["field"] == "customs_value_dzd"

    finding = {
        "version": taken["version"], "outcome": "discrepancy", "discrepancy_type": "value",
        "notes": "Invoice below the supplier's price list",
        "amendments": [
            {"item": 1, "field": "customs_value_dzd", "value": "5000000.00", "reason": "Supplier price list"}
        ],
    }  # fmt: skip
    controlled = _ok(flow.act(drawn, declaration_id, "control-result", finding))
    assert (
        controlled["status"] == "under_control"
        and controlled["content_version"] == taken["content_version"] + 1
    )
    assert controlled["control_results"][0]["item_amendments"][0]["to"] == "5000000.00"
    told = _ok(flow.client.get(f"{DECL}/{declaration_id}", headers=flow.broker))["control_amendments"]
    assert [(a["item"], a["field"], a["before"], a["after"], a["reason"]) for a in told] == [
        (1, "customs_value_dzd", "1885310.40", "5000000.00", "Supplier price list")
    ]  # what customs changed (from the value assessed), not who
    assert all(set(a) == {"recorded_at", "item", "field", "before", "after", "reason"} for a in told)
    new_total = Decimal(controlled["total_due"])
    assert new_total > provisional

    liquidation = _ok(flow.client.get(f"{DECL}/liquidation-queue", headers=flow.liquidator))
    assert [d["id"] for d in liquidation["items"]] == [declaration_id]
    assessed = _ok(flow.act(flow.liquidator, declaration_id, "confirm-assessment"))
    assert assessed["status"] == "assessed" and Decimal(assessed["total_due"]) == new_total
    _refused(flow.act(drawn, declaration_id, "release"), 409, "declarations.not_settled")

    due = flow.amount_due(number)
    assert Decimal(due["total"]) == new_total
    payment = {"amount": str(new_total), "method": "cash", "payer": "Sarl Import"}
    paid = flow.client.post(
        f"{API}/amounts-due/{due['id']}/payments", json=payment,
        headers={**flow.cashier, "Idempotency-Key": "red-flow-1"},
    )  # fmt: skip
    assert paid.status_code == 201, paid.text
    replay = flow.client.post(
        f"{API}/amounts-due/{due['id']}/payments", json=payment,
        headers={**flow.cashier, "Idempotency-Key": "red-flow-1"},
    )  # fmt: skip
    assert replay.status_code == 200 and replay.json()["receipt_number"] == paid.json()["receipt_number"]
    as_broker = _ok(flow.client.get(f"{DECL}/{declaration_id}", headers=flow.broker))
    assert as_broker["status"] == "paid"

    released = _ok(flow.act(drawn, declaration_id, "release"))
    assert (
        released["status"] == "released" and released["released_at"] and not released["post_clearance_audit"]
    )
    exited = _ok(flow.act(drawn, declaration_id, "exit"))
    assert exited["status"] == "exited"
    history = _ok(flow.client.get(f"{DECL}/{declaration_id}", headers=flow.broker))
    assert history["status"] == "exited" and history.get("inspector_officer_id") is None


def test_green_channel_goes_straight_to_assessment_and_a_guarantee_allows_release(flow: Flow) -> None:
    flow.force_channel("green")
    lodged = flow.lodge()
    declaration_id = lodged["id"]
    assert lodged["channel"] == "green"
    assert flow.officer_view(declaration_id)["draw"] is None
    for headers in flow.inspectors.values():
        _refused(flow.act(headers, declaration_id, "take"), 409, "declarations.transition_not_allowed")
    assessed = _ok(flow.act(flow.liquidator, declaration_id, "confirm-assessment"))
    assert assessed["status"] == "assessed"

    due = flow.amount_due(lodged["number"])
    guarantee = flow.client.post(
        f"{API}/guarantees", headers=flow.cashier,
        json={"operator_id": assessed["operator_id"], "kind": "bank_surety", "reference": "CAUTION-GREEN",
              "issuer": "BNA", "amount": "90000000.00", "valid_from": "2026-01-01"},
    )  # fmt: skip
    assert guarantee.status_code == 201, guarantee.text
    covered = flow.client.post(
        f"{API}/amounts-due/{due['id']}/guarantee", json={"guarantee_id": guarantee.json()["id"]},
        headers=flow.cashier,
    )  # fmt: skip
    assert covered.status_code == 200, covered.text
    assert _ok(flow.client.get(f"{DECL}/{declaration_id}", headers=flow.broker))["status"] == "guaranteed"
    released = _ok(flow.act(flow.chief, declaration_id, "release"))
    assert released["status"] == "released"


def test_invalidation_request_approved_by_the_chief(flow: Flow) -> None:
    flow.force_channel("yellow")
    lodged = flow.lodge()
    declaration_id = lodged["id"]
    asked = flow.client.post(
        f"{DECL}/{declaration_id}/invalidation-request",
        json={"reason": "Goods shipped back"},
        headers=flow.broker,
    )
    assert asked.status_code == 201, asked.text
    inspector = next(iter(flow.inspectors.values()))
    _refused(flow.act(inspector, declaration_id, "invalidation/approve"), 403)
    approved = _ok(flow.act(flow.chief, declaration_id, "invalidation/approve", {"note": "B/L cancelled"}))
    assert approved["status"] == "invalidated"
    assert _ok(flow.client.get(f"{DECL}/{declaration_id}", headers=flow.broker))["status"] == "invalidated"
    _refused(flow.act(flow.chief, declaration_id, "invalidation/refuse", {"reason": "late"}), 409)


def test_declarants_see_their_own_and_cannot_act_as_officers(flow: Flow) -> None:
    flow.force_channel("green")
    own = flow.lodge()
    someone_else = flow.lodge(flow.demo.other_operator_nif)
    _refused(flow.client.get(f"{DECL}/{own['id']}", headers=flow.other_broker), 404, "declarations.not_found")
    trader_list = _ok(flow.client.get(DECL, headers=flow.trader))
    assert [d["id"] for d in trader_list["items"]] == [own["id"]]
    _refused(flow.client.get(f"{DECL}/{someone_else['id']}", headers=flow.trader), 404)

    reason = {"reason": "no"}
    for action, body in [("take", None), ("control-result", {"outcome": "no_discrepancy"}),
                         ("confirm-assessment", None), ("release", None), ("exit", None), ("reject", reason),
                         ("invalidation/approve", None), ("invalidation/refuse", reason)]:  # fmt: skip
        _refused(flow.act(flow.broker, own["id"], action, body), 403, "auth.forbidden")
        _refused(flow.act(flow.trader, own["id"], action, body), 403, "auth.forbidden")
        _refused(flow.act(flow.auditor, own["id"], action, body), 403, "auth.forbidden")
    for path in ("queue", "liquidation-queue"):
        _refused(flow.client.get(f"{DECL}/{path}", headers=flow.broker), 403)


def test_reject_needs_a_reason(flow: Flow) -> None:
    flow.force_channel("green")
    declaration_id = flow.lodge()["id"]
    _refused(flow.act(flow.chief, declaration_id, "reject", {"reason": ""}), 422)
    rejected = _ok(flow.act(flow.chief, declaration_id, "reject", {"reason": "Forged invoice"}))
    assert rejected["status"] == "rejected" and rejected["rejection_reason"] == "Forged invoice"
    _refused(flow.act(flow.liquidator, declaration_id, "confirm-assessment"), 409)


def test_a_trader_declaring_for_itself_follows_its_declaration_to_release(flow: Flow) -> None:
    flow.force_channel("green")
    lodged = flow.lodge(declarant=flow.trader)
    declaration_id = lodged["id"]
    assert lodged["status"] == "channel_assigned" and lodged["broker_id"] is None
    assessed = _ok(flow.act(flow.liquidator, declaration_id, "confirm-assessment"))
    due = flow.amount_due(assessed["number"])
    payment = {"amount": due["total"], "method": "cash", "payer": "Trader"}
    paid = flow.client.post(
        f"{API}/amounts-due/{due['id']}/payments",
        json=payment,
        headers={**flow.cashier, "Idempotency-Key": "t-1"},
    )
    assert paid.status_code == 201, paid.text
    _ok(flow.act(flow.chief, declaration_id, "release"))
    seen = _ok(flow.client.get(f"{DECL}/{declaration_id}", headers=flow.trader))
    assert seen["status"] == "released" and Decimal(seen["total_due"]) == Decimal(due["total"])
    _refused(flow.client.get(f"{DECL}/{declaration_id}", headers=flow.other_broker), 404)
