"""Notices on both engines: numbering, validation, matching at lodging, outcomes, closing and cancelling."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.identity.model import Actor, Role
from douane.kernel.errors import Conflict, InvalidInput, NotFound
from douane.risk.notices import service as notices
from douane.risk.notices.service import NoticeDraft
from douane.risk.selection.engine import NoModel, RiskSelectivity
from tests.integration.declarations import fixtures
from tests.integration.risk.factories import offices
from tests.integration.risk.selection.helpers import NIF, FixedRules, facts

ANALYST = Actor(user_id=1, username="analyst", roles=frozenset({Role.RISK_ANALYST}))
NOON = datetime(2026, 3, 15, 11, 0, tzinfo=UTC)


def _issue(ctx: Context, kind: str, subject: str, **changes: object) -> int:
    values: dict[str, object] = {"issuing_service": "intelligence", "subject_kind": kind, "subject": subject,
                                 "channel": "red", "reason": "information received"}  # fmt: skip
    values.update(changes)
    with ctx.db.transaction() as session:
        return notices.issue(session, ctx.clock, NoticeDraft(**values), by=ANALYST).id  # type: ignore[arg-type]


def test_numbers_follow_each_other_per_year_and_the_issue_is_audited(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
    first = _issue(ctx, "operator", NIF)
    second = _issue(ctx, "container", "CSQU3054383", office_codes=["16011"], channel="yellow")
    with ctx.db.transaction() as session:
        assert notices.get(session, first).number == "AC-2026-000001"
        row = notices.get(session, second)
        assert (row.number, row.office_codes, row.status, row.issued_by) == (
            "AC-2026-000002",
            ["16011"],
            "open",
            "analyst",
        )
        events = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "notice.issued")).all()
        assert [e.entity_id for e in events] == [str(first), str(second)]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"channel": "green"}, "risk.notice_invalid_channel"),
        ({"issuing_service": "police"}, "risk.notice_invalid_service"),
        ({"reason": "  "}, "risk.notice_reason_required"),
        ({"valid_from": date(2026, 3, 1)}, "risk.notice_in_the_past"),
        ({"valid_to": date(2026, 3, 14)}, "risk.notice_ends_before_start"),
        ({"subject_kind": "container", "subject": "CSQU3054384"}, "risk.notice_container_check_digit"),
    ],
)
def test_invalid_notices_are_refused(ctx: Context, changes: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        values = dict(changes)
        _issue(ctx, str(values.pop("subject_kind", "operator")), str(values.pop("subject", NIF)), **values)
    assert refused.value.code == code


def test_an_unknown_office_is_refused(ctx: Context) -> None:
    with pytest.raises(NotFound):
        _issue(ctx, "operator", NIF, office_codes=["99999"])


@pytest.mark.parametrize(
    ("kind", "subject", "changes"),
    [
        ("operator", NIF, {}),
        ("consignment", "mscu bl 1", {}),
        ("consignment", "2026-16011-0042", {"bill_of_lading": None}),
        ("vehicle", "MSC-ALGER", {}),
        ("container", "CSQU 305438 3", {"containers": ("MSKU1234565", "CSQU3054383")}),
    ],
)
def test_each_subject_kind_matches_incoming_declarations(
    ctx: Context, kind: str, subject: str, changes: dict[str, object]
) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
    notice_id = _issue(ctx, kind, subject)
    decoy = {"operator": None, "container": "TGHU1234567"}.get(kind, "ZZ99")  # a notice on something else
    _issue(ctx, kind, decoy, channel="yellow") if decoy else None
    engine = RiskSelectivity(random.Random(1), rules=FixedRules(), model=NoModel())
    with ctx.db.transaction() as session:
        decision = engine.choose_channel(session, ctx.clock, facts(7, "16011", NOON, **changes))
        unrelated = {"bill_of_lading": "X1", "manifest_reference": "X2", "transport_means": "X3"}
        other = engine.choose_channel(
            session, ctx.clock, facts(8, "16011", NOON, operator_nif="000116009999999", **unrelated)
        )
    assert (decision.channel, decision.source) == ("red", "notice")
    assert other.source != "notice"
    with ctx.db.transaction() as session:
        assert [m.declaration_id for m in notices.matches_of(session, notice_id)] == [7]


def test_closing_records_the_outcome_and_matches_read_the_control_results(ctx: Context) -> None:
    demo = fixtures.load(ctx)
    notice_id = _issue(ctx, "operator", demo.operator_nif)
    engine = RiskSelectivity(random.Random(1), rules=FixedRules(), model=NoModel())
    with ctx.db.transaction() as session:
        from douane.declarations import lodging

        content = fixtures.import_declaration(demo.operator_nif)
        row = lodging.lodge_new(session, ctx.clock, demo.broker, content, selectivity=engine)
        declaration_id = row.id
        assert (row.channel, row.channel_source) == ("red", "notice")
    with ctx.db.transaction() as session:
        [match] = notices.matches_of(session, notice_id)
        assert (match.declaration_id, match.control_outcome) == (declaration_id, None)
        from douane.declarations.tables import ControlResultRow

        session.add(ControlResultRow(declaration_id=declaration_id, inspector_name="inspector",
                                     recorded_at=ctx.clock.now(), outcome="discrepancy",
                                     discrepancy_type="value"))  # fmt: skip
    with ctx.db.transaction() as session:
        [match] = notices.matches_of(session, notice_id)
        assert match.control_outcome == "discrepancy"
        closed = notices.close(
            session, ctx.clock, notice_id, outcome="confirmed", note="undervalued", by=ANALYST
        )
        assert (closed.status, closed.outcome, closed.outcome_note) == ("closed", "confirmed", "undervalued")
    with ctx.db.transaction() as session, pytest.raises(Conflict):
        notices.cancel(session, ctx.clock, notice_id, reason="too late", by=ANALYST)


def test_a_cancelled_notice_no_longer_matches(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
    notice_id = _issue(ctx, "operator", NIF)
    with ctx.db.transaction() as session:
        notices.cancel(session, ctx.clock, notice_id, reason="issued by mistake", by=ANALYST)
    engine = RiskSelectivity(random.Random(1), rules=FixedRules(), model=NoModel())
    with ctx.db.transaction() as session:
        decision = engine.choose_channel(session, ctx.clock, facts(9, "16011", NOON))
        assert decision.source != "notice"
        event = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "notice.cancelled")).one()
        assert (event.from_state, event.to_state, event.reason) == ("open", "cancelled", "issued by mistake")


def test_a_notice_turns_matched_once_and_every_match_is_audited(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
    notice_id = _issue(ctx, "operator", NIF)
    engine = RiskSelectivity(random.Random(1), rules=FixedRules(), model=NoModel())
    for declaration_id in (7, 8, 9):
        with ctx.db.transaction() as session:
            engine.choose_channel(session, ctx.clock, facts(declaration_id, "16011", NOON))
    with ctx.db.transaction() as session:
        assert notices.get(session, notice_id).row_version == 2  # issued, then matched once
        events = session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.action == "notice.matched", AuditEventRow.entity_id == str(notice_id))
            .order_by(AuditEventRow.id)
        ).all()
    assert [(e.from_state, e.to_state) for e in events] == [("open", "matched"), (None, None), (None, None)]
    assert [e.detail["declaration_id"] for e in events] == [7, 8, 9]


def test_a_container_notice_forces_the_channel_of_a_declaration_lodged_with_it(ctx: Context) -> None:
    demo = fixtures.load(ctx)
    _issue(ctx, "container", "CSQU3054383")
    engine = RiskSelectivity(random.Random(1), rules=FixedRules(), model=NoModel())
    with ctx.db.transaction() as session:
        from dataclasses import replace

        from douane.declarations import lodging

        content = replace(fixtures.import_declaration(demo.operator_nif), containers=("CSQU3054383",))
        row = lodging.lodge_new(session, ctx.clock, demo.broker, content, selectivity=engine)
        assert (row.channel, row.channel_source, row.containers) == ("red", "notice", ["CSQU3054383"])
