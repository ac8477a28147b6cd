"""The inspector draw on both engines: only inspectors posted at the office that day and on duty."""

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from douane.audit.service import ActorRef
from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.kernel.errors import Conflict
from douane.risk import service
from douane.risk.assignment import draw_inspector
from tests.integration.risk.factories import inspector, offices


def test_only_on_duty_inspectors_posted_at_the_office_that_day_are_drawn(ctx: Context) -> None:
    today = date(2026, 3, 15)
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011", "16012")
        on_duty = [inspector(session, ctx.clock, f"INS-{n}", office_code="16011").id for n in (3, 1, 2)]
        never = [
            inspector(session, ctx.clock, "OFF-1", office_code="16011", on_duty=False).id,
            inspector(session, ctx.clock, "ELSE-1", office_code="16012").id,
            inspector(session, ctx.clock, "LIQ-1", office_code="16011", role="liquidation_inspector").id,
            inspector(
                session, ctx.clock, "GONE-1", office_code="16011", valid_to=today - timedelta(days=1)
            ).id,
            inspector(
                session, ctx.clock, "SOON-1", office_code="16011", valid_from=today + timedelta(days=1)
            ).id,
        ]
    drawn: Counter[int] = Counter()
    with ctx.db.transaction() as session:
        for declaration_id in range(1, 201):
            draw = draw_inspector(
                session, ctx.clock, office_code="16011", subject_kind="declaration",
                subject_id=declaration_id, on=ctx.clock.now(),
            )  # fmt: skip
            drawn[draw.officer_id] += 1
            assert draw.candidates == tuple(sorted(on_duty))
    assert set(drawn) == set(on_duty)
    assert not set(drawn) & set(never)


def test_the_draw_is_stored_with_its_candidates_and_audited(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
        first = inspector(session, ctx.clock, "INS-1", office_code="16011")
        second = inspector(session, ctx.clock, "INS-2", office_code="16011")
    with ctx.db.transaction() as session:
        draw = draw_inspector(
            session, ctx.clock, office_code="16011", subject_kind="declaration", subject_id=77,
            on=ctx.clock.now(), exclude_officer_ids=[first.id], by=ActorRef(5, "chief-1"),
        )  # fmt: skip
    assert (draw.officer_id, draw.officer_name) == (second.id, "Inspecteur INS-2")
    with ctx.db.transaction() as session:
        rows, total = service.list_draws(session, subject_id=77)
        assert total == 1
        assert (rows[0].officer_id, rows[0].candidate_ids, rows[0].office_code) == (
            second.id,
            [second.id],
            "16011",
        )
        assert (rows[0].drawn_at, rows[0].drawn_by, rows[0].drawn_by_id) == (ctx.clock.now(), "chief-1", 5)
        event = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "inspector.drawn")).one()
        assert (event.entity_type, event.entity_id) == ("declaration", "77")


def test_an_empty_roster_is_a_conflict(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
        only = inspector(session, ctx.clock, "INS-1", office_code="16011")
        inspector(session, ctx.clock, "OFF-1", office_code="16011", on_duty=False)
    with ctx.db.transaction() as session, pytest.raises(Conflict) as refused:
        draw_inspector(
            session, ctx.clock, office_code="16011", subject_kind="declaration", subject_id=5,
            on=ctx.clock.now(), exclude_officer_ids=[only.id],
        )  # fmt: skip
    assert refused.value.code == "risk.no_inspector_on_duty"
    with ctx.db.transaction() as session:
        assert service.list_draws(session, subject_id=5) == ([], 0)
