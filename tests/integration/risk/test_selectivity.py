"""The default selectivity on both engines: shares in force per office or nationally, decisions stored."""

import random
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.kernel.errors import InvalidInput, NotFound
from douane.risk import service
from douane.risk.model import ChannelShares
from douane.risk.selectivity import DefaultSelectivity
from tests.integration.risk.factories import offices, request

ALL_GREEN = ChannelShares(green=100, yellow=0, red=0, blue=0)
ALL_YELLOW = ChannelShares(green=0, yellow=100, red=0, blue=0)
ALL_RED = ChannelShares(green=0, yellow=0, red=100, blue=0)
ALL_BLUE = ChannelShares(green=0, yellow=0, red=0, blue=100)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def _channel(ctx: Context, declaration_id: int, office_code: str, day: date) -> str:
    selectivity = DefaultSelectivity(random.Random(declaration_id))
    with ctx.db.transaction() as session:
        decision = selectivity.choose_channel(
            session, ctx.clock, request(declaration_id, office_code, _at(day))
        )
    return decision.channel


def test_without_settings_the_built_in_shares_apply_and_the_decision_is_stored(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
    selectivity = DefaultSelectivity(random.Random(1))
    with ctx.db.transaction() as session:
        decision = selectivity.choose_channel(session, ctx.clock, request(41, "16011", ctx.clock.now()))
    assert decision.source == "default-shares"
    assert decision.channel in {"green", "yellow", "red", "blue"}
    with ctx.db.transaction() as session:
        rows, total = service.list_decisions(session, declaration_id=41)
        assert total == 1
        stored = rows[0]
        assert (stored.channel, stored.office_code, stored.source) == (
            decision.channel,
            "16011",
            "default-shares",
        )
        assert stored.shares == {"green": 60, "yellow": 20, "red": 15, "blue": 5}
        assert stored.setting_id is None
        assert 0 <= stored.draw_value < 10_000
        assert stored.reasons == list(decision.reasons)
        assert "the built-in default" in stored.reasons[0]
        assert stored.decided_at == ctx.clock.now()


def test_office_shares_override_the_national_default_from_their_date(ctx: Context) -> None:
    today = date(2026, 3, 15)
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011", "16012")
        service.set_shares(session, ctx.clock, office_code=None, shares=ALL_GREEN)
        service.set_shares(
            session, ctx.clock, office_code="16011", shares=ALL_RED, valid_from=date(2026, 4, 1)
        )
        service.set_shares(
            session, ctx.clock, office_code=None, shares=ALL_YELLOW, valid_from=date(2026, 5, 1)
        )

    assert _channel(ctx, 1, "16011", today) == "green"  # national, office shares not yet in force
    assert _channel(ctx, 2, "16011", date(2026, 3, 31)) == "green"
    assert _channel(ctx, 3, "16011", date(2026, 4, 1)) == "red"
    assert _channel(ctx, 4, "16012", date(2026, 4, 1)) == "green"
    assert _channel(ctx, 5, "16012", date(2026, 5, 2)) == "yellow"
    assert _channel(ctx, 6, "16011", date(2026, 5, 2)) == "red"  # the office's own still wins


def test_the_latest_setting_for_the_same_day_wins(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
        service.set_shares(session, ctx.clock, office_code="16011", shares=ALL_RED)
        service.set_shares(session, ctx.clock, office_code="16011", shares=ALL_BLUE)
    assert _channel(ctx, 9, "16011", date(2026, 3, 15)) == "blue"
    with ctx.db.transaction() as session:
        rows, _ = service.list_decisions(session, declaration_id=9)
        assert "office 16011" in rows[0].reasons[0]
        assert rows[0].setting_id is not None


def test_shares_cannot_be_set_in_the_past_or_for_an_unknown_office(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
        with pytest.raises(InvalidInput) as past:
            service.set_shares(
                session, ctx.clock, office_code="16011", shares=ALL_RED, valid_from=date(2026, 3, 14)
            )
        assert past.value.code == "risk.shares_in_the_past"
        with pytest.raises(NotFound) as unknown:
            service.set_shares(session, ctx.clock, office_code="99999", shares=ALL_RED)
        assert unknown.value.code == "registry.office_not_found"


def test_setting_shares_is_audited_with_the_previous_shares(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
        service.set_shares(session, ctx.clock, office_code="16011", shares=ALL_RED)
    with ctx.db.transaction() as session:
        event = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "selectivity.shares_set")
        ).one()
        assert (event.category, event.entity_id) == ("state", "16011")
        assert (event.from_state, event.to_state) == ("60/20/15/5", "0/0/100/0")
