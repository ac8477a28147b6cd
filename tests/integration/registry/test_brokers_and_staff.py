"""Customs brokers (may they declare here, today?) and staff postings and rosters."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.identity.model import Actor, Role
from douane.kernel.errors import Conflict, Forbidden, InvalidInput
from douane.registry import service
from tests.integration.registry.factories import nif, office


def _broker(ctx: Context, valid_to: date | None = date(2027, 12, 31)) -> int:
    with ctx.db.transaction() as session:
        office(session, ctx.clock, "16011")
        office(session, ctx.clock, "31011")
        broker = service.register_broker(
            session,
            ctx.clock,
            licence_number="AG-2024/0153",
            firm_name="Transit El Bahdja",
            holder_name="Karim Benali",
            nif=nif(555),
            licence_valid_from=date(2024, 1, 1),
            licence_valid_to=valid_to,
        )
        service.add_office_approval(
            session,
            ctx.clock,
            broker.id,
            office_code="16011",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 6, 30),
        )
        return broker.id


def _refusal(ctx: Context, broker_id: int, office_code: str, day: date) -> str | None:
    with ctx.db.transaction() as session:
        refusal = service.broker_declaration_refusal(session, broker_id, office_code, day)
        assert service.broker_may_declare(session, broker_id, office_code, day) is (refusal is None)
        return refusal.code if refusal else None


def test_an_approved_broker_may_declare_only_where_and_when_approved(ctx: Context) -> None:
    broker_id = _broker(ctx)
    assert _refusal(ctx, broker_id, "16011", date(2026, 3, 15)) is None
    assert _refusal(ctx, broker_id, "31011", date(2026, 3, 15)) == "registry.broker_not_approved_at_office"
    assert _refusal(ctx, broker_id, "16011", date(2026, 7, 1)) == "registry.broker_not_approved_at_office"
    assert _refusal(ctx, broker_id, "16011", date(2025, 12, 31)) == "registry.broker_not_approved_at_office"


def test_an_expired_licence_stops_the_broker(ctx: Context) -> None:
    broker_id = _broker(ctx, valid_to=date(2026, 3, 1))
    assert _refusal(ctx, broker_id, "16011", date(2026, 2, 28)) is None
    assert _refusal(ctx, broker_id, "16011", date(2026, 3, 15)) == "registry.broker_licence_expired"


def test_a_suspended_then_withdrawn_broker_may_not_declare(ctx: Context) -> None:
    broker_id = _broker(ctx)
    with ctx.db.transaction() as session:
        service.change_broker_status(
            session, ctx.clock, broker_id, to_status="suspended", reason="Inquiry", expected_version=1
        )
    assert _refusal(ctx, broker_id, "16011", date(2026, 3, 15)) == "registry.broker_suspended"
    assert _refusal(ctx, broker_id, "16011", date(2026, 3, 14)) is None  # the day before it was fine
    with ctx.db.transaction() as session:
        service.change_broker_status(
            session,
            ctx.clock,
            broker_id,
            to_status="withdrawn",
            reason="Decision 12/2026",
            expected_version=2,
        )
    assert _refusal(ctx, broker_id, "16011", date(2026, 3, 15)) == "registry.broker_withdrawn"
    with ctx.db.transaction() as session, pytest.raises(Conflict):
        service.change_broker_status(
            session, ctx.clock, broker_id, to_status="approved", reason="Appeal", expected_version=3
        )
    with ctx.db.transaction() as session:
        history = service.broker_history(session, broker_id)
    assert [(h.from_status, h.to_status) for h in history] == [
        ("approved", "suspended"),
        ("suspended", "withdrawn"),
    ]


def test_ending_an_approval_and_refusing_overlaps(ctx: Context) -> None:
    broker_id = _broker(ctx)
    with ctx.db.transaction() as session:
        approval = service.broker_approvals(session, broker_id)[0]
        with pytest.raises(Conflict) as overlap:
            service.add_office_approval(
                session, ctx.clock, broker_id, office_code="16011", valid_from=date(2026, 6, 1)
            )
        assert overlap.value.code == "registry.approval_overlaps"
    with ctx.db.transaction() as session:
        service.end_office_approval(
            session, ctx.clock, broker_id, approval.id, valid_to=date(2026, 3, 10), reason="Office request"
        )
    assert _refusal(ctx, broker_id, "16011", date(2026, 3, 15)) == "registry.broker_not_approved_at_office"


def _officer(ctx: Context, number: str, *, on_duty: bool = True) -> int:
    with ctx.db.transaction() as session:
        return service.create_officer(
            session,
            ctx.clock,
            service_number=number,
            full_name=f"Officer {number}",
            grade="inspecteur",
            on_duty=on_duty,
        ).id


def test_overlapping_postings_in_the_same_role_are_refused(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        office(session, ctx.clock, "16011")
        office(session, ctx.clock, "31011")
    officer_id = _officer(ctx, "M1001")
    with ctx.db.transaction() as session:
        service.add_posting(
            session,
            ctx.clock,
            officer_id,
            office_code="16011",
            role="inspector",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 6, 30),
        )
    for office_code, start in (("16011", date(2026, 6, 30)), ("31011", date(2026, 2, 1))):
        with ctx.db.transaction() as session, pytest.raises(Conflict) as clash:
            service.add_posting(
                session, ctx.clock, officer_id, office_code=office_code, role="inspector", valid_from=start
            )
        assert clash.value.code == "registry.posting_overlaps"
    with ctx.db.transaction() as session:
        service.add_posting(
            session, ctx.clock, officer_id, office_code="31011", role="inspector", valid_from=date(2026, 7, 1)
        )
        service.add_posting(
            session, ctx.clock, officer_id, office_code="16011", role="auditor", valid_from=date(2026, 3, 1)
        )
        assert len(service.officer_postings(session, officer_id)) == 3
    with ctx.db.transaction() as session, pytest.raises(InvalidInput):
        service.add_posting(
            session,
            ctx.clock,
            officer_id,
            office_code="16011",
            role="cashier",
            valid_from=date(2026, 3, 1),
            valid_to=date(2026, 2, 1),
        )


def test_the_roster_lists_officers_posted_in_that_role_and_on_duty(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        office(session, ctx.clock, "16011")
        office(session, ctx.clock, "31011")
    posted_on_duty = _officer(ctx, "M2001")
    posted_off_duty = _officer(ctx, "M2002", on_duty=False)
    posted_later = _officer(ctx, "M2003")
    elsewhere = _officer(ctx, "M2004")
    cashier = _officer(ctx, "M2005")
    with ctx.db.transaction() as session:
        for officer_id, code, role, start in (
            (posted_on_duty, "16011", "inspector", date(2026, 1, 1)),
            (posted_off_duty, "16011", "inspector", date(2026, 1, 1)),
            (posted_later, "16011", "inspector", date(2026, 4, 1)),
            (elsewhere, "31011", "inspector", date(2026, 1, 1)),
            (cashier, "16011", "cashier", date(2026, 1, 1)),
        ):
            service.add_posting(session, ctx.clock, officer_id, office_code=code, role=role, valid_from=start)
    at = datetime(2026, 3, 15, 10, tzinfo=UTC)
    with ctx.db.transaction() as session:
        assert [o.service_number for o in service.roster(session, "16011", "inspector", at)] == ["M2001"]
        service.set_on_duty(session, ctx.clock, posted_off_duty, True)
    with ctx.db.transaction() as session:
        assert [o.service_number for o in service.roster(session, "16011", "inspector", at)] == [
            "M2001",
            "M2002",
        ]
        april = datetime(2026, 4, 1, 8, tzinfo=UTC)
        assert len(service.roster(session, "16011", "inspector", april)) == 3
        duty_events = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "officer.duty_changed")
        ).all()
    assert [(e.from_state, e.to_state) for e in duty_events] == [("off_duty", "on_duty")]


def test_an_office_chief_manages_only_the_staff_of_their_office(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        office(session, ctx.clock, "16011")
        office(session, ctx.clock, "31011")
    chief_id = _officer(ctx, "C0001")
    mine = _officer(ctx, "M3001")
    theirs = _officer(ctx, "M3002")
    with ctx.db.transaction() as session:
        service.add_posting(
            session,
            ctx.clock,
            chief_id,
            office_code="16011",
            role="office_chief",
            valid_from=date(2026, 1, 1),
        )
        service.add_posting(
            session, ctx.clock, theirs, office_code="31011", role="inspector", valid_from=date(2026, 1, 1)
        )
    chief = Actor(user_id=9, username="chief", roles=frozenset({Role.OFFICE_CHIEF}), officer_id=chief_id)
    with ctx.db.transaction() as session:
        service.add_posting(
            session,
            ctx.clock,
            mine,
            office_code="16011",
            role="inspector",
            valid_from=date(2026, 3, 1),
            by=chief,
        )
        assert service.set_on_duty(session, ctx.clock, mine, False, by=chief).on_duty is False
    with ctx.db.transaction() as session, pytest.raises(Forbidden) as refused:
        service.add_posting(
            session,
            ctx.clock,
            mine,
            office_code="31011",
            role="cashier",
            valid_from=date(2026, 3, 1),
            by=chief,
        )
    assert refused.value.code == "registry.not_your_office"
    with ctx.db.transaction() as session, pytest.raises(Forbidden):
        service.set_on_duty(session, ctx.clock, theirs, False, by=chief)


def test_office_handles_the_regimes_it_lists_while_active(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        office(session, ctx.clock, "16011", regimes=["1000", "im4"])
    with ctx.db.transaction() as session:
        assert service.office_handles_regime(session, "16011", "IM4")
        assert service.office_handles_regime(session, "16011", "1000")
        assert not service.office_handles_regime(session, "16011", "5100")
        assert not service.office_handles_regime(session, "99999", "1000")
        service.update_office(
            session, ctx.clock, "16011", {"active": False, "regimes": ["1000", "5100"]}, by=None
        )
    with ctx.db.transaction() as session:
        assert service.get_office(session, "16011").regimes == ["1000", "5100"]
        assert not service.office_handles_regime(session, "16011", "1000")
