"""Inputs the fuzz pass of the risk endpoints found answering 500 (or reaching the database's refusal): each
is now a 4xx problem with a stable code, or is accepted with its text cleaned. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from douane.bootstrap import Context
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.risk.factories import offices

RULES = "/api/v1/risk/rules"
HISTORY_HEADER = "lodged_on,controlled,discrepancy,declaration,hs10,origin,value_per_kg,office,regime\n"
INDICATOR_HEADER = "hs6,origin,dinars_per_kg,valid_from\n"
FEB = {"start": "2026-01-01", "end": "2026-02-01"}
PERIOD = {"start": "2026-01-01", "end": "2026-03-01", "quantile": "0.5", "min_observations": 1}
TOO_LONG_FIELD = "9" * 200_000  # beyond the csv module's field limit


def _history(value: str) -> bytes:
    return (HISTORY_HEADER + f"2026-01-01,yes,no,D1,8703230000,DE,{value},16011,4000\n").encode()


@pytest.fixture
def admin(ctx: Context, user_headers: UserFactory) -> dict[str, str]:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
    return user_headers(Role.ADMIN)


@pytest.fixture
def rule_id(client: TestClient, admin: dict[str, str]) -> int:
    body = {"name": "Cars", "expression": 'hs6 == "870323"', "action": "red"}
    response = client.post(RULES, json=body, headers=admin)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


# (method, path with {rule} for the rule's id, keyword arguments of the request, status, code)
CASES: list[tuple[str, str, dict[str, Any], int, str]] = [
    # a number beyond what the batch back-end holds (Decimal128) used to crash Polars
    ("POST", RULES + "/{rule}/backtests/file", {"files": {"file": ("h.csv", _history("1e999999"))}},
     422, "import.rejected"),
    ("POST", RULES + "/{rule}/backtests/file", {"files": {"file": ("h.csv", _history("9" * 29))}},
     422, "import.rejected"),
    # a field longer than the csv module reads used to escape as csv.Error
    ("POST", RULES + "/{rule}/backtests/file", {"files": {"file": ("h.csv", _history(TOO_LONG_FIELD))}},
     422, "import.rejected"),
    ("POST", "/api/v1/risk/value-indicators/import",
     {"files": {"file": ("i.csv", (INDICATOR_HEADER + f"870323,DE,1600,{TOO_LONG_FIELD}\n").encode())}},
     422, "import.rejected"),
    ("POST", "/api/v1/risk/value-indicators/import",
     {"files": {"file": ("i.csv", (INDICATOR_HEADER + '"870323,DE,1600,2026-04-01\n').encode())}},
     422, "import.rejected"),
    # months the regex let through but the calendar does not hold (year 0, the month after 9999-12)
    ("GET", "/api/v1/risk/monitoring?month=0000-01", {}, 422, "risk.bad_month"),
    ("GET", "/api/v1/risk/monitoring?month=9999-12", {}, 422, "risk.bad_month"),
    ("GET", "/api/v1/risk/monitoring?month=0001-01", {}, 422, "risk.bad_month"),
    # periods whose local days are no longer representable instants
    ("POST", "/api/v1/risk/value-indicators/derive", {"json": {**PERIOD, "start": "0001-01-01"}},
     422, "risk.date_out_of_range"),
    ("POST", "/api/v1/risk/value-indicators/derive", {"json": {**PERIOD, "end": "9999-12-31"}},
     422, "risk.date_out_of_range"),
    ("POST", "/api/v1/risk/value-indicators/accept",
     {"json": {**PERIOD, "start": "0001-01-01", "lines": [["870323", "DE"]], "valid_from": "2026-04-01"}},
     422, "risk.date_out_of_range"),
    ("POST", RULES + "/{rule}/backtests", {"json": {"start": "9999-12-30", "end": "9999-12-31"}},
     422, "risk.date_out_of_range"),
    ("POST", RULES + "/{rule}/backtests", {"json": {"start": "0001-01-01", "end": "0001-01-02"}},
     422, "risk.date_out_of_range"),
    # a version beyond BIGINT, an office code holding NUL (PostgreSQL refuses NUL in text)
    ("POST", RULES + "/{rule}/backtests", {"json": {**FEB, "version": 2**63}},
     422, "request.invalid"),
    ("POST", RULES + "/{rule}/backtests", {"json": {**FEB, "offices": ["\x00"]}},
     404, "registry.office_not_found"),
    ("POST", RULES, {"json": {"name": "R", "expression": "true", "action": "red", "offices": ["1601\x00"]}},
     404, "registry.office_not_found"),
    ("POST", "/api/v1/risk/notices",
     {"json": {"issuing_service": "intelligence", "subject_kind": "container", "subject": "CSQU3054383",
               "channel": "red", "reason": "x", "office_codes": ["\x00"]}},
     404, "registry.office_not_found"),
    # rule literals: a number the batch back-end cannot hold, a NUL inside a text
    ("POST", RULES, {"json": {"name": "R", "expression": "value_per_kg > " + "9" * 41, "action": "red"}},
     422, "rules.number_too_large"),
    ("POST", RULES + "/check", {"json": {"expression": 'hs6 == "87\x00"'}}, 422, "rules.syntax"),
    # digits other than ASCII ones: a code stored so would never match a declaration's
    ("POST", "/api/v1/risk/value-indicators",
     {"json": {"hs6": "８７０３２３", "dinars_per_kg": "1600", "valid_from": "2026-04-01"}},
     422, "request.invalid"),
    ("POST", "/api/v1/risk/notices",
     {"json": {"issuing_service": "intelligence", "subject_kind": "operator", "subject": "٠" * 15,
               "channel": "red", "reason": "x"}},
     422, "risk.notice_invalid_nif"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "request_args", "status", "code"), CASES)
def test_edge_input_is_refused_with_its_code(
    client: TestClient,
    admin: dict[str, str],
    rule_id: int,
    method: str,
    path: str,
    request_args: dict[str, Any],
    status: int,
    code: str,
) -> None:
    response = client.request(method, path.format(rule=rule_id), headers=admin, **request_args)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


FILTERS = [
    (f"{RULES}?q=%00", 200),
    (f"{RULES}?q=%00&office=16011", 200),
    ("/api/v1/risk/notices?subject=%00", 200),
    ("/api/v1/risk/value-indicators?origin=%00", 422),
]


@pytest.mark.parametrize(("path", "status"), FILTERS)
def test_a_nul_in_a_filter_is_ignored_or_refused(
    client: TestClient, admin: dict[str, str], path: str, status: int
) -> None:
    response = client.get(path, headers=admin)
    assert response.status_code == status, response.text


def test_control_characters_are_dropped_from_a_rules_texts(client: TestClient, admin: dict[str, str]) -> None:
    body = {"name": "Cheap\x00 cars", "description": "why\x00", "expression": "true", "action": "red",
            "reason": "new\x00"}  # fmt: skip
    created = client.post(RULES, json=body, headers=admin)
    assert created.status_code == 201, created.text
    current = created.json()["current"]
    assert (current["name"], current["description"], current["reason"]) == ("Cheap cars", "why", "new")


def test_huge_ids_are_not_found_or_refused(client: TestClient, admin: dict[str, str]) -> None:
    for path in (
        f"{RULES}/{2**63}",
        f"/api/v1/risk/notices/{2**63}",
        "/api/v1/risk/evaluations/99999999999999999999",
    ):
        assert client.get(path, headers=admin).status_code == 422
    assert client.post(f"/api/v1/risk/models/{2**63}/activate", headers=admin).status_code == 422
