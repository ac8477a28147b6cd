"""Temporary admission over HTTP: the cashier's payment is refused with its code and the message in the
caller's language, the amount due says it is to be guaranteed, the declarant reads the suspension note."""

from __future__ import annotations

from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.declarations.model import Regime, declaration_to_dict
from tests.api.declarations.test_officer_flow import API, DECL, Flow
from tests.integration.declarations import fixtures


def test_suspended_duties_are_guaranteed_over_http(ctx: Context, client: TestClient) -> None:
    flow = Flow(ctx, client)
    flow.force_channel("green")
    content = fixtures.import_declaration(flow.demo.operator_nif, regime=Regime.IM5)
    draft = client.post(DECL, json=declaration_to_dict(content), headers=flow.broker)
    assert draft.status_code == 201, draft.text
    declaration_id = draft.json()["id"]
    assert client.post(f"{DECL}/{declaration_id}/lodge", headers=flow.broker).status_code == 200
    assessed = flow.act(flow.liquidator, declaration_id, "confirm-assessment")
    assert assessed.status_code == 200, assessed.text

    due = flow.amount_due(assessed.json()["number"])
    assert due["kind"] == "suspended" and due["status"] == "open"
    paid = client.post(
        f"{API}/amounts-due/{due['id']}/payments", headers={**flow.cashier, "Idempotency-Key": "im5-api",
        "Accept-Language": "fr"}, json={"amount": due["total"], "method": "cash", "payer": "SARL Tassili"},
    )  # fmt: skip
    assert paid.status_code == 409 and paid.json()["code"] == "payments.suspended_not_payable"
    assert "garantie" in paid.json()["detail"]

    mine = client.get(f"{DECL}/{declaration_id}", headers={**flow.broker, "Accept-Language": "ar"}).json()
    assert mine["assessment"]["duties"] == "suspended"
    assert mine["assessment"]["guarantee_required"] in mine["assessment"]["note"]["ar"]
    refused = flow.act(flow.chief, declaration_id, "release")
    assert refused.status_code == 409 and refused.json()["code"] == "declarations.not_guaranteed"
