"""The discharge beyond the walk of test_discharge_api: the declaration named as having ended a suspensive
regime must come after the goods entered it (an EX3 released the day before the temporary admission's goods
cannot have re-exported them), the declarant reads the record without the officer's name, and the duties the
discharge ended show nothing outstanding."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.demo.loader import demo_password
from douane.kernel.clock import FixedClock
from tests.api.declarations.test_discharge_api import (
    RE_EXPORT,
    _discharge,
    _guaranteed_and_released,
    _paid_and_released,
    _re_export,
    _refused,
)
from tests.api.declarations.test_officer_flow import API, Flow
from tests.conftest import login


@pytest.fixture
def flow(ctx: Context, client: TestClient) -> Flow:
    walk = Flow(ctx, client)
    walk.force_channel("green")
    return walk


def _log_in_again(ctx: Context, flow: Flow) -> None:
    """A day later the morning's tokens have expired."""
    password = demo_password(ctx.settings)
    for role in ("broker", "liquidator", "cashier", "chief"):
        setattr(flow, role, login(flow.client, role, password))


def test_a_re_export_released_before_the_admission_does_not_discharge_it(ctx: Context, flow: Flow) -> None:
    shipped_earlier = _paid_and_released(flow, _re_export(flow.demo.operator_nif))
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.advance(timedelta(days=1))
    _log_in_again(ctx, flow)
    admitted, _guarantee = _guaranteed_and_released(flow)

    body = {**RE_EXPORT, "reference_number": shipped_earlier["number"]}
    refused = _refused(
        _discharge(flow, {**flow.chief, "Accept-Language": "fr"}, admitted["id"], body),
        422, "declarations.discharge_reference_before_release",
    )  # fmt: skip

    assert shipped_earlier["number"] in refused["detail"] and "mainlevée" in refused["detail"]
    assert flow.amount_due(admitted["number"])["status"] == "guaranteed"


def test_the_declarant_reads_the_discharge_without_the_officers_name(flow: Flow) -> None:
    admitted, _guarantee = _guaranteed_and_released(flow)
    shipped_back = _paid_and_released(flow, _re_export(flow.demo.operator_nif))
    body = {**RE_EXPORT, "reference_number": shipped_back["number"]}
    assert _discharge(flow, flow.chief, admitted["id"], body).status_code == 200
    record = f"/api/v1/declarations/{admitted['id']}/discharge"

    mine = flow.client.get(record, headers=flow.broker).json()
    officers = flow.client.get(record, headers=flow.auditor).json()

    assert mine["officer_name"] == "customs"  # as in the declaration's history
    assert officers["officer_name"] == "chief"


def test_a_discharged_amount_due_has_nothing_outstanding(flow: Flow) -> None:
    admitted, _guarantee = _guaranteed_and_released(flow)
    shipped_back = _paid_and_released(flow, _re_export(flow.demo.operator_nif))
    body = {**RE_EXPORT, "reference_number": shipped_back["number"]}
    assert _discharge(flow, flow.chief, admitted["id"], body).status_code == 200

    due = flow.amount_due(admitted["number"])
    listing = flow.client.get(
        f"{API}/amounts-due", params={"operator_id": due["operator_id"]}, headers=flow.cashier
    )

    assert due["status"] == "discharged" and Decimal(due["total"]) > 0
    assert Decimal(due["outstanding"]) == 0  # no longer owed, as the declaration's settlement says
    mine = [d for d in listing.json()["items"] if d["id"] == due["id"]]
    assert [Decimal(d["outstanding"]) for d in mine] == [0]
