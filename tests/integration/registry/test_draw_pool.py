"""The inspectors' draw pool is shared between units of work; an officer going off duty leaves it at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event

from douane.bootstrap import Context
from douane.read_cache import reads_cached
from douane.registry import service as registry
from douane.registry.model import PostingRole
from tests.integration.risk.factories import inspector, offices

MOMENT = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)


def _pool(ctx: Context) -> list[str]:
    with ctx.db.transaction() as session, reads_cached(session):
        return [o.service_number for o in registry.draw_pool(session, "16011", PostingRole.INSPECTOR, MOMENT)]


@contextmanager
def _officer_queries(ctx: Context) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM officers" in statement:
            seen.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", count)


def test_the_pool_is_read_once_then_reused_and_an_officer_off_duty_leaves_it(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        offices(session, ctx.clock, "16011")
        inspector(session, ctx.clock, "INS-2", office_code="16011")
        leaving = inspector(session, ctx.clock, "INS-1", office_code="16011").id
    assert _pool(ctx) == ["INS-1", "INS-2"]
    with _officer_queries(ctx) as queries:
        assert _pool(ctx) == ["INS-1", "INS-2"]
    assert queries == []
    with ctx.db.transaction() as session:
        registry.set_on_duty(session, ctx.clock, leaving, False)
    assert _pool(ctx) == ["INS-2"]
