"""Two cashiers press "pay" on the same amount due at the same instant, over HTTP, on PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from douane.app import create_app
from douane.db import Database
from douane.identity import service as identity
from douane.identity.model import Role
from tests.conftest import PASSWORD, login, make_context
from tests.integration.payments.factories import isolated_bus, officer, offices, open_due

ROUNDS = 5
BODY = {"amount": "40230", "method": "cash", "payer": "SARL Import"}
Answers = list[tuple[int, dict[str, object]]]


def _press_pay(
    client: TestClient, url: str, headers: dict[str, str], start: threading.Barrier, answers: Answers
) -> None:
    start.wait(timeout=10)
    response = client.post(url, json=BODY, headers=headers)
    answers.append((response.status_code, response.json()))


def _race(client: TestClient, url: str, cashiers: list[dict[str, str]], key_prefix: str) -> Answers:
    """Each cashier pays from its own thread with its own key; a barrier releases them together."""
    start = threading.Barrier(len(cashiers))
    answers: Answers = []
    keyed = [{**h, "Idempotency-Key": f"{key_prefix}-{n}"} for n, h in enumerate(cashiers)]
    threads = [threading.Thread(target=_press_pay, args=(client, url, h, start, answers)) for h in keyed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_two_cashiers_over_http_one_gets_the_receipt_the_other_a_clean_409(
    pg_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard = isolated_bus(monkeypatch)
    ctx = make_context(pg_db, tmp_path)
    with pg_db.transaction() as session:
        offices(session, ctx.clock)
        for n in (1, 2):
            desk = officer(session, ctx.clock, f"C-00{n}", "16000")
            identity.create_user(
                session, ctx.clock, ctx.passwords, username=f"cashier{n}", full_name=f"Cashier {n}",
                password=PASSWORD, roles={Role.CASHIER}, officer_id=desk.id,
            )  # fmt: skip
    with TestClient(create_app(ctx), raise_server_exceptions=False) as client:
        cashiers = [login(client, "cashier1"), login(client, "cashier2")]
        for round_number in range(1, ROUNDS + 1):
            with pg_db.transaction() as session:
                due_id = open_due(session, ctx.clock, round_number).id
            answers = _race(client, f"/api/v1/amounts-due/{due_id}/payments", cashiers, f"r{round_number}")

            assert sorted(status for status, _ in answers) == [201, 409], answers
            refused = next(body for status, body in answers if status == 409)
            assert refused["code"] == "payments.already_settled"
            due = client.get(f"/api/v1/amounts-due/{due_id}", headers=cashiers[0]).json()
            assert due["status"] == "paid"
            assert [p["receipt_number"] for p in due["payments"]] == [f"16000/2026/{round_number:06d}"]
    assert len(heard.heard) == ROUNDS
