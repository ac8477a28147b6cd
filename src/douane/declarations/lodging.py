"""Lodging: a draft lodged, or declarations created and lodged in one step, alone or in a batch.

Lodging checks the content at today's date and assesses it provisionally (no blocking finding may remain),
registers it (OFFICE/YEAR/SEQUENCE, gap-free), asks selectivity for its channel and draws an inspector for
the yellow and red channels. Every step passes the transition table and is audited.

New declarations are checked, assessed and numbered in memory and written together, so a batch of a
hundred costs a handful of statements rather than a few dozen per declaration. A batch takes each office's
numbers in one counter step, offices in code order (locks in key order). The caller owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.audit.service import ActorRef
from douane.declarations import model, numbering, service
from douane.declarations.model import Action, Channel, Declaration, Finding, Status
from douane.declarations.ports import ChannelDecision, SelectivityPort, SelectivityRequest
from douane.declarations.service import BlockingFindings, Step
from douane.declarations.tables import DeclarationRow
from douane.identity.model import Actor
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import DouaneError
from douane.read_cache import reads_cached
from douane.registry import service as registry
from douane.registry.model import PostingRole
from douane.risk.assignment import draw_inspector
from douane.risk.selectivity import DefaultSelectivity


def default_selectivity() -> SelectivityPort:
    """The risk context's default engine (shares per channel and office, drawn at random)."""
    return DefaultSelectivity()


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

    @property
    def lodged(self) -> bool:
        return self.row is not None and self.row.status != Status.DRAFT.value


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
        content = service.content_of(row)
        steps = _check_and_assess(session, clock, actor, row, content)
        _register(session, clock, [(row, steps)])
        by = actor_ref(actor)
        for step in steps:
            service.audit_step(session, clock, row, step, by)
        _channel_and_inspector(session, clock, [(row, content)], selectivity or default_selectivity(), by)
        service.flush_or_conflict(session)
        return row


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
    return outcome.row


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
    service.require_lodge_permission(actor)
    with reads_cached(session):
        outcomes = [
            _prepared(session, clock, actor, index, content) for index, content in enumerate(contents)
        ]
        lodging = [o for o in outcomes if o.row is not None and not o.findings]
        _register(session, clock, [(o.row, o.steps) for o in lodging if o.row is not None])
        stored = [o for o in outcomes if o.row is not None]
        session.add_all([o.row for o in stored])
        service.flush_or_conflict(session)  # the rows get their ids; the audit events can name them
        by = actor_ref(actor)
        for outcome in stored:
            for step in outcome.steps:
                service.audit_step(session, clock, outcome.row, step, by)  # type: ignore[arg-type]
        engine = selectivity or default_selectivity()
        pairs = [(o.row, o.content) for o in lodging if o.row is not None and o.content is not None]
        _channel_and_inspector(session, clock, pairs, engine, by)
        service.flush_or_conflict(session)
    return outcomes


def _prepared(
    session: Session, clock: Clock, actor: Actor, index: int, content: Declaration
) -> LodgingOutcome:
    """The outcome with its row built in memory: checked, assessed and lodged, or a draft with findings."""
    outcome = LodgingOutcome(index)
    try:
        content = service.declarant_content(session, actor, content)
        row = service.new_draft_row(session, clock, actor, content)
        steps = [service.created_step(actor)]
        steps += _check_and_assess(session, clock, actor, row, content)
    except BlockingFindings as exc:
        outcome.row, outcome.content, outcome.findings = row, content, list(exc.findings)
        outcome.steps = [service.created_step(actor)]
        row.findings = service.findings_json(exc.findings)
    except DouaneError as exc:
        outcome.error = exc
    else:
        outcome.row, outcome.content, outcome.steps = row, content, steps
    return outcome


# --- the steps -------------------------------------------------------------------------------------


def _check_and_assess(
    session: Session, clock: Clock, actor: Actor, row: DeclarationRow, content: Declaration
) -> list[Step]:
    """No blocking finding at today's date (else BlockingFindings), the provisional assessment stored,
    the row lodged."""
    model.next_status(row.status, Action.LODGE)  # a row that cannot be lodged says so before any check
    findings, assessment = service.checked_assessment(session, content, service.today(clock))
    row.findings = service.findings_json(findings)
    row.lodged_at = clock.now()
    service.store_assessment(row, assessment)
    return [service.apply_transition(clock, row, Action.LODGE, client_ip=actor.client_ip)]


def _register(session: Session, clock: Clock, lodged: list[tuple[DeclarationRow, list[Step]]]) -> None:
    """Number the rows office by office (one counter step per office, offices in code order)."""
    now = clock.now()
    year = local_date(now).year
    by_office: dict[str, list[tuple[DeclarationRow, list[Step]]]] = defaultdict(list)
    for row, steps in lodged:
        by_office[row.office_code].append((row, steps))
    for office_code in sorted(by_office):
        group = by_office[office_code]
        numbers = numbering.take_numbers(session, office_code, year, len(group))
        for (row, steps), number in zip(group, numbers, strict=True):
            row.registration_office, row.registration_year = number.office_code, number.year
            row.registration_seq, row.number, row.registered_at = number.sequence, str(number), now
            steps.append(
                service.apply_transition(clock, row, Action.REGISTER, detail={"number": str(number)})
            )


def _channel_and_inspector(
    session: Session,
    clock: Clock,
    lodged: list[tuple[DeclarationRow, Declaration]],
    selectivity: SelectivityPort,
    by: ActorRef | None,
) -> None:
    """Keep each registered version, then choose its channel (and its inspector for yellow and red)."""
    for row, content in lodged:
        service.snapshot(session, clock, row, by, "lodged", content)
        _assign_channel(session, clock, row, selectivity, by)


def _selectivity_request(row: DeclarationRow) -> SelectivityRequest:
    assert row.registered_at is not None
    return SelectivityRequest(
        declaration_id=row.id, office_code=row.office_code, regime=row.regime, operator_id=row.operator_id,
        broker_id=row.broker_id, item_lines=tuple(i.line_code for i in row.items),
        origin_countries=tuple(sorted({i.origin_country for i in row.items})),
        total_customs_value=row.customs_value, registered_at=row.registered_at,
    )  # fmt: skip


def _assign_channel(
    session: Session, clock: Clock, row: DeclarationRow, selectivity: SelectivityPort, by: ActorRef | None
) -> ChannelDecision:
    decision = selectivity.choose_channel(session, clock, _selectivity_request(row))
    channel = Channel(decision.channel)
    row.channel, row.channel_source = channel.value, decision.source
    row.channel_reasons = list(decision.reasons)
    row.post_clearance_audit = model.needs_post_clearance_audit(channel)
    row.channel_assigned_at = clock.now()
    service.transition(
        session, clock, row, Action.ASSIGN_CHANNEL, by=by,
        detail={"channel": channel.value, "source": decision.source},
    )  # fmt: skip
    if model.needs_inspector(channel):
        _draw_inspector(session, clock, row, by)
    return decision


def _draw_inspector(session: Session, clock: Clock, row: DeclarationRow, by: ActorRef | None) -> None:
    """Draw the inspector now; with nobody on duty the declaration waits and the officer side draws later."""
    now = clock.now()
    with session.no_autoflush:  # the roster does not depend on the declarations being written
        if not registry.roster(session, row.office_code, PostingRole.INSPECTOR, now):
            audit.record(
                session, clock, category=audit.STATE, action="declaration.inspector_pending", actor=by,
                entity_type=service.ENTITY, entity_id=row.id, reason="risk.no_inspector_on_duty",
            )  # fmt: skip
            return
        draw = draw_inspector(
            session, clock, office_code=row.office_code, subject_kind=service.SUBJECT_KIND,
            subject_id=row.id, on=now,
        )  # fmt: skip
    row.inspector_officer_id, row.inspector_drawn_at = draw.officer_id, draw.drawn_at
