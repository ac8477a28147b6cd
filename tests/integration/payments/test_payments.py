"""Amounts due, payments and receipts, guarantees: on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.db import Database
from douane.identity.model import Actor, Role
from douane.kernel.clock import FixedClock
from douane.kernel.errors import Conflict, DouaneError, Forbidden, InvalidInput
from douane.kernel.money import Money
from douane.payments import service
from douane.payments.model import AmountDueStatus, PaymentMethod, SettlementStatus
from douane.registry.model import PostingRole
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


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> SettlementRecorder:
    return isolated_bus(monkeypatch)


@pytest.fixture
def desk(db: Database, clock: FixedClock) -> Actor:
    """Offices 16000 (recette of 16011) and 31011, and a cashier posted at 16000."""
    with db.transaction() as session:
        offices(session, clock)
        return cashier(officer(session, clock, "C-001", "16000").id)


def pay(
    db: Database, clock: FixedClock, due_id: int, amount: str, key: str, by: Actor,
    method: PaymentMethod = PaymentMethod.CASH, reference: str | None = None, payer: str = "SARL Import",
) -> service.PaymentOutcome:  # fmt: skip
    with db.transaction() as session:
        return service.record_payment(
            session, clock, due_id, amount=Money.of(amount), method=method, method_reference=reference,
            payer=payer, idempotency_key=key, by=by,
        )  # fmt: skip


def test_partial_then_full_payment_numbers_receipts_and_settles(
    db: Database, clock: FixedClock, desk: Actor, heard: SettlementRecorder
) -> None:
    with db.transaction() as session:
        due = open_due(session, clock, 1)
        assert due.collection_office_code == "16000"
        assert due.total == Money.of("40230") and due.status == "open"

    first = pay(db, clock, due.id, "10000.50", "k-1", desk)
    assert first.payment.receipt_number == "16000/2026/000001" and not first.replayed
    with db.transaction() as session:
        assert service.settlement_of(session, "declaration", 1).status is SettlementStatus.OPEN
        assert service.get_amount_due(session, due.id).status == AmountDueStatus.PARTIALLY_PAID
    assert heard.heard == []

    second = pay(db, clock, due.id, "30229.50", "k-2", desk, PaymentMethod.CHEQUE, "CHQ 0012345")
    assert second.payment.receipt_number == "16000/2026/000002"
    with db.transaction() as session:
        settlement = service.settlement_of(session, "declaration", 1)
        assert settlement.status is SettlementStatus.PAID
        assert settlement.outstanding == Money.zero()
        assert settlement.receipts == ("16000/2026/000001", "16000/2026/000002")
        due_id = due.id
        states = session.execute(
            select(AuditEventRow.from_state, AuditEventRow.to_state)
            .where(AuditEventRow.entity_type == "amount_due", AuditEventRow.entity_id == str(due_id))
            .order_by(AuditEventRow.id)
        ).all()
    expected = [(None, "open"), ("open", "partially_paid"), ("partially_paid", "paid")]
    assert [tuple(s) for s in states] == expected
    assert [(e.subject_id, e.how, e.amount_due_id) for e in heard.heard] == [(1, "paid", due_id)]

    with db.transaction() as session:
        other = open_due(session, clock, 2)
    assert pay(db, clock, other.id, "40230", "k-3", desk).payment.receipt_number == "16000/2026/000003"


def test_receipts_are_numbered_per_collection_office_and_restart_each_year(
    db: Database, clock: FixedClock, desk: Actor, heard: SettlementRecorder
) -> None:
    with db.transaction() as session:
        at_31 = cashier(officer(session, clock, "C-031", "31011").id, "cashier31", 12)
        dues = [open_due(session, clock, n) for n in (1, 2)]
        dues += [open_due(session, clock, n, office_code="31011") for n in (3, 4)]
    assert pay(db, clock, dues[0].id, "100", "a", desk).payment.receipt_number == "16000/2026/000001"
    assert pay(db, clock, dues[2].id, "100", "b", at_31).payment.receipt_number == "31011/2026/000001"
    assert pay(db, clock, dues[1].id, "100", "c", desk).payment.receipt_number == "16000/2026/000002"

    # New Year's Eve 23:30 UTC is already 1 January 2027 in Algiers (UTC+1).
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert pay(db, clock, dues[0].id, "100", "d", desk).payment.receipt_number == "16000/2027/000001"
    assert pay(db, clock, dues[1].id, "100", "e", desk).payment.receipt_number == "16000/2027/000002"
    assert pay(db, clock, dues[3].id, "100", "f", at_31).payment.receipt_number == "31011/2027/000001"


def test_replaying_a_key_returns_the_first_payment_and_another_body_is_refused(
    db: Database, clock: FixedClock, desk: Actor, heard: SettlementRecorder
) -> None:
    with db.transaction() as session:
        due = open_due(session, clock, 1)
    first = pay(db, clock, due.id, "40230", "same-key", desk)
    clock.advance(timedelta(minutes=5))
    replay = pay(db, clock, due.id, "40230", "same-key", desk)
    assert replay.replayed and replay.payment.id == first.payment.id
    assert replay.payment.receipt_number == "16000/2026/000001"

    with pytest.raises(Conflict) as reused:
        pay(db, clock, due.id, "40000", "same-key", desk)
    assert reused.value.code == "payments.idempotency_key_reused"
    with db.transaction() as session:
        assert len(service.payments_of(session, due.id)) == 1
    assert len(heard.heard) == 1


def test_over_payment_and_paying_a_settled_amount_are_refused(
    db: Database, clock: FixedClock, desk: Actor, heard: SettlementRecorder
) -> None:
    with db.transaction() as session:
        due = open_due(session, clock, 1)
    with pytest.raises(Conflict) as over:
        pay(db, clock, due.id, "40230.01", "k-1", desk)
    assert over.value.code == "payments.exceeds_outstanding"
    pay(db, clock, due.id, "40230", "k-2", desk)
    with pytest.raises(Conflict) as settled:
        pay(db, clock, due.id, "1", "k-3", desk)
    assert settled.value.code == "payments.already_settled"
    for amount, code in (("0", "payments.amount_not_positive"), ("-5", "payments.amount_not_positive"),
                         ("1.001", "money.too_precise")):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            pay(db, clock, due.id, amount, f"bad-{amount}", desk)
        assert refused.value.code == code
    with pytest.raises(InvalidInput) as cheque:
        pay(db, clock, due.id, "1", "k-4", desk, PaymentMethod.CHEQUE)
    assert cheque.value.code == "payments.method_reference_required"


def test_only_a_cashier_posted_at_the_collection_office_today_collects(
    db: Database, clock: FixedClock, desk: Actor, heard: SettlementRecorder
) -> None:
    with db.transaction() as session:
        due = open_due(session, clock, 1)
        elsewhere = cashier(officer(session, clock, "C-031", "31011").id, "c31", 12)
        not_yet = officer(session, clock, "C-LATE", "16000", valid_from=date(2026, 4, 1))
        later = cashier(not_yet.id, "late", 13)
        inspector = cashier(officer(session, clock, "I-001", "16000", PostingRole.INSPECTOR).id, "insp", 14)
    admin = Actor(user_id=1, username="admin", roles=frozenset({Role.ADMIN}))
    for who in (elsewhere, later, inspector, cashier(None, "no-officer", 15)):
        with pytest.raises(Forbidden) as refused:
            pay(db, clock, due.id, "10", f"key-{who.username}", who)
        assert refused.value.code == "payments.not_posted_here"
    assert pay(db, clock, due.id, "10", "by-admin", admin).payment.cashier_name == "admin"


def test_reopening_a_subject_is_idempotent_and_revises_only_while_unpaid(
    db: Database, clock: FixedClock, desk: Actor, heard: SettlementRecorder
) -> None:
    with db.transaction() as session:
        first = open_due(session, clock, 1)
        again = open_due(session, clock, 1)
        assert again.id == first.id
        revised = open_due(session, clock, 1, lines=[("DD", Money.of("500")), ("DD", Money.of("250"))])
        assert revised.id == first.id and revised.total == Money.of("750")
        assert [(line.tax_code, line.amount) for line in revised.lines] == [("DD", Money.of("750"))]
    pay(db, clock, first.id, "100", "k-1", desk)
    with db.transaction() as session, pytest.raises(Conflict) as committed:
        open_due(session, clock, 1, lines=[("DD", Money.of("900"))])
    assert committed.value.code == "payments.amount_due_committed"
    with db.transaction() as session, pytest.raises(InvalidInput) as nothing:
        open_due(session, clock, 9, lines=[("DD", Money.zero())])
    assert nothing.value.code == "payments.nothing_due"


def test_a_guarantee_covers_the_outstanding_and_is_released_when_paid(
    db: Database, clock: FixedClock, desk: Actor, heard: SettlementRecorder
) -> None:
    with db.transaction() as session:
        mine = operator(session, clock, 1, name="SARL Mine").id
        theirs = operator(session, clock, 2, name="SARL Autre").id
        due = open_due(session, clock, 1, operator_id=mine)
        other_due = open_due(session, clock, 2, operator_id=theirs)
        big_due = open_due(session, clock, 3, operator_id=mine, lines=[("DD", Money.of("90000"))])
        surety = service.register_guarantee(
            session, clock, operator_id=mine, kind="bank_surety", reference="CAUT-2026-1", issuer="BNA",
            amount=Money.of("100000"), valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), by=desk,
        )  # fmt: skip
    pay(db, clock, due.id, "10230", "part", desk)
    with db.transaction() as session:
        service.cover_with_guarantee(session, clock, due.id, surety.id, by=desk)
        assert service.settlement_of(session, "declaration", 1).status is SettlementStatus.GUARANTEED
        assert service.get_guarantee(session, surety.id).available == Money.of("70000")
    assert [(e.subject_id, e.how) for e in heard.heard] == [(1, "guaranteed")]

    refusals = (
        (other_due.id, "payments.guarantee_other_operator"),
        (big_due.id, "payments.guarantee_insufficient"),
        (due.id, "payments.already_guaranteed"),
    )
    for due_id, code in refusals:
        with db.transaction() as session, pytest.raises(DouaneError) as refused:
            service.cover_with_guarantee(session, clock, due_id, surety.id, by=desk)
        assert refused.value.code == code

    pay(db, clock, due.id, "20000", "rest-1", desk)
    with db.transaction() as session:
        assert service.get_guarantee(session, surety.id).available == Money.of("90000")
        assert service.get_amount_due(session, due.id).status == AmountDueStatus.GUARANTEED
    pay(db, clock, due.id, "10000", "rest-2", desk)
    with db.transaction() as session:
        assert service.get_guarantee(session, surety.id).available == Money.of("100000")
        assert service.settlement_of(session, "declaration", 1).status is SettlementStatus.PAID
        (allocation,) = service.allocations_of(session, due.id)
        assert allocation.released_at is not None
    assert len(heard.heard) == 1  # paying a guaranteed amount is not announced a second time

    clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=UTC))
    with db.transaction() as session, pytest.raises(Conflict) as expired:
        service.cover_with_guarantee(session, clock, big_due.id, surety.id, by=desk)
    assert expired.value.code == "payments.guarantee_not_valid"


def test_an_open_amount_due_can_be_cancelled_but_not_once_money_was_taken(
    db: Database, clock: FixedClock, desk: Actor, heard: SettlementRecorder
) -> None:
    with db.transaction() as session:
        untouched = open_due(session, clock, 1)
        started = open_due(session, clock, 2)
    pay(db, clock, started.id, "100", "k-1", desk)
    with db.transaction() as session:
        service.cancel_amount_due(session, clock, "declaration", 1, reason="Declaration invalidated", by=None)
        assert service.settlement_of(session, "declaration", 1).status is SettlementStatus.NONE
        assert service.get_amount_due(session, untouched.id).outstanding == Money.zero()  # nothing to pay
    with pytest.raises(Conflict) as cancelled:
        pay(db, clock, untouched.id, "100", "k-2", desk)
    assert cancelled.value.code == "payments.amount_due_cancelled"
    with db.transaction() as session, pytest.raises(Conflict) as refused:
        service.cancel_amount_due(session, clock, "declaration", 2, reason="Declaration invalidated", by=None)
    assert refused.value.code == "payments.transition_refused"
