"""A batch lodged at once: the declarations kept as drafts (findings) and those registered side by side, every
one with its items and version; on PostgreSQL each registered declaration's row is written once, numbered
(its items and version went first, their keys checked at commit), never inserted and then updated."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.declarations import lodging, service
from douane.declarations.model import Status
from douane.declarations.tables import DeclarationRow
from tests.integration.declarations.fixtures import (
    Demo,
    FixedSelectivity,
    import_declaration,
    item,
    with_document,
)


def test_a_mixed_batch_keeps_its_drafts_and_registers_the_rest_whole(ctx: Context, demo: Demo) -> None:
    good = import_declaration(demo.operator_nif)
    bad = import_declaration(demo.operator_nif, items=(item(1, amount="100.00", net_mass_kg=Decimal("500")),))
    with ctx.db.transaction() as session:
        before = _declaration_writes(session)
        outcomes = lodging.lodge_many(
            session, ctx.clock, demo.broker, [good, bad, good], selectivity=FixedSelectivity("yellow")
        )
        after = _declaration_writes(session)
    writes = None if before is None or after is None else (after[0] - before[0], after[1] - before[1])
    ids = [o.row.id for o in outcomes if o.row is not None]
    assert ids == sorted(set(ids))  # in the batch's order, drafts and registered alike
    with ctx.db.transaction() as session:
        rows = [session.get(DeclarationRow, i) for i in ids]
        assert [r.status for r in rows if r] == [Status.CHANNEL_ASSIGNED.value, Status.DRAFT.value,
                                                 Status.CHANNEL_ASSIGNED.value]  # fmt: skip
        first, draft, third = (r for r in rows if r)
        assert (first.number, third.number) == ("16011/2026/000001", "16011/2026/000002")
        assert first.version == third.version == 2 and draft.number is None
        assert len(first.items) == len(third.items) == 3 and len(draft.items) == 1
        assert first.inspector_officer_id is not None
        [lodged] = service.versions(session, demo.broker, first.id)
        assert lodged.version_number == 1 and lodged.reason == "lodged"
        assert lodged.snapshot is not None and len(lodged.snapshot["items"]) == 3
        assert lodged.assessment == first.assessment
        stored = session.execute(text(LIVE_VERSION), {"declaration": first.id}).one()
        assert stored == (None, None)  # live: the content is stored once, in the declaration's own rows
    if writes is not None:  # PostgreSQL: the draft inserted, the two registered inserted once, none updated
        assert writes == (3, 0)


LIVE_VERSION = "SELECT snapshot, assessment FROM declaration_versions WHERE declaration_id = :declaration"
WRITES = "SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'declarations'"


def _declaration_writes(session: Session) -> tuple[int, int] | None:
    """Rows of `declarations` inserted and updated so far, by PostgreSQL's own count: this transaction's,
    plus what earlier transactions on the same connection left unflushed (PostgreSQL 15 reports its
    statistics at most once a second), so compare two readings in one transaction."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    inserted, updated = session.execute(text(WRITES)).one()
    return int(inserted), int(updated)


def test_documents_listed_in_a_batch_are_stored_with_their_declaration(ctx: Context, demo: Demo) -> None:
    listed = with_document(import_declaration(demo.operator_nif), "N935")
    with ctx.db.transaction() as session:
        outcomes = lodging.lodge_many(
            session, ctx.clock, demo.broker, [listed, import_declaration(demo.operator_nif)],
            selectivity=FixedSelectivity("green"),
        )  # fmt: skip
    ids = [o.row.id for o in outcomes if o.row is not None]
    with ctx.db.transaction() as session:
        with_one, without = (session.get(DeclarationRow, i) for i in ids)
        assert with_one is not None and without is not None
        assert [(d.type_code, d.number, d.issuer) for d in with_one.documents] == [
            ("N935", "DOC-N935-1", "Ministry")
        ]
        assert without.documents == []
