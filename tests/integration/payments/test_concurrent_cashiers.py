"""Two cashiers collect the same amount due at the same instant on PostgreSQL: exactly one payment."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from douane.db import Database
from douane.identity.model import Actor
from douane.kernel.clock import FixedClock
from douane.kernel.errors import DouaneError
from douane.kernel.money import Money
from douane.payments import service
from douane.payments.model import SettlementStatus
from tests.integration.payments.factories import cashier, isolated_bus, officer, offices, open_due

ROUNDS = 5


def _pay_in_own_transaction(
    db: Database, clock: FixedClock, due_id: int, key: str, by: Actor, start: threading.Barrier,
    outcomes: dict[str, object],
) -> None:  # fmt: skip
    start.wait(timeout=10)
    try:
        with db.transaction() as session:
            outcome = service.record_payment(
                session, clock, due_id, amount=Money.of("40230"), method="cash", method_reference=None,
                payer="SARL Import", idempotency_key=key, by=by,
            )  # fmt: skip
            outcomes[key] = outcome.payment.receipt_number
    except DouaneError as error:
        outcomes[key] = error
    except Exception as error:  # anything else would be a 500
        outcomes[key] = error


def test_two_cashiers_paying_the_same_amount_at_once_make_exactly_one_payment(
    pg_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard = isolated_bus(monkeypatch)
    clock = FixedClock(datetime(2026, 3, 15, 9, 30, tzinfo=UTC))
    with pg_db.transaction() as session:
        offices(session, clock)
        first = cashier(officer(session, clock, "C-001", "16000").id, "amina", 21)
        second = cashier(officer(session, clock, "C-002", "16000").id, "karim", 22)

    for round_number in range(1, ROUNDS + 1):
        with pg_db.transaction() as session:
            due = open_due(session, clock, round_number)
        start = threading.Barrier(2)
        outcomes: dict[str, object] = {}
        threads = [
            threading.Thread(
                target=_pay_in_own_transaction,
                args=(pg_db, clock, due.id, f"r{round_number}-{who.username}", who, start, outcomes),
            )
            for who in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        receipts = [o for o in outcomes.values() if isinstance(o, str)]
        refusals = [o for o in outcomes.values() if not isinstance(o, str)]
        assert receipts == [f"16000/2026/{round_number:06d}"], outcomes
        assert len(refusals) == 1, outcomes
        (refusal,) = refusals
        assert isinstance(refusal, DouaneError) and refusal.status == 409, repr(refusal)
        assert refusal.code == "payments.already_settled"
        with pg_db.transaction() as session:
            settlement = service.settlement_of(session, "declaration", round_number)
            assert settlement.status is SettlementStatus.PAID
            assert settlement.receipts == tuple(receipts)
            assert len(service.payments_of(session, due.id)) == 1
    assert len(heard.heard) == ROUNDS
