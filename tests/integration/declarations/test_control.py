"""Officer use cases on the demo data, on SQLite and PostgreSQL: control, assessment, settlement, release."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.declarations import control, lodging, service
from douane.declarations.control import ItemAmendment
from douane.declarations.tables import DeclarationRow, DeclarationVersionRow
from douane.demo import parties
from douane.identity import service as identity
from douane.identity.model import Actor, Role
from douane.identity.tables import UserRow
from douane.kernel.errors import Conflict, Forbidden, InvalidInput
from douane.kernel.money import Money
from douane.payments import service as payments
from douane.registry.tables import OfficerRow
from tests.integration.declarations import fixtures
from tests.integration.declarations.fixtures import FixedSelectivity


def _actor(session: Session, username: str) -> Actor:
    return identity.actor_of(session.scalars(select(UserRow).where(UserRow.username == username)).one())


class Staff:
    """The demo officers of Alger Port as actors, plus a user for the second inspector."""

    def __init__(self, ctx: Context) -> None:
        with ctx.db.transaction() as session:
            inspectors = [
                o for o in parties.officers() if o.office == fixtures.OFFICE and o.role == "inspector"
            ]
            second = session.scalars(
                select(OfficerRow).where(OfficerRow.service_number == inspectors[1].service_number)
            ).one()
            identity.create_user(
                session, ctx.clock, ctx.passwords, username="inspector2", full_name=second.full_name,
                password="test-pass-1234", roles={Role.INSPECTOR}, officer_id=second.id,
            )  # fmt: skip
            self.inspectors = [_actor(session, "inspector"), _actor(session, "inspector2")]
            self.liquidator = _actor(session, "liquidator")
            self.cashier = _actor(session, "cashier")
            self.chief = _actor(session, "chief")

    def drawn_and_other(self, row: DeclarationRow) -> tuple[Actor, Actor]:
        first, second = self.inspectors
        return (first, second) if row.inspector_officer_id == first.officer_id else (second, first)


@pytest.fixture
def staff(ctx: Context, demo: fixtures.Demo) -> Staff:
    return Staff(ctx)


def _lodge(ctx: Context, demo: fixtures.Demo, channel: str) -> int:
    with ctx.db.transaction() as session:
        content = fixtures.import_declaration(demo.operator_nif)
        row = lodging.lodge_new(
            session, ctx.clock, demo.broker, content, selectivity=FixedSelectivity(channel)
        )
        return row.id


def _row(ctx: Context, declaration_id: int) -> DeclarationRow:
    with ctx.db.transaction() as session:
        row = session.get(DeclarationRow, declaration_id)
        assert row is not None
        session.expunge(row)
        return row


def _amount_due_id(session: Session, number: str) -> int:
    rows, _ = payments.list_amounts_due(session, viewer=None, subject_reference=number)
    return rows[0].id


def _pay(session: Session, ctx: Context, number: str, amount: Money, cashier: Actor, key: str) -> None:
    payments.record_payment(
        session, ctx.clock, _amount_due_id(session, number), amount=amount, method="cash",
        method_reference=None, payer="Sarl Import", idempotency_key=key, by=cashier,
    )  # fmt: skip


def _control_to_assessed(ctx: Context, staff: Staff, declaration_id: int) -> DeclarationRow:
    with ctx.db.transaction() as session:
        drawn, _ = staff.drawn_and_other(session.get(DeclarationRow, declaration_id))  # type: ignore[arg-type]
        control.take_for_control(session, ctx.clock, declaration_id, by=drawn)
        control.record_control_result(session, ctx.clock, declaration_id, by=drawn, outcome="no_discrepancy")
        control.confirm_assessment(session, ctx.clock, declaration_id, by=staff.liquidator)
    return _row(ctx, declaration_id)


def test_red_channel_from_draw_to_exit(ctx: Context, demo: fixtures.Demo, staff: Staff) -> None:
    declaration_id = _lodge(ctx, demo, "red")
    lodged = _row(ctx, declaration_id)
    assert lodged.status == "channel_assigned" and lodged.inspector_officer_id is not None
    provisional = lodged.total_due
    assert provisional is not None and provisional.amount > 0
    drawn, other = staff.drawn_and_other(lodged)

    with ctx.db.transaction() as session, pytest.raises(Forbidden) as refused:
        control.take_for_control(session, ctx.clock, declaration_id, by=other)
    assert refused.value.code == "declarations.not_drawn_inspector"

    with ctx.db.transaction() as session:
        control.take_for_control(
            session, ctx.clock, declaration_id, by=drawn, expected_version=lodged.version
        )
        control.record_control_result(
            session, ctx.clock, declaration_id, by=drawn, outcome="discrepancy", discrepancy_type="value",
            notes="Invoice undervalued against the supplier's price list",
            amendments=[ItemAmendment(1, "customs_value_dzd", "5000000.00", "Price list of the supplier")],
        )  # fmt: skip
    controlled = _row(ctx, declaration_id)
    assert controlled.status == "under_control"
    assert controlled.current_version == lodged.current_version + 1
    assert controlled.total_due is not None and controlled.total_due.amount > provisional.amount
    with ctx.db.transaction() as session:
        versions = session.scalars(
            select(DeclarationVersionRow).where(DeclarationVersionRow.declaration_id == declaration_id)
        ).all()
        versions = service.versions(session, demo.broker, declaration_id)
        assert Decimal(versions[-1].snapshot["items"][0]["customs_value_dzd"]) == Decimal("5000000")
        assert versions[-1].reason is not None and "Price list" in versions[-1].reason
        as_lodged = versions[0].snapshot["items"][0]["customs_value_dzd"]  # kept just before the change
        assert as_lodged is None and Decimal(versions[0].assessment["total"]) == provisional.amount

    with ctx.db.transaction() as session:
        control.confirm_assessment(session, ctx.clock, declaration_id, by=staff.liquidator)
    assessed = _row(ctx, declaration_id)
    assert assessed.status == "assessed" and assessed.total_due == controlled.total_due
    assert assessed.number is not None and assessed.total_due is not None

    with ctx.db.transaction() as session, pytest.raises(Conflict) as early:
        control.release(session, ctx.clock, declaration_id, by=drawn)
    assert early.value.code == "declarations.not_settled"

    with ctx.db.transaction() as session:
        _pay(session, ctx, assessed.number, assessed.total_due, staff.cashier, "pay-red-1")
        assert session.get(DeclarationRow, declaration_id).status == "paid"  # type: ignore[union-attr]

    with ctx.db.transaction() as session:
        control.release(session, ctx.clock, declaration_id, by=drawn)
        control.record_exit(session, ctx.clock, declaration_id, by=drawn)
    done = _row(ctx, declaration_id)
    assert done.status == "exited" and done.released_at is not None and done.exited_at is not None
    with ctx.db.transaction() as session:
        events = session.scalars(
            select(AuditEventRow).where(
                AuditEventRow.entity_type == "declaration",
                AuditEventRow.entity_id == str(declaration_id),
                AuditEventRow.to_state == "paid",
            )
        ).all()
        assert [(e.from_state, e.actor_name) for e in events] == [("assessed", "system")]


def test_settlement_and_declaration_commit_or_roll_back_together(
    ctx: Context, demo: fixtures.Demo, staff: Staff
) -> None:
    declaration_id = _lodge(ctx, demo, "yellow")
    assessed = _control_to_assessed(ctx, staff, declaration_id)
    assert assessed.number is not None and assessed.total_due is not None

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), ctx.db.transaction() as session:
        _pay(session, ctx, assessed.number, assessed.total_due, staff.cashier, "pay-yellow-1")
        assert session.get(DeclarationRow, declaration_id).status == "paid"  # type: ignore[union-attr]
        raise Abandon
    assert _row(ctx, declaration_id).status == "assessed"
    with ctx.db.transaction() as session:
        assert payments.settlement_of(session, "declaration", declaration_id).status.value == "open"


def test_green_goes_straight_to_assessment_and_guarantee_allows_release(
    ctx: Context, demo: fixtures.Demo, staff: Staff
) -> None:
    declaration_id = _lodge(ctx, demo, "green")
    with ctx.db.transaction() as session, pytest.raises(Conflict):
        control.take_for_control(session, ctx.clock, declaration_id, by=staff.inspectors[0])
    with ctx.db.transaction() as session:
        queue, total = control.liquidation_queue(session, fixtures.OFFICE)
        assert [r.id for r in queue] == [declaration_id] and total == 1
        control.confirm_assessment(session, ctx.clock, declaration_id, by=staff.liquidator)
    assessed = _row(ctx, declaration_id)
    assert assessed.total_due is not None and assessed.operator_id is not None
    with ctx.db.transaction() as session:
        guarantee = payments.register_guarantee(
            session, ctx.clock, operator_id=assessed.operator_id, kind="bank_surety", reference="CAUTION-1",
            issuer="BNA", amount=Money(Decimal("100000000"), "DZD"), valid_from=date(2026, 1, 1),
            valid_to=None, by=staff.cashier,
        )  # fmt: skip
        payments.cover_with_guarantee(
            session, ctx.clock, _amount_due_id(session, assessed.number or ""), guarantee.id, by=staff.cashier
        )
    assert _row(ctx, declaration_id).status == "guaranteed"
    with ctx.db.transaction() as session:
        control.release(session, ctx.clock, declaration_id, by=staff.chief)
    released = _row(ctx, declaration_id)
    assert released.status == "released" and not released.post_clearance_audit


def test_blue_release_is_flagged_for_post_clearance_audit(
    ctx: Context, demo: fixtures.Demo, staff: Staff
) -> None:
    declaration_id = _lodge(ctx, demo, "blue")
    with ctx.db.transaction() as session:
        row = control.confirm_assessment(session, ctx.clock, declaration_id, by=staff.liquidator)
        _pay(session, ctx, row.number or "", row.total_due or Money.zero(), staff.cashier, "pay-blue")
        control.release(session, ctx.clock, declaration_id, by=staff.inspectors[0])
    released = _row(ctx, declaration_id)
    assert released.status == "released" and released.post_clearance_audit


def test_inspector_queue_shows_only_what_was_drawn_to_me(
    ctx: Context, demo: fixtures.Demo, staff: Staff
) -> None:
    declaration_id = _lodge(ctx, demo, "red")
    drawn, other = staff.drawn_and_other(_row(ctx, declaration_id))
    with ctx.db.transaction() as session:
        assert [r.id for r in control.inspector_queue(session, fixtures.OFFICE, drawn)[0]] == [declaration_id]
        assert control.inspector_queue(session, fixtures.OFFICE, other)[0] == []
        assert control.liquidation_queue(session, fixtures.OFFICE)[0] == []


def test_control_result_rules(ctx: Context, demo: fixtures.Demo, staff: Staff) -> None:
    declaration_id = _lodge(ctx, demo, "red")
    drawn, _ = staff.drawn_and_other(_row(ctx, declaration_id))
    with ctx.db.transaction() as session:
        control.take_for_control(session, ctx.clock, declaration_id, by=drawn)
    cases = [
        ("discrepancy", None, []),
        ("no_discrepancy", None, [ItemAmendment(1, "net_mass_kg", "90", "weighed")]),
        ("discrepancy", "quantity", [ItemAmendment(9, "net_mass_kg", "90", "weighed")]),
        ("discrepancy", "quantity", [ItemAmendment(1, "net_mass_kg", "500", "weighed")]),
        ("discrepancy", "quantity", [ItemAmendment(1, "invoice_amount", "1", "no")]),
        ("discrepancy", "origin", [ItemAmendment(1, "origin_country", "CN", "  ")]),
        ("discrepancy", "classification", [ItemAmendment(1, "line_code", "12", "wrong line")]),
    ]
    for outcome, kind, amendments in cases:
        with ctx.db.transaction() as session, pytest.raises(InvalidInput):
            control.record_control_result(
                session, ctx.clock, declaration_id, by=drawn, outcome=outcome, discrepancy_type=kind,
                amendments=amendments,
            )  # fmt: skip
    with ctx.db.transaction() as session, pytest.raises(Conflict) as not_yet:
        control.confirm_assessment(session, ctx.clock, declaration_id, by=staff.liquidator)
    assert not_yet.value.code == "declarations.control_not_recorded"
    with ctx.db.transaction() as session, pytest.raises(Forbidden):
        control.confirm_assessment(session, ctx.clock, declaration_id, by=drawn)


def test_invalidation_is_decided_by_the_chief_and_refused_once_paid(
    ctx: Context, demo: fixtures.Demo, staff: Staff
) -> None:
    first = _lodge(ctx, demo, "green")
    second = _lodge(ctx, demo, "green")
    with ctx.db.transaction() as session:
        service.request_invalidation(session, ctx.clock, demo.broker, first, reason="Shipment sent back")
        with pytest.raises(Forbidden):
            control.approve_invalidation(session, ctx.clock, first, by=staff.inspectors[0])
    with ctx.db.transaction() as session:
        control.approve_invalidation(
            session, ctx.clock, first, by=staff.chief, note="Bill of lading cancelled"
        )
    assert _row(ctx, first).status == "invalidated"

    with ctx.db.transaction() as session:
        row = control.confirm_assessment(session, ctx.clock, second, by=staff.liquidator)
        service.request_invalidation(session, ctx.clock, demo.broker, second, reason="Wrong consignee")
        _pay(session, ctx, row.number or "", row.total_due or Money.zero(), staff.cashier, "pay-inv")
    with ctx.db.transaction() as session, pytest.raises(Conflict):
        control.approve_invalidation(session, ctx.clock, second, by=staff.chief)
    with ctx.db.transaction() as session:
        control.refuse_invalidation(session, ctx.clock, second, by=staff.chief, reason="Duties already paid")
        assert service.pending_invalidation(session, second) is None
    assert _row(ctx, second).status == "paid"
    with ctx.db.transaction() as session, pytest.raises(Conflict) as paid:  # asked again: refused at once
        service.request_invalidation(session, ctx.clock, demo.broker, second, reason="Wrong consignee")
    assert paid.value.code == "declarations.already_paid"


def test_reject_needs_a_reason_and_cancels_the_amount_due(
    ctx: Context, demo: fixtures.Demo, staff: Staff
) -> None:
    declaration_id = _lodge(ctx, demo, "green")
    with ctx.db.transaction() as session:
        control.confirm_assessment(session, ctx.clock, declaration_id, by=staff.liquidator)
    with ctx.db.transaction() as session, pytest.raises(InvalidInput):
        control.reject(session, ctx.clock, declaration_id, by=staff.chief, reason="  ")
    with ctx.db.transaction() as session:
        control.reject(session, ctx.clock, declaration_id, by=staff.chief, reason="Forged invoice")
    rejected = _row(ctx, declaration_id)
    assert rejected.status == "rejected" and rejected.rejection_reason == "Forged invoice"
    with ctx.db.transaction() as session:
        assert payments.settlement_of(session, "declaration", declaration_id).status.value == "none"


def test_stale_version_is_refused(ctx: Context, demo: fixtures.Demo, staff: Staff) -> None:
    declaration_id = _lodge(ctx, demo, "green")
    version = _row(ctx, declaration_id).version
    with ctx.db.transaction() as session, pytest.raises(Conflict) as stale:
        control.confirm_assessment(
            session, ctx.clock, declaration_id, by=staff.liquidator, expected_version=version - 1
        )
    assert stale.value.code == "declarations.stale_version"


def test_the_chief_redraws_an_unavailable_inspector(ctx: Context, demo: fixtures.Demo, staff: Staff) -> None:
    declaration_id = _lodge(ctx, demo, "red")
    first, second = staff.drawn_and_other(_row(ctx, declaration_id))
    with ctx.db.transaction() as session, pytest.raises(Forbidden):
        control.draw_inspector(session, ctx.clock, declaration_id, by=first)
    with ctx.db.transaction() as session:
        control.draw_inspector(session, ctx.clock, declaration_id, by=staff.chief)
    assert _row(ctx, declaration_id).inspector_officer_id == second.officer_id
    with ctx.db.transaction() as session:
        control.take_for_control(session, ctx.clock, declaration_id, by=second)
        with pytest.raises(Conflict):
            control.draw_inspector(session, ctx.clock, declaration_id, by=staff.chief)
