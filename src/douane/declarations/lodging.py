"""Lodging: a draft lodged, or declarations created and lodged in one step, alone or in a batch.

Lodging checks the content at today's date and assesses it provisionally (no blocking finding may remain),
registers it (OFFICE/YEAR/SEQUENCE, gap-free), asks selectivity for its channel and draws an inspector for
the yellow and red channels. Every step passes the transition table and is audited, in that order.

Gap-free numbers mean one office's registrations queue behind its counter row, locked from the moment a
number is taken until the transaction commits. So everything that can be done before is done before: the
content is checked and assessed in memory, the items, the registered version and the channel decision
are written, and only then are the numbers taken (one counter step per office, offices in code order) and the
last few statements sent. A batch of a hundred costs a handful of statements, not a few per declaration.
The caller owns the transaction and commits right after.

New declarations (`lodge_many`) are built in memory as rows the session never tracks (the ORM unit of
work cost more Python than the rest of lodging together). On PostgreSQL the rows on their way to
registration draw their ids from the sequence; their items, documents, versions, channel decisions and
evaluations are queued (`douane.db.insert_later`) and written before the numbering lock is taken (the
foreign keys of items, documents and versions are checked at commit); then each declaration's row is
written once, numbered, with the audit events and inspector draws, in one last round trip before the
commit (a row inserted early and updated once numbered would cost PostgreSQL every index twice); the
drafts a batch keeps with their findings are written with the items. Where ids come only with an insert
(SQLite), every row is inserted first and the registrations update it. A draft lodged (`lodge`) is a row
the session already tracks and goes through it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from douane.assessment.model import Assessment
from douane.audit import service as audit
from douane.audit.service import ActorRef
from douane.db import (
    Tuples,
    column_values,
    insert_later,
    insert_rows_with_ids,
    reserve_ids,
    set_columns,
    update_later,
    write_pending,
)
from douane.declarations import model, numbering, service
from douane.declarations.model import Action, Channel, Declaration, Finding, Item, Status
from douane.declarations.ports import ChannelDecision, ItemFacts, SelectivityPort, SelectivityRequest
from douane.declarations.service import BlockingFindings, Step
from douane.declarations.tables import (
    DeclarationDocumentRow,
    DeclarationItemRow,
    DeclarationRow,
    DeclarationVersionRow,
)
from douane.identity.model import Actor
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import DouaneError
from douane.kernel.money import Money
from douane.read_cache import reads_cached
from douane.registry import service as registry
from douane.registry.model import PostingRole
from douane.risk.assignment import draw_inspector
from douane.risk.selection.engine import RiskSelectivity
from douane.risk.selection.policy import AMENDED


def default_selectivity() -> SelectivityPort:
    """The risk engine: notices, targeting rules, the active model, exploration and daily capacity; with
    none of them configured, the office's shares drawn at random."""
    return RiskSelectivity()


@dataclass
class LodgingOutcome:
    """One declaration of a batch: lodged (row), kept as a draft with the findings that blocked it, or
    refused before anything was stored (error)."""

    index: int
    row: DeclarationRow | None = None
    findings: list[Finding] = field(default_factory=list)
    error: DouaneError | None = None
    content: Declaration | None = field(default=None, repr=False)
    steps: list[Step] = field(default_factory=list, repr=False)
    decision: ChannelDecision | None = field(default=None, repr=False)
    assessment: Assessment | None = field(default=None, repr=False)
    inserted: bool = field(default=False, repr=False)  # the row is in the database already
    by: ActorRef | None = field(default=None, repr=False)  # who lodges it (audited with each step)

    @cached_property
    def assessed_items(self) -> dict[int, tuple[Money | None, Money | None]]:
        """Each item's assessed customs value and taxes by number (read for its row and for selectivity)."""
        return service.assessed_items(self.assessment)

    @property
    def lodged(self) -> bool:
        return self.row is not None and self.row.status != Status.DRAFT.value

    @property
    def lodging(self) -> bool:
        """Checked and assessed, on its way to registration."""
        return self.row is not None and not self.findings and self.error is None


# --- a draft -----------------------------------------------------------------------------------------


def lodge(
    session: Session,
    clock: Clock,
    actor: Actor,
    declaration_id: int,
    *,
    expected_version: int | None = None,
    selectivity: SelectivityPort | None = None,
) -> DeclarationRow:
    """Lodge a draft: lodged -> registered (number, provisional assessment) -> channel assigned."""
    with reads_cached(session):
        row = service.own(session, actor, declaration_id)
        service.check_version(row, expected_version)
        outcome = LodgingOutcome(
            0, row=row, content=service.content_of(row), inserted=True, by=actor_ref(actor)
        )
        assert outcome.content is not None
        outcome.steps = _check_and_assess(session, clock, actor, outcome)
        service.store_assessment(row, outcome.assessment)
        service.flush_or_conflict(session)
        _register_and_route(session, clock, [outcome], selectivity or default_selectivity())
        service.flush_or_conflict(session)
        write_pending(session)
        return row


def amend(
    session: Session,
    clock: Clock,
    actor: Actor,
    declaration_id: int,
    content: Declaration,
    *,
    reason: str,
    expected_version: int | None = None,
) -> DeclarationRow:
    """The declarant's amendment before control (`service.amend`). A declaration on the green or blue channel
    goes to documentary control (yellow), its inspector drawn: no officer would otherwise see what changed
    after the channel was given, and an amendment must not lower what is due unseen."""
    row = service.amend(
        session, clock, actor, declaration_id, content, reason=reason, expected_version=expected_version
    )
    if row.channel is not None and not model.needs_inspector(Channel(row.channel)):
        _documents_checked_after_amendment(session, clock, row, actor_ref(actor))
    return row


def _documents_checked_after_amendment(
    session: Session, clock: Clock, row: DeclarationRow, by: ActorRef | None
) -> None:
    was = str(row.channel)
    row.channel, row.channel_source = Channel.YELLOW.value, AMENDMENT
    row.channel_reasons = [*(row.channel_reasons or ()), AMENDED.format(channel=was)]
    row.channel_assigned_at = row.updated_at = clock.now()  # post_clearance_audit stays as it was
    events = [
        audit.event_values(
            clock, category=audit.STATE, action="declaration.channel_raised", actor=by,
            entity_type=service.ENTITY, entity_id=row.id, from_state=row.status, to_state=row.status,
            detail={"number": row.number, "from": was, "to": Channel.YELLOW.value, "source": AMENDMENT},
        )
    ]  # fmt: skip
    _draw_inspector_if_needed(session, clock, row, by, events)
    audit.record_later(session, events)
    service.flush_or_conflict(session)
    write_pending(session)


AMENDMENT = "amendment"
"""The source of a channel raised by the declarant's amendment."""


# --- new declarations ------------------------------------------------------------------------------


def lodge_new(
    session: Session,
    clock: Clock,
    actor: Actor,
    content: Declaration,
    *,
    selectivity: SelectivityPort | None = None,
) -> DeclarationRow:
    """Create and lodge one declaration; its error or BlockingFindings are raised (nothing is kept)."""
    outcome = lodge_many(session, clock, actor, [content], selectivity=selectivity)[0]
    if outcome.error is not None:
        raise outcome.error
    if outcome.findings:
        raise BlockingFindings(outcome.findings)
    assert outcome.row is not None
    return service.get_row(session, outcome.row.id)


def lodge_many(
    session: Session,
    clock: Clock,
    actor: Actor,
    contents: Sequence[Declaration],
    *,
    selectivity: SelectivityPort | None = None,
) -> list[LodgingOutcome]:
    """Create and lodge each declaration; one refusal does not stop the others. A declaration with
    blocking findings is kept as a draft (with its id and findings) for the declarant to correct."""
    return lodge_for_each(session, clock, [(actor, contents)], selectivity=selectivity)[0]


def lodge_for_each(
    session: Session,
    clock: Clock,
    requests: Sequence[tuple[Actor, Sequence[Declaration]]],
    *,
    selectivity: SelectivityPort | None = None,
) -> list[list[LodgingOutcome]]:
    """`lodge_many` for several callers at once, in one unit of work: each request's declarations are
    lodged as its actor's, and each request gets its own outcomes (indexed within the request)."""
    for actor, _ in requests:
        service.require_lodge_permission(actor)
    with reads_cached(session), session.no_autoflush:
        per_request = [_prepared_all(session, clock, actor, contents) for actor, contents in requests]
        outcomes = [outcome for group in per_request for outcome in group]
        stored = [o for o in outcomes if o.row is not None]
        _insert_declarations(session, stored)
        audit.record_later(session, [e for o in stored if o.findings for e in _step_events(clock, o)])
        lodging = [o for o in outcomes if o.lodging]
        _register_and_route(session, clock, lodging, selectivity or default_selectivity())
        _write_registrations(session, lodging)
        write_pending(session)  # the registrations, audit events and inspector draws: one round trip
        service.flush_or_conflict(session)  # what else selectivity added (notices matched)
    return per_request


def _prepared_all(
    session: Session, clock: Clock, actor: Actor, contents: Sequence[Declaration]
) -> list[LodgingOutcome]:
    by = actor_ref(actor)
    return [_prepared(session, clock, actor, by, index, content) for index, content in enumerate(contents)]


def _prepared(
    session: Session, clock: Clock, actor: Actor, by: ActorRef | None, index: int, content: Declaration
) -> LodgingOutcome:
    """The outcome with its row built in memory: checked, assessed and lodged, or a draft with findings."""
    outcome = LodgingOutcome(index, by=by)
    try:
        outcome.content = service.declarant_content(session, actor, content)
        outcome.row = service.new_draft_row(session, clock, actor, outcome.content, items=False)
        outcome.steps = [service.created_step(actor)]
        outcome.steps += _check_and_assess(session, clock, actor, outcome)
        service.store_assessment(outcome.row, outcome.assessment, items=False)
    except BlockingFindings as exc:
        outcome.findings = list(exc.findings)
        outcome.row.findings = service.findings_json(exc.findings)  # type: ignore[union-attr]
    except DouaneError as exc:
        outcome.row, outcome.error = None, exc
    return outcome


def _insert_declarations(session: Session, stored: list[LodgingOutcome]) -> None:
    """The new rows get their ids, in the batch's order. On PostgreSQL the ids are drawn from the sequence:
    drafts kept with their findings are queued now, and the rows on their way to registration are written
    once, numbered (`_write_registrations`). Where ids come only with an insert (SQLite) every row is
    inserted now. Their documents and items (each item with its assessed value and taxes) are queued for
    `write_pending`: their foreign keys are checked at commit."""
    reserved = reserve_ids(session, DeclarationRow, len(stored))
    if reserved is None:
        reserved = insert_rows_with_ids(session, DeclarationRow, [column_values(_row(o)) for o in stored])
        for outcome in stored:
            outcome.inserted = True
    for outcome, new_id in zip(stored, reserved, strict=True):
        _row(outcome).id = new_id
    drafts = [o for o in stored if not o.lodging and not o.inserted]
    insert_later(session, DeclarationRow, [{"id": _row(o).id, **column_values(_row(o))} for o in drafts])
    for outcome in drafts:
        outcome.inserted = True
    rows = [o.row for o in stored if o.row is not None]
    documents = [
        {**column_values(document), "declaration_id": row.id}
        for row in rows
        for document in service.documents_of_new_row(row)
    ]
    insert_later(session, DeclarationDocumentRow, documents)
    insert_later(session, DeclarationItemRow, Tuples(ITEM_ROW_COLUMNS, _item_rows(stored)))


def _row(outcome: LodgingOutcome) -> DeclarationRow:
    assert outcome.row is not None
    return outcome.row


ITEM_ROW_COLUMNS = (*service.ITEM_COLUMNS, "declaration_id", "assessed_customs_value", "assessed_taxes")


def _item_rows(stored: list[LodgingOutcome]) -> list[tuple[Any, ...]]:
    """Each item's columns, in the order of ITEM_ROW_COLUMNS, with its assessed value and taxes."""
    rows = []
    for outcome in stored:
        assert outcome.row is not None and outcome.content is not None
        assessed, declaration_id = outcome.assessed_items, outcome.row.id
        for item in outcome.content.items:
            rows.append(
                (*service.item_columns(item), declaration_id, *assessed.get(item.number, NOT_ASSESSED))
            )
    return rows


NOT_ASSESSED = (None, None)


REGISTRATION_COLUMNS = (
    "status", "registration_office", "registration_year", "registration_seq", "number", "channel",
    "channel_source", "channel_reasons", "post_clearance_audit", "channel_assigned_at",
    "inspector_officer_id", "inspector_drawn_at", "updated_at",
)  # fmt: skip


def _write_registrations(session: Session, lodging: list[LodgingOutcome]) -> None:
    """Queue for `write_pending` each new row not written yet, whole and numbered, and the number, channel
    and inspector of those already inserted (the version moves on by one, as every write of a declaration
    does, so a declaration reads at the same version either way)."""
    inserts, updates = [], []
    for outcome in lodging:
        row = outcome.row
        assert row is not None
        set_columns(row, version=row.version + 1)
        if not outcome.inserted:
            inserts.append({"id": row.id, **column_values(row)})
            continue
        updates.append(
            {"id": row.id, "version": row.version, **{n: getattr(row, n) for n in REGISTRATION_COLUMNS}}
        )
    insert_later(session, DeclarationRow, inserts)
    update_later(session, DeclarationRow, updates)


# --- the steps -------------------------------------------------------------------------------------


def _check_and_assess(session: Session, clock: Clock, actor: Actor, outcome: LodgingOutcome) -> list[Step]:
    """No blocking finding at today's date (else BlockingFindings), the provisional assessment kept on the
    outcome, the row lodged and its registration moment fixed."""
    row, content = outcome.row, outcome.content
    assert row is not None and content is not None
    model.next_status(row.status, Action.LODGE)  # a row that cannot be lodged says so before any check
    findings, outcome.assessment = service.checked_assessment(session, content, service.today(clock))
    now = clock.now()
    set_columns(row, findings=service.findings_json(findings), lodged_at=now, registered_at=now)
    return [service.apply_transition(clock, row, Action.LODGE, client_ip=actor.client_ip)]


def _register_and_route(
    session: Session, clock: Clock, lodging: list[LodgingOutcome], selectivity: SelectivityPort
) -> None:
    """Keep each registered version and decide its channel, then (numbering lock from here to the commit)
    number the rows, apply the channels, audit every step in order and draw the inspectors."""
    versions = []
    for outcome in lodging:
        assert outcome.row is not None and outcome.content is not None
        versions.append(service.live_version_values(clock, outcome.row, outcome.by, "lodged"))
        request = _selectivity_request(outcome)
        outcome.decision = selectivity.choose_channel(session, clock, request)
        if model.needs_inspector(Channel(outcome.decision.channel)):
            _inspector_on_duty(session, clock, outcome.row.office_code)  # read before the numbering lock
    insert_later(session, DeclarationVersionRow, versions)
    service.flush_or_conflict(session)
    write_pending(session)  # before the numbering lock: the rows that do not wait for a number
    _register(session, clock, lodging)
    for outcome in lodging:
        _apply_channel(clock, outcome)
    events = [event for o in lodging for event in _step_events(clock, o)]
    for outcome in lodging:
        _draw_inspector_if_needed(session, clock, outcome.row, outcome.by, events)  # type: ignore[arg-type]
    audit.record_later(session, events)


def _register(session: Session, clock: Clock, lodging: list[LodgingOutcome]) -> None:
    """Number the rows office by office (one counter step per office, offices in code order)."""
    by_office: dict[str, list[LodgingOutcome]] = defaultdict(list)
    for outcome in lodging:
        assert outcome.row is not None
        by_office[outcome.row.office_code].append(outcome)
    for office_code in sorted(by_office):
        group = by_office[office_code]
        year = _registration_year(group[0].row)  # type: ignore[arg-type]
        numbers = numbering.take_numbers(session, office_code, year, len(group))
        for outcome, number in zip(group, numbers, strict=True):
            row = outcome.row
            assert row is not None
            set_columns(
                row, registration_office=number.office_code, registration_year=number.year,
                registration_seq=number.sequence, number=str(number),
            )  # fmt: skip
            outcome.steps.append(
                service.apply_transition(clock, row, Action.REGISTER, detail={"number": str(number)})
            )


def _registration_year(row: DeclarationRow) -> int:
    moment: datetime | None = row.registered_at
    assert moment is not None
    return local_date(moment).year


def _apply_channel(clock: Clock, outcome: LodgingOutcome) -> None:
    row, decision = outcome.row, outcome.decision
    assert row is not None and decision is not None
    channel = Channel(decision.channel)
    set_columns(
        row, channel=channel.value, channel_source=decision.source, channel_reasons=list(decision.reasons),
        post_clearance_audit=model.needs_post_clearance_audit(channel), channel_assigned_at=clock.now(),
    )  # fmt: skip
    detail = {"channel": channel.value, "source": decision.source}
    outcome.steps.append(service.apply_transition(clock, row, Action.ASSIGN_CHANNEL, detail=detail))


def _step_events(clock: Clock, outcome: LodgingOutcome) -> list[dict[str, Any]]:
    """The audit events of the outcome's steps, in order (each step is audited once)."""
    assert outcome.row is not None
    events = [service.step_event(clock, outcome.row, step, outcome.by) for step in outcome.steps]
    outcome.steps = []
    return events


def _selectivity_request(outcome: LodgingOutcome) -> SelectivityRequest:
    row, content = outcome.row, outcome.content
    assert row is not None and content is not None and row.registered_at is not None
    assessed = outcome.assessed_items
    return SelectivityRequest(
        declaration_id=row.id, office_code=row.office_code, regime=row.regime, operator_id=row.operator_id,
        broker_id=row.broker_id, item_lines=tuple(i.line_code for i in content.items),
        origin_countries=tuple(sorted({i.origin_country for i in content.items})),
        total_customs_value=row.customs_value, registered_at=row.registered_at,
        declaration_type=content.type.value, operator_nif=content.operator_nif,
        dispatch_country=content.dispatch_country, destination_country=content.destination_country,
        transport_mode=content.transport_mode.value if content.transport_mode else None,
        transport_means=content.transport_means, bill_of_lading=content.bill_of_lading,
        manifest_reference=content.manifest_reference, containers=content.containers,
        incoterm=content.incoterm.value,
        invoice_currency=content.invoice_currency, invoice_total_dzd=_invoice_total_dzd(outcome),
        items=tuple(_item_facts(item, assessed.get(item.number, (None, None))[0]) for item in content.items),
    )  # fmt: skip


def _invoice_total_dzd(outcome: LodgingOutcome) -> Money | None:
    if outcome.assessment is None or outcome.content is None:
        return None
    return Money.of(outcome.content.invoice_total * outcome.assessment.exchange_rate_used).quantized()


def _item_facts(item: Item, customs_value: Money | None) -> ItemFacts:
    return ItemFacts(
        number=item.number, line_code=item.line_code, origin_country=item.origin_country,
        description=item.description, net_mass_kg=item.net_mass_kg, gross_mass_kg=item.gross_mass_kg,
        customs_value_dzd=customs_value, preference=item.preference,
        supplementary_quantity=item.supplementary_quantity, invoice_amount=item.invoice_amount,
    )  # fmt: skip


def _inspector_on_duty(session: Session, clock: Clock, office_code: str) -> bool:
    """Whether the office has an inspector to draw (the pool is shared between units of work)."""
    return bool(registry.draw_pool(session, office_code, PostingRole.INSPECTOR, clock.now()))


def _draw_inspector_if_needed(
    session: Session, clock: Clock, row: DeclarationRow, by: ActorRef | None, events: list[dict[str, Any]]
) -> None:
    """Yellow and red get their inspector now; with nobody on duty the declaration waits and the officer
    side draws later. The audit events join the batch."""
    if row.channel is None or not model.needs_inspector(Channel(row.channel)):
        return
    now = clock.now()
    with session.no_autoflush:  # the pool does not depend on the declarations being written
        if not _inspector_on_duty(session, clock, row.office_code):
            events.append(audit.event_values(
                clock, category=audit.STATE, action="declaration.inspector_pending", actor=by,
                entity_type=service.ENTITY, entity_id=row.id, reason="risk.no_inspector_on_duty",
            ))  # fmt: skip
            return
        draw = draw_inspector(
            session, clock, office_code=row.office_code, subject_kind=service.SUBJECT_KIND,
            subject_id=row.id, on=now, audit_events=events,
        )  # fmt: skip
    set_columns(row, inspector_officer_id=draw.officer_id, inspector_drawn_at=draw.drawn_at)
