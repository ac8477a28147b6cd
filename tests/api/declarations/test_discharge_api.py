"""The discharge (apurement) of a suspensive regime over HTTP, on SQLite and PostgreSQL: a temporary
admission released against a guarantee is discharged by the EX3 declaration that re-exported its goods, and
the guarantee can then be given back; what is refused, and to whom."""

from __future__ import annotations

import threading
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.declarations.model import Declaration, DeclarationType, Party, Regime, declaration_to_dict
from tests.api.declarations.test_officer_flow import API, DECL, Flow, Headers
from tests.integration.declarations import fixtures

RE_EXPORT = {"method": "re_export", "reason": "Loader shipped back to Italy after the motorway works"}


@pytest.fixture
def flow(ctx: Context, client: TestClient) -> Flow:
    walk = Flow(ctx, client)
    walk.force_channel("green")
    return walk


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def _refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response.json().get("code")) == (status, code), response.text
    return dict(response.json())


def _lodged(flow: Flow, content: Declaration) -> dict[str, Any]:
    draft = _ok(flow.client.post(DECL, json=declaration_to_dict(content), headers=flow.broker), 201)
    return _ok(flow.client.post(f"{DECL}/{draft['id']}/lodge", headers=flow.broker))


def _re_export(nif: str) -> Declaration:
    """An EX3 declaration sending the goods of the fixtures' import back out."""
    content = fixtures.import_declaration(nif, regime=Regime.EX3, type=DeclarationType.EXPORT)
    return replace(
        content, consignor=None, consignee=Party("Macchine SpA", country="IT"), destination_country="IT"
    )


def _paid_and_released(flow: Flow, content: Declaration) -> dict[str, Any]:
    """Lodged on the green channel, assessed, paid in cash if anything is due, released."""
    lodged = _lodged(flow, content)
    assessed = _ok(flow.act(flow.liquidator, lodged["id"], "confirm-assessment"))
    if assessed["status"] == "assessed":
        due = flow.amount_due(assessed["number"])
        pay = {"amount": due["total"], "method": "cash", "payer": "SARL Tassili"}
        headers = {**flow.cashier, "Idempotency-Key": f"pay-{assessed['number']}"}
        _ok(flow.client.post(f"{API}/amounts-due/{due['id']}/payments", json=pay, headers=headers), 201)
    return _ok(flow.act(flow.chief, lodged["id"], "release"))


def _guaranteed_and_released(flow: Flow, regime: Regime = Regime.IM5) -> tuple[dict[str, Any], int]:
    """A declaration under a suspensive regime, its suspended duties covered by a new bank surety, released;
    with the guarantee's id."""
    lodged = _lodged(flow, fixtures.import_declaration(flow.demo.operator_nif, regime=regime))
    assessed = _ok(flow.act(flow.liquidator, lodged["id"], "confirm-assessment"))
    due = flow.amount_due(assessed["number"])
    surety = {
        "operator_id": assessed["operator_id"], "kind": "bank_surety", "issuer": "BNA",
        "reference": f"AT-{lodged['id']}", "amount": "90000000.00", "valid_from": "2026-01-01",
    }  # fmt: skip
    guarantee = _ok(flow.client.post(f"{API}/guarantees", json=surety, headers=flow.cashier), 201)
    cover = {"guarantee_id": guarantee["id"]}
    _ok(flow.client.post(f"{API}/amounts-due/{due['id']}/guarantee", json=cover, headers=flow.cashier))
    return _ok(flow.act(flow.chief, lodged["id"], "release")), guarantee["id"]


def _release_guarantee(flow: Flow, guarantee_id: int) -> Any:
    return flow.client.post(
        f"{API}/guarantees/{guarantee_id}/release", json={"reason": "Regime discharged"}, headers=flow.chief
    )


def _actors_of(ctx: Context, action: str) -> list[tuple[int | None, str]]:
    with ctx.db.transaction() as session:
        events = session.scalars(select(AuditEventRow).where(AuditEventRow.action == action))
        return [(event.actor_id, event.actor_name) for event in events]


def _discharge(flow: Flow, who: Headers, declaration_id: int, body: dict[str, Any]) -> Any:
    return flow.act(who, declaration_id, "discharge", body)


def test_a_temporary_admission_re_exported_is_discharged_and_frees_its_guarantee(
    flow: Flow, ctx: Context
) -> None:
    admitted, guarantee_id = _guaranteed_and_released(flow)
    assert "discharge" in admitted["allowed_actions"]
    _refused(_release_guarantee(flow, guarantee_id), 409, "payments.guarantee_in_use")
    shipped_back = _paid_and_released(flow, _re_export(flow.demo.operator_nif))

    inspector = next(iter(flow.inspectors.values()))
    body = {**RE_EXPORT, "reference_number": shipped_back["number"], "version": admitted["version"]}
    discharged = _ok(_discharge(flow, inspector, admitted["id"], body))

    assert discharged["status"] == "discharged" and discharged["allowed_actions"] == []
    record = discharged["discharge"]
    assert (record["method"], record["reference_number"]) == ("re_export", shipped_back["number"])
    assert (
        record["reference_declaration_id"] == shipped_back["id"] and record["reason"] == RE_EXPORT["reason"]
    )
    seen = _ok(flow.client.get(f"{DECL}/{admitted['id']}", headers=flow.broker))
    assert seen["status"] == "discharged"
    step = seen["history"][-1]
    assert (step["action"], step["from_state"], step["to_state"]) == (
        "declaration.discharge", "released", "discharged"
    )  # fmt: skip
    assert step["reason"] == RE_EXPORT["reason"]
    mine = _ok(flow.client.get(f"{DECL}/{admitted['id']}/discharge", headers=flow.broker))
    assert mine["reference_number"] == shipped_back["number"]

    due = flow.amount_due(admitted["number"])
    assert due["status"] == "discharged"
    officer = _actors_of(ctx, "declaration.discharge")
    assert _actors_of(ctx, "amount_due.discharged") == officer and officer[0][1] != "system"
    guarantee = _ok(flow.client.get(f"{API}/guarantees/{guarantee_id}", headers=flow.chief))
    assert Decimal(guarantee["allocated"]) == 0
    assert _ok(_release_guarantee(flow, guarantee_id))["status"] == "released"


def test_a_transit_is_discharged_on_arrival_at_the_office_of_destination(flow: Flow) -> None:
    transit, guarantee_id = _guaranteed_and_released(flow, Regime.TR)
    arrival = {"method": "arrival", "destination_office": "16021", "reason": "Arrival notice received"}
    _refused(
        _discharge(flow, flow.chief, transit["id"], {**arrival, "arrived_on": "2026-03-16"}),
        422, "declarations.discharge_arrival_in_future",
    )  # fmt: skip
    _refused(
        _discharge(flow, flow.chief, transit["id"], {**arrival, "destination_office": "99999",
                                                     "arrived_on": "2026-03-15"}),
        422, "declarations.discharge_office_unknown",
    )  # fmt: skip
    _refused(
        _discharge(flow, flow.chief, transit["id"], {**RE_EXPORT, "reference_number": "16011/2026/000001"}),
        422, "declarations.discharge_method_not_allowed",
    )  # fmt: skip

    done = _ok(_discharge(flow, flow.chief, transit["id"], {**arrival, "arrived_on": "2026-03-15"}))

    assert done["status"] == "discharged"
    assert (done["discharge"]["destination_office"], done["discharge"]["arrived_on"]) == (
        "16021",
        "2026-03-15",
    )
    assert _ok(_release_guarantee(flow, guarantee_id))["status"] == "released"


def test_release_for_free_circulation_is_not_a_suspensive_regime(flow: Flow) -> None:
    consumed = _paid_and_released(flow, fixtures.import_declaration(flow.demo.operator_nif))
    assert "discharge" not in consumed["allowed_actions"]
    body = {**RE_EXPORT, "reference_number": consumed["number"]}
    refused = _refused(
        _discharge(flow, {**flow.chief, "Accept-Language": "fr"}, consumed["id"], body),
        409, "declarations.regime_not_suspensive",
    )  # fmt: skip
    assert "IM4" in refused["detail"] and "régime suspensif" in refused["detail"]


def test_the_declaration_named_must_exist_be_the_operators_and_of_the_right_regime(flow: Flow) -> None:
    admitted, _guarantee = _guaranteed_and_released(flow)
    others = _paid_and_released(flow, _re_export(flow.demo.other_operator_nif))
    consumed = _paid_and_released(flow, fixtures.import_declaration(flow.demo.operator_nif))
    not_yet = _lodged(flow, _re_export(flow.demo.operator_nif))
    refusals = {
        "16011/2026/999999": (422, "declarations.discharge_reference_unknown"),
        "16011-2026": (422, "declarations.invalid_number"),
        others["number"]: (409, "declarations.discharge_reference_other_operator"),
        consumed["number"]: (422, "declarations.discharge_reference_wrong_regime"),
        not_yet["number"]: (409, "declarations.discharge_reference_not_released"),
    }
    for number, (status, code) in refusals.items():
        _refused(_discharge(flow, flow.chief, admitted["id"], {**RE_EXPORT, "reference_number": number}),
                 status, code)  # fmt: skip
    missing = _discharge(flow, flow.chief, admitted["id"], RE_EXPORT)
    _refused(missing, 422, "declarations.discharge_reference_required")
    blank_reason = {**RE_EXPORT, "reason": "   ", "reference_number": consumed["number"]}
    no_reason = _refused(_discharge(flow, flow.chief, admitted["id"], blank_reason), 422, "request.invalid")
    assert [e["path"] for e in no_reason["errors"]] == ["body.reason"]

    assert _ok(flow.client.get(f"{DECL}/{admitted['id']}", headers=flow.broker))["status"] == "released"
    assert flow.amount_due(admitted["number"])["status"] == "guaranteed"


def test_a_discharge_is_refused_twice_with_a_stale_version_and_to_those_without_the_permission(
    flow: Flow,
) -> None:
    admitted, _guarantee = _guaranteed_and_released(flow)
    shipped_back = _paid_and_released(flow, _re_export(flow.demo.operator_nif))
    body = {**RE_EXPORT, "reference_number": shipped_back["number"]}
    for who in (flow.broker, flow.trader, flow.liquidator, flow.cashier, flow.auditor):
        _refused(_discharge(flow, who, admitted["id"], body), 403, "auth.forbidden")
    stale = {**flow.chief, "If-Match": f'"{admitted["version"] - 1}"'}
    _refused(_discharge(flow, stale, admitted["id"], body), 409, "declarations.stale_version")

    done = _ok(_discharge(flow, {**flow.chief, "If-Match": f'"{admitted["version"]}"'}, admitted["id"], body))
    again = {**body, "version": done["version"]}
    _refused(_discharge(flow, flow.chief, admitted["id"], again), 409, "declarations.already_discharged")
    _refused(_discharge(flow, flow.chief, admitted["id"], body), 409, "declarations.already_discharged")


def _re_export_weighing(nif: str, net_kg: str) -> Declaration:
    """The re-export of `_re_export` with every item weighing `net_kg` net."""
    content = _re_export(nif)
    mass = Decimal(net_kg)
    items = tuple(replace(i, net_mass_kg=mass, gross_mass_kg=mass + 10) for i in content.items)
    return replace(content, items=items)


def test_a_re_export_discharges_no_more_goods_than_it_carried(flow: Flow) -> None:
    first, _ = _guaranteed_and_released(flow)
    second, _ = _guaranteed_and_released(flow)
    shipped_back = _paid_and_released(flow, _re_export(flow.demo.operator_nif))
    body = {**RE_EXPORT, "reference_number": shipped_back["number"]}
    _ok(_discharge(flow, flow.chief, first["id"], body))

    in_french = {**flow.chief, "Accept-Language": "fr"}
    used_up = _refused(
        _discharge(flow, in_french, second["id"], body), 409, "declarations.discharge_goods_not_carried"
    )
    assert used_up["detail"] == (
        f"Il reste 0 kg net de la ligne 6109101000 à la déclaration {shipped_back['number']} pour apurer"
        " (100 kg déclarés, 100 kg déjà imputés à d'autres déclarations) ; ces marchandises pèsent 100 kg"
    )
    in_english = {**flow.chief, "Accept-Language": "en"}
    lighter = _paid_and_released(flow, _re_export_weighing(flow.demo.operator_nif, "60.5"))
    short = _refused(
        _discharge(flow, in_english, second["id"], {**body, "reference_number": lighter["number"]}),
        409, "declarations.discharge_goods_not_carried",
    )  # fmt: skip
    assert "has 60.5 kg net of line 6109101000 left" in short["detail"]
    assert _ok(flow.client.get(f"{DECL}/{second['id']}", headers=flow.broker))["status"] == "released"

    heavier = _paid_and_released(flow, _re_export_weighing(flow.demo.operator_nif, "250"))
    done = _ok(_discharge(flow, flow.chief, second["id"], {**body, "reference_number": heavier["number"]}))
    assert done["discharge"]["reference_number"] == heavier["number"]


def test_two_discharges_naming_the_same_re_export_at_once_only_one_is_kept(flow: Flow) -> None:
    admitted = [_guaranteed_and_released(flow)[0] for _ in range(2)]
    shipped_back = _paid_and_released(flow, _re_export(flow.demo.operator_nif))
    body = {**RE_EXPORT, "reference_number": shipped_back["number"]}
    start = threading.Barrier(2)
    answers: list[tuple[int, str | None]] = []

    def discharge(declaration_id: int) -> None:
        start.wait(timeout=10)
        response = _discharge(flow, flow.chief, declaration_id, body)
        answers.append((response.status_code, response.json().get("code")))

    threads = [threading.Thread(target=discharge, args=(a["id"],)) for a in admitted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(answers) == [(200, None), (409, "declarations.discharge_goods_not_carried")], answers
    statuses = sorted(
        _ok(flow.client.get(f"{DECL}/{a['id']}", headers=flow.broker))["status"] for a in admitted
    )
    assert statuses == ["discharged", "released"]
