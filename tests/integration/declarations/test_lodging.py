"""Lodging: number, channel, assessment, versions, amendment, scoping (both engines)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.declarations import lodging, service
from douane.declarations.model import Declaration, DeclarationType, Regime, Status
from douane.declarations.tables import DeclarationRow, DeclarationVersionRow
from douane.i18n import translate
from douane.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from douane.risk.selection.policy import AMENDED
from tests.integration.declarations.fixtures import Demo, FixedSelectivity, import_declaration, item


def _lodged(ctx: Context, demo: Demo, channel: str = "green") -> int:
    with ctx.db.transaction() as session:
        row = lodging.lodge_new(
            session, ctx.clock, demo.broker, import_declaration(demo.operator_nif),
            selectivity=FixedSelectivity(channel),
        )  # fmt: skip
        return row.id


def test_lodging_registers_numbers_assesses_and_assigns_a_channel(ctx: Context, demo: Demo) -> None:
    first, second = _lodged(ctx, demo), _lodged(ctx, demo, "yellow")
    with ctx.db.transaction() as session:
        one, two = session.get(DeclarationRow, first), session.get(DeclarationRow, second)
        assert one is not None and two is not None
        assert (one.number, two.number) == ("16011/2026/000001", "16011/2026/000002")
        assert one.status == two.status == Status.CHANNEL_ASSIGNED.value
        assert (one.channel, one.inspector_officer_id) == ("green", None)
        assert two.channel == "yellow" and two.inspector_officer_id is not None
        assert one.total_due is not None and one.total_due.amount > 0
        assert one.assessment is not None and len(one.assessment["items"]) == 3
        assert all(i.assessed_taxes is not None for i in one.items)
        assert one.broker_id == demo.broker_id and one.operator_id is not None
        history = [e.action for e in service.history(session, demo.broker, first)]
        assert history[:4] == [
            "declaration.create", "declaration.lodge", "declaration.register", "declaration.assign_channel"
        ]  # fmt: skip


def test_blue_channel_is_flagged_for_post_clearance_audit(ctx: Context, demo: Demo) -> None:
    declaration_id = _lodged(ctx, demo, "blue")
    with ctx.db.transaction() as session:
        row = service.get(session, demo.broker, declaration_id)
        assert row.post_clearance_audit is True and row.inspector_officer_id is None


def test_blocking_findings_refuse_lodging_and_keep_the_draft(ctx: Context, demo: Demo) -> None:
    bad = import_declaration(demo.operator_nif, items=(item(1, amount="100.00", net_mass_kg=Decimal("500")),))
    with ctx.db.transaction() as session:
        draft_id = service.create_draft(session, ctx.clock, demo.broker, bad).id
    with ctx.db.transaction() as session, pytest.raises(service.BlockingFindings) as refused:
        lodging.lodge(session, ctx.clock, demo.broker, draft_id, selectivity=FixedSelectivity())
    assert "declarations.net_mass_above_gross" in {f.code for f in refused.value.findings}
    with ctx.db.transaction() as session:
        row = service.get(session, demo.broker, draft_id)
        assert (row.status, row.number) == (Status.DRAFT.value, None)


def test_a_draft_kept_by_a_bulk_lodging_is_stored_as_a_saved_draft_is(ctx: Context, demo: Demo) -> None:
    bad = import_declaration(demo.operator_nif, items=(item(1, amount="100.00", net_mass_kg=Decimal("500")),))
    with ctx.db.transaction() as session:
        saved_id = service.create_draft(session, ctx.clock, demo.broker, bad).id
        [kept] = lodging.lodge_many(session, ctx.clock, demo.broker, [bad], selectivity=FixedSelectivity())
    assert kept.row is not None and kept.findings and not kept.lodged
    columns = [
        c for c in DeclarationRow.__table__.columns if c.name not in ("id", "created_at", "updated_at")
    ]
    with ctx.db.transaction() as session:
        null_columns = {
            declaration_id: {c.name for c in columns if getattr(row, c.name)}
            for declaration_id, row in (
                (i, session.execute(select(*[c.is_(None).label(c.name) for c in columns]).where(
                    DeclarationRow.id == i)).one()) for i in (saved_id, kept.row.id)
            )
        }  # fmt: skip
        saved, bulk = session.get(DeclarationRow, saved_id), session.get(DeclarationRow, kept.row.id)
        assert saved is not None and bulk is not None
        assert bulk.findings == saved.findings and bulk.status == saved.status == Status.DRAFT.value
    assert null_columns[kept.row.id] == null_columns[saved_id]  # SQL NULL where a saved draft has it


def test_declarations_lodged_together_are_each_their_callers_own(ctx: Context, demo: Demo) -> None:
    """Two firms' requests lodged in one unit of work (the API's shared lodging slot): each declaration is
    its own caller's, audited as theirs, and hidden from the other firm."""
    requests = [
        (demo.broker, [import_declaration(demo.operator_nif)]),
        (demo.other_broker, [import_declaration(demo.operator_nif), import_declaration(demo.operator_nif)]),
    ]
    with ctx.db.transaction() as session:  # red: an inspector is drawn for each, as theirs
        mine, theirs = lodging.lodge_for_each(
            session, ctx.clock, requests, selectivity=FixedSelectivity("red")
        )
    assert [o.index for o in mine] == [0] and [o.index for o in theirs] == [0, 1]
    assert all(o.lodged for o in (*mine, *theirs))
    with ctx.db.transaction() as session:
        for outcomes, actor, broker_id in ((mine, demo.broker, demo.broker_id),
                                           (theirs, demo.other_broker, demo.other_broker_id)):  # fmt: skip
            for outcome in outcomes:
                row = service.get(session, actor, outcome.row.id)  # type: ignore[union-attr]
                assert (row.broker_id, row.declarant_user_id) == (broker_id, actor.user_id)
                events = session.scalars(
                    select(AuditEventRow).where(AuditEventRow.entity_type == "declaration",
                                                AuditEventRow.entity_id == str(row.id))
                ).all()  # fmt: skip
                assert {e.action for e in events} >= {"declaration.create", "declaration.register"}
                assert {e.actor_id for e in events if e.action.startswith("declaration.")} == {actor.user_id}
                [version] = session.scalars(
                    select(DeclarationVersionRow).where(DeclarationVersionRow.declaration_id == row.id)
                ).all()
                assert version.created_by_user_id == actor.user_id
        assert service.search(session, demo.broker)[1] == 1
        assert service.search(session, demo.other_broker)[1] == 2
        with pytest.raises(NotFound):
            service.get(session, demo.broker, theirs[0].row.id)  # type: ignore[union-attr]


def test_amendment_adds_a_version_and_reassesses(ctx: Context, demo: Demo) -> None:
    declaration_id = _lodged(ctx, demo)
    with ctx.db.transaction() as session:
        before = service.get(session, demo.broker, declaration_id).total_due
        original = service.content_of(service.get(session, demo.broker, declaration_id))
    items = (*original.items[:2], replace(original.items[2], invoice_amount=Decimal("4000.00")))
    amended = replace(original, items=items, invoice_total=Decimal("22000.00"))
    with ctx.db.transaction() as session:
        row = service.amend(
            session, ctx.clock, demo.broker, declaration_id, amended, reason="Invoice corrected"
        )
        assert row.current_version == 2 and row.status == Status.CHANNEL_ASSIGNED.value
        assert before is not None and row.total_due is not None and row.total_due.amount > before.amount
    with ctx.db.transaction() as session:
        versions = session.scalars(
            select(DeclarationVersionRow).where(DeclarationVersionRow.declaration_id == declaration_id)
            .order_by(DeclarationVersionRow.version_number)
        ).all()  # fmt: skip
        assert [v.version_number for v in versions] == [1, 2]
        assert versions[0].snapshot["invoice_total"] == "20000"
        assert versions[1].snapshot["invoice_total"] == "22000"
        assert versions[1].reason == "Invoice corrected"


def _cheaper(ctx: Context, demo: Demo, declaration_id: int) -> Declaration:
    with ctx.db.transaction() as session:
        original = service.content_of(service.get(session, demo.broker, declaration_id))
    items = (*original.items[:2], replace(original.items[2], invoice_amount=Decimal("1000.00")))
    return replace(original, items=items, invoice_total=Decimal("19000.00"))


def test_an_amendment_on_the_green_channel_has_its_documents_checked(ctx: Context, demo: Demo) -> None:
    declaration_id = _lodged(ctx, demo, "green")
    amended = _cheaper(ctx, demo, declaration_id)
    with ctx.db.transaction() as session:
        lodging.amend(session, ctx.clock, demo.broker, declaration_id, amended, reason="Invoice corrected")
    with ctx.db.transaction() as session:
        row = service.get_row(session, declaration_id)
        assert (row.status, row.channel, row.channel_source) == ("channel_assigned", "yellow", "amendment")
        assert row.inspector_officer_id is not None and row.inspector_drawn_at is not None  # drawn now
        assert row.channel_reasons is not None
        assert row.channel_reasons[-1] == AMENDED.format(channel="green")  # stored in English, read in words
        raised = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "declaration.channel_raised")
        ).one()
        assert raised.entity_id == str(declaration_id) and raised.detail["from"] == "green"


def test_an_amendment_on_the_red_channel_stays_red(ctx: Context, demo: Demo) -> None:
    declaration_id = _lodged(ctx, demo, "red")
    amended = _cheaper(ctx, demo, declaration_id)
    with ctx.db.transaction() as session:
        lodging.amend(session, ctx.clock, demo.broker, declaration_id, amended, reason="Invoice corrected")
    with ctx.db.transaction() as session:
        assert service.get_row(session, declaration_id).channel == "red"


@pytest.mark.parametrize("change", ["operator", "regime", "type"])
def test_an_amendment_keeps_the_importer_and_the_procedure(ctx: Context, demo: Demo, change: str) -> None:
    declaration_id = _lodged(ctx, demo)
    with ctx.db.transaction() as session:
        original = service.content_of(service.get(session, demo.broker, declaration_id))
    changed = {
        "operator": replace(original, operator_nif=demo.other_operator_nif),
        "regime": replace(original, regime=Regime.IM5),
        "type": replace(original, type=DeclarationType.EXPORT, regime=Regime.EX1),
    }[change]
    with ctx.db.transaction() as session, pytest.raises(InvalidInput) as refused:
        lodging.amend(session, ctx.clock, demo.broker, declaration_id, changed, reason="Wrong importer")
    assert refused.value.code == "declarations.field_fixed"
    with ctx.db.transaction() as session:
        row = service.get_row(session, declaration_id)
        assert (row.operator_nif, row.regime, row.current_version) == (demo.operator_nif, "IM4", 1)


def test_amendment_is_refused_once_under_control(ctx: Context, demo: Demo) -> None:
    declaration_id = _lodged(ctx, demo, "red")
    with ctx.db.transaction() as session:
        row = service.get_row(session, declaration_id)
        service.transition(session, ctx.clock, row, service.Action.TAKE_FOR_CONTROL, by=None)
    with ctx.db.transaction() as session, pytest.raises(Conflict) as refused:
        content = service.content_of(service.get_row(session, declaration_id))
        service.amend(session, ctx.clock, demo.broker, declaration_id, content, reason="Too late")
    assert refused.value.code == "declarations.transition_not_allowed"


def test_another_firm_cannot_see_or_touch_the_declaration(ctx: Context, demo: Demo) -> None:
    declaration_id = _lodged(ctx, demo)
    with ctx.db.transaction() as session:
        with pytest.raises(NotFound) as hidden:
            service.get(session, demo.other_broker, declaration_id)
        assert hidden.value.code == "declarations.not_found"
        assert service.search(session, demo.other_broker)[1] == 0
        assert service.search(session, demo.broker)[1] == 1
        assert service.search(session, demo.trader)[1] == 1  # the trader is the importer
        assert service.search(session, demo.officer)[1] == 1
        with pytest.raises(NotFound):
            service.request_invalidation(session, ctx.clock, demo.other_broker, declaration_id, reason="x")


def test_a_trader_declares_only_under_its_own_nif(ctx: Context, demo: Demo) -> None:
    with ctx.db.transaction() as session, pytest.raises(Forbidden) as refused:
        service.create_draft(session, ctx.clock, demo.trader, import_declaration(demo.other_operator_nif))
    assert refused.value.code == "declarations.not_your_operator"


def test_invalidation_request_is_recorded_once(ctx: Context, demo: Demo) -> None:
    declaration_id = _lodged(ctx, demo)
    with ctx.db.transaction() as session:
        request = service.request_invalidation(
            session, ctx.clock, demo.broker, declaration_id, reason="Goods shipped back"
        )
        assert request.decision == "pending"
    with ctx.db.transaction() as session, pytest.raises(Conflict) as again:
        service.request_invalidation(session, ctx.clock, demo.broker, declaration_id, reason="Again")
    assert again.value.code == "declarations.invalidation_pending"


def test_an_unusually_high_value_per_kilogram_is_lodged_with_a_warning(ctx: Context, demo: Demo) -> None:
    typo = item(1, "8471301000", "90000000000.00", net_mass_kg=Decimal("180"), gross_mass_kg=Decimal("200"))
    usual = item(2, "8450111000", "6000.00")
    total = Decimal("90000006000.00")
    content = import_declaration(demo.operator_nif, items=(typo, usual), invoice_total=total)
    with ctx.db.transaction() as session:
        green = FixedSelectivity("green")
        row = lodging.lodge_new(session, ctx.clock, demo.broker, content, selectivity=green)
        warned = [f for f in row.findings or [] if f["code"] == "declarations.value_unusually_high"]
    assert row.status == Status.CHANNEL_ASSIGNED.value  # a warning: nothing is refused
    assert [(f["path"], f["severity"], f["params"]["item"]) for f in warned] == [
        ("items[0].invoice_amount", "warning", 1)
    ]  # the second item, at 60 EUR a kilogram, is not
    assert translate(warned[0]["message"], "fr", **warned[0]["params"]).startswith("Article 1 : ")
