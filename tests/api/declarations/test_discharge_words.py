"""A refused discharge names its means in words of the officer's language (réexportation, إعادة التصدير),
not as the code the API takes (re_export); the error code and the `method` parameter stay as programs know
them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.declarations.model import Regime
from tests.api.declarations.test_discharge_api import (
    RE_EXPORT,
    _discharge,
    _guaranteed_and_released,
    _paid_and_released,
    _refused,
)
from tests.api.declarations.test_officer_flow import Flow
from tests.integration.declarations import fixtures

CODES = re.compile(r"re_export|free_circulation|arrival\b")
LATIN = re.compile(r"[A-Za-z]")
FREE_CIRCULATION = {**RE_EXPORT, "method": "free_circulation"}
ARRIVAL = {"method": "arrival", "destination_office": "16021", "arrived_on": "2026-03-15", "reason": "Came"}


@pytest.fixture
def flow(ctx: Context, client: TestClient) -> Flow:
    walk = Flow(ctx, client)
    walk.force_channel("green")
    return walk


def _in(flow: Flow, language: str) -> dict[str, str]:
    return {**flow.chief, "Accept-Language": language}


def _refusal(
    flow: Flow, language: str, declaration_id: int, body: dict[str, Any], code: str
) -> dict[str, Any]:
    refused = _refused(_discharge(flow, _in(flow, language), declaration_id, body), 422, code)
    assert CODES.search(refused["detail"]) is None, refused["detail"]
    if language == "ar":  # only the regime codes officers use stay in Latin letters
        assert LATIN.search(re.sub(r"\b(IM[457]|EX3|TR)\b", "", refused["detail"])) is None, refused["detail"]
    return refused


def test_a_means_the_regime_does_not_allow_reads_as_words(flow: Flow) -> None:
    transit, _guarantee = _guaranteed_and_released(flow, Regime.TR)
    body = {**RE_EXPORT, "reference_number": "16011/2026/000001"}
    not_allowed = "declarations.discharge_method_not_allowed"

    french = _refusal(flow, "fr", transit["id"], body, not_allowed)
    arabic = _refusal(flow, "ar", transit["id"], body, not_allowed)
    consumed = _refusal(flow, "fr", transit["id"], {**FREE_CIRCULATION, "reference_number": "16011/2026/1"},
                        not_allowed)  # fmt: skip

    assert french["detail"] == "Une déclaration sous TR n'est pas apurée par réexportation"
    assert french["title"] == "A declaration under TR is not discharged by re-export"
    assert french["params"]["method"] == "re_export"
    assert "إعادة التصدير" in arabic["detail"]
    assert consumed["detail"].endswith("par mise à la consommation")


def test_a_declaration_of_the_wrong_regime_reads_as_words(flow: Flow) -> None:
    admitted, _guarantee = _guaranteed_and_released(flow)
    consumed = _paid_and_released(flow, fixtures.import_declaration(flow.demo.operator_nif))
    body = {**RE_EXPORT, "reference_number": consumed["number"]}
    wrong = "declarations.discharge_reference_wrong_regime"

    french = _refusal(flow, "fr", admitted["id"], body, wrong)
    arabic = _refusal(flow, "ar", admitted["id"], body, wrong)

    assert french["detail"] == (
        f"La déclaration {consumed['number']} est sous IM4 : un apurement par réexportation exige une "
        "déclaration EX3"
    )
    assert "إعادة التصدير" in arabic["detail"] and "EX3" in arabic["detail"]


def test_evidence_of_another_means_reads_as_words(flow: Flow) -> None:
    admitted, _guarantee = _guaranteed_and_released(flow)
    transit, _other = _guaranteed_and_released(flow, Regime.TR)
    mismatch = "declarations.discharge_evidence_mismatch"
    with_office = {**RE_EXPORT, "reference_number": "16011/2026/000001", "destination_office": "16021"}
    with_number = {**ARRIVAL, "reference_number": "16011/2026/000001"}

    by_re_export = _refusal(flow, "fr", admitted["id"], with_office, mismatch)
    by_arrival = _refusal(flow, "fr", transit["id"], with_number, mismatch)
    in_arabic = _refusal(flow, "ar", transit["id"], with_number, mismatch)

    assert by_re_export["detail"].startswith("Un apurement par réexportation cite une déclaration")
    assert by_arrival["detail"].startswith("Un apurement par arrivée au bureau de destination cite")
    assert "الوصول إلى مكتب الوصول" in in_arabic["detail"]
