"""A declaration's history is a list of plain audit values, oldest first, readable after the unit of work;
the declarant's copy leaves out who was drawn to inspect."""

from __future__ import annotations

from douane.audit.service import AuditEvent
from douane.bootstrap import Context
from douane.declarations import lodging, service
from douane.identity import service as identity
from tests.integration.declarations import fixtures
from tests.integration.declarations.fixtures import FixedSelectivity


def test_history_as_officer_and_as_declarant(ctx: Context, demo: fixtures.Demo) -> None:
    with ctx.db.transaction() as session:
        content = fixtures.import_declaration(demo.operator_nif)
        row = lodging.lodge_new(session, ctx.clock, demo.broker, content, selectivity=FixedSelectivity("red"))
        chief = identity.active_actor(session, "chief")
        assert chief is not None
        officer_view = service.history(session, chief, row.id)
        declarant_view = service.history(session, demo.broker, row.id)
    assert all(isinstance(event, AuditEvent) for event in officer_view)
    actions = [event.action for event in officer_view]
    assert actions[:2] == ["declaration.create", "declaration.lodge"] and "inspector.drawn" in actions
    assert [e.id for e in officer_view] == sorted(e.id for e in officer_view)
    assert [e.action for e in declarant_view] == [a for a in actions if a != "inspector.drawn"]
    lodged = next(e for e in declarant_view if e.action == "declaration.lodge")
    assert (lodged.from_state, lodged.to_state, lodged.actor_name) == ("draft", "lodged", "broker")
