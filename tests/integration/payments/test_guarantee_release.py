"""Giving a guarantee back (discharge): refused while it covers unpaid duties, then audited once, replayable,
and refused to a caller who saw an older version. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.db import Database
from douane.identity.model import Actor
from douane.kernel.clock import FixedClock
from douane.kernel.errors import Conflict
from douane.kernel.money import Money
from douane.payments import service
from douane.payments.model import PaymentMethod
from tests.integration.payments.factories import (
    SettlementRecorder,
    cashier,
    isolated_bus,
    officer,
    offices,
    open_due,
)
from tests.integration.registry.factories import operator

T0 = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture(autouse=True)
def heard(monkeypatch: pytest.MonkeyPatch) -> SettlementRecorder:
    return isolated_bus(monkeypatch)


@pytest.fixture
def desk(db: Database, clock: FixedClock) -> Actor:
    with db.transaction() as session:
        offices(session, clock)
        return cashier(officer(session, clock, "C-001", "16000").id)


def _covered_guarantee(db: Database, clock: FixedClock, desk: Actor) -> tuple[int, int]:
    """A bank surety covering the whole amount due of declaration 16011/2026/000001."""
    with db.transaction() as session:
        debtor = operator(session, clock, 1, name="SARL Mine").id
        due = open_due(session, clock, 1, operator_id=debtor)
        surety = service.register_guarantee(
            session, clock, operator_id=debtor, kind="bank_surety", reference="CAUT-9", issuer="BNA",
            amount=Money.of("50000"), valid_from=date(2026, 1, 1), valid_to=None, by=desk,
        )  # fmt: skip
        service.cover_with_guarantee(session, clock, due.id, surety.id, by=desk)
        return surety.id, due.id


def _release(
    db: Database, clock: FixedClock, guarantee_id: int, by: Actor, version: int | None = None
) -> str:
    with db.transaction() as session:
        row = service.release_guarantee(
            session, clock, guarantee_id, reason="Duties paid", by=by, expected_version=version
        )
        return row.status


def _release_events(db: Database, guarantee_id: int) -> list[tuple[str | None, str | None, str | None]]:
    with db.transaction() as session:
        rows = session.execute(
            select(AuditEventRow.from_state, AuditEventRow.to_state, AuditEventRow.reason).where(
                AuditEventRow.action == "guarantee.released", AuditEventRow.entity_id == str(guarantee_id)
            )
        ).all()
    return [tuple(r) for r in rows]


def test_a_guarantee_covering_unpaid_duties_is_refused_with_the_declaration_named(
    db: Database, clock: FixedClock, desk: Actor
) -> None:
    guarantee_id, _due_id = _covered_guarantee(db, clock, desk)
    with pytest.raises(Conflict) as refused:
        _release(db, clock, guarantee_id, desk)
    assert refused.value.code == "payments.guarantee_in_use"
    assert refused.value.params["references"] == "16011/2026/000001"
    with db.transaction() as session:
        assert service.get_guarantee(session, guarantee_id).status == "active"
        assert service.still_owed_under(session, guarantee_id) == ["16011/2026/000001"]
    assert _release_events(db, guarantee_id) == []


def test_once_the_duties_are_paid_the_guarantee_is_released_once_and_a_replay_changes_nothing(
    db: Database, clock: FixedClock, desk: Actor
) -> None:
    guarantee_id, due_id = _covered_guarantee(db, clock, desk)
    with db.transaction() as session:
        seen_before_payment = service.get_guarantee(session, guarantee_id).version
        service.record_payment(
            session, clock, due_id, amount=Money.of("40230"), method=PaymentMethod.CASH,
            method_reference=None, payer="SARL Mine", idempotency_key="all", by=desk,
        )  # fmt: skip
    with db.transaction() as session:
        assert service.still_owed_under(session, guarantee_id) == []
        current = service.get_guarantee(session, guarantee_id).version

    with pytest.raises(Conflict) as stale:
        _release(db, clock, guarantee_id, desk, version=seen_before_payment)
    assert stale.value.code == "payments.concurrent_change"

    assert _release(db, clock, guarantee_id, desk, version=current) == "released"
    assert _release(db, clock, guarantee_id, desk, version=current) == "released"
    assert _release_events(db, guarantee_id) == [("active", "released", "Duties paid")]

    with db.transaction() as session:
        other_due = open_due(
            session, clock, 2, operator_id=service.get_guarantee(session, guarantee_id).operator_id
        )
    with db.transaction() as session, pytest.raises(Conflict) as given_back:
        service.cover_with_guarantee(session, clock, other_due.id, guarantee_id, by=desk)
    assert given_back.value.code == "payments.guarantee_released"
