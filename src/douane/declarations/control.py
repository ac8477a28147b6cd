"""Officer use cases on a declaration: control, assessment confirmation, settlement, release, exit, the
discharge of a suspensive regime, rejection and invalidation decisions, and the officers' work queues.

Each use case runs in the caller's transaction and does the same five things: checks the permission and
the officer's posting at the declaration's office, checks the client's version (optimistic lock), asks the
lifecycle guard (`model.next_status`), changes the row, and writes one STATE audit event (actor, from, to,
reason).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.audit.service import SYSTEM, ActorRef
from douane.db import fetch_page
from douane.declarations import discharge as discharges
from douane.declarations import model, service
from douane.declarations.events import RegimeDischarged
from douane.declarations.model import (
    Action,
    Channel,
    ControlOutcome,
    DischargeEvidence,
    DiscrepancyType,
    InvalidationDecision,
    Status,
    next_status,
)
from douane.declarations.tables import (
    ControlResultRow,
    DeclarationItemRow,
    DeclarationRow,
    DeclarationVersionRow,
    InvalidationRequestRow,
)
from douane.identity.model import Actor, Permission, Role
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from douane.kernel.events import bus
from douane.kernel.money import Money
from douane.payments import service as payments
from douane.payments.model import AmountDueKind, SettlementStatus
from douane.reference import service as reference
from douane.registry import service as registry
from douane.registry.model import PostingRole
from douane.risk import assignment

ENTITY = "declaration"
P = Permission
INSPECTOR = PostingRole.INSPECTOR.value
LIQUIDATION_INSPECTOR = PostingRole.LIQUIDATION_INSPECTOR.value
CHIEF = PostingRole.OFFICE_CHIEF.value
AMENDABLE_FIELDS = frozenset(
    {
        "line_code", "origin_country", "supplementary_quantity", "supplementary_unit", "net_mass_kg",
        "customs_value_dzd",
    }
)  # fmt: skip
_LINE_CODE = re.compile(r"^[0-9]{10}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_UNIT = re.compile(r"^[\w/²³.-]+( [\w/²³.-]+)*$")
MAX_UNIT_LENGTH = 12  # the item's supplementary_unit column


@dataclass(frozen=True)
class ItemAmendment:
    """An inspector's change to one field of one item, with the reason for it."""

    item: int
    field: str
    value: str
    reason: str


# --- shared steps ----------------------------------------------------------------------------------


def _declaration(session: Session, declaration_id: int) -> DeclarationRow:
    """The declaration, locked for this transaction (PostgreSQL); a draft is the declarant's only."""
    row = service.get_row(session, declaration_id, for_update=True)
    if row.status == Status.DRAFT.value:
        raise NotFound("declarations.not_found", "No such declaration")
    return row


def _require(actor: Actor, *permissions: Permission) -> None:
    if not any(actor.can(p) for p in permissions):
        raise Forbidden(
            "auth.forbidden", "You do not have the permission {permission}", permission=permissions[0].value
        )


def posted_roles(session: Session, clock: Clock, actor: Actor, office_code: str) -> set[str]:
    """The roles the actor holds at that office today (through postings in force)."""
    if actor.officer_id is None:
        return set()
    day = local_date(clock.now())
    return {
        posting.role
        for posting in registry.officer_postings(session, actor.officer_id)
        if posting.office.code == office_code
        and posting.valid_from <= day
        and (posting.valid_to is None or day <= posting.valid_to)
    }


def _require_posted(
    session: Session, clock: Clock, actor: Actor, row: DeclarationRow, roles: frozenset[str]
) -> set[str]:
    """An administrator acts anywhere; an officer must be posted at the declaration's office in a role."""
    if actor.has_role(Role.ADMIN):
        return {CHIEF}
    held = posted_roles(session, clock, actor, row.office_code) & roles
    if not held:
        raise Forbidden(
            "declarations.not_posted_here",
            "You are not posted at office {office} today to do this",
            office=row.office_code,
        )
    return held


def _text(value: str | None, field: str, max_length: int = 2000) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("declarations.reason_required", "A reason is required", field=field)
    if len(text) > max_length:
        raise InvalidInput(
            "declarations.text_too_long",
            "{field} is longer than {max} characters",
            field=field,
            max=max_length,
        )
    return text


def _move(
    session: Session,
    clock: Clock,
    row: DeclarationRow,
    action: Action,
    who: ActorRef | None,
    *,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Status:
    """The declarations service's guarded, audited transition (the flush is the caller's)."""
    return service.transition(
        session,
        clock,
        row,
        action,
        by=who or SYSTEM,
        reason=reason,
        detail={"number": row.number, **(detail or {})},
    )


def registration_date(row: DeclarationRow) -> date:
    """The legally relevant date of a declaration: its registration date (Algerian calendar)."""
    moment = row.registered_at or row.lodged_at or row.created_at
    return local_date(moment)


def _add_version(session: Session, clock: Clock, row: DeclarationRow, who: ActorRef, reason: str) -> int:
    number = row.current_version + 1
    session.add(
        DeclarationVersionRow(
            declaration_id=row.id, version_number=number, created_at=clock.now(), created_by_user_id=who.id,
            created_by_name=who.name, reason=reason, assessment=row.assessment,
            snapshot=model.declaration_to_dict(service.content_of(row)),
        )
    )  # fmt: skip
    row.current_version = number
    return number


# --- item amendments ------------------------------------------------------------------------------------


MAX_AMENDED_NUMBER = Decimal(10) ** 14
"""The largest amount or mass an amendment may give (the declaration form's own bound)."""


AMENDED_PLACES = {"customs_value_dzd": 2, "net_mass_kg": 3, "supplementary_quantity": 3}
"""The decimal places each amended number may have, as the declaration form takes it."""
MUST_BE_POSITIVE = frozenset({"net_mass_kg"})
_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")


def _decimal(value: str, field: str, item: int) -> Decimal:
    """A number as an amendment gives it: ASCII digits and a point, no sign, no exponent, no more places than
    the field keeps (the pages have read the user's own way of writing it already)."""
    text = value.strip()
    if text[:1] == "-" and _PLAIN_DECIMAL.fullmatch(text[1:]):
        raise InvalidInput(
            "declarations.invalid_amendment", "Item {item}: {field} must be zero or more", item=item,
            field=field,
        )  # fmt: skip
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise InvalidInput(
            "declarations.invalid_amendment", "Item {item}: {field} is not a number", item=item, field=field
        )
    number, places = Decimal(text), AMENDED_PLACES.get(field, 3)
    if -number.normalize().as_tuple().exponent > places:  # type: ignore[operator]  # finite: an int
        raise InvalidInput(
            "declarations.invalid_amendment", "Item {item}: {field} has at most {places} decimals", item=item,
            field=field, places=places,
        )  # fmt: skip
    if number == 0 and field in MUST_BE_POSITIVE:
        raise InvalidInput(
            "declarations.invalid_amendment", "Item {item}: {field} must be more than zero", item=item,
            field=field,
        )  # fmt: skip
    if number > MAX_AMENDED_NUMBER:
        raise InvalidInput(
            "declarations.invalid_amendment", "Item {item}: {field} may not exceed {max}", item=item,
            field=field, max="100 000 000 000 000",
        )  # fmt: skip
    return number


def _new_value(session: Session, row: DeclarationRow, amendment: ItemAmendment) -> Any:
    field, value, number = amendment.field, amendment.value.strip(), amendment.item
    if field == "line_code":
        if not _LINE_CODE.match(value):
            raise InvalidInput(
                "declarations.invalid_amendment", "Item {item}: a tariff line has 10 digits", item=number,
                field=field,
            )  # fmt: skip
        reference.tariff_line_at(session, value, registration_date(row))
        return value
    if field == "origin_country":
        code = value.upper()
        if not _COUNTRY.match(code):
            raise InvalidInput(
                "declarations.invalid_amendment", "Item {item}: a country is a 2-letter code", item=number,
                field=field,
            )  # fmt: skip
        try:
            reference.country(code)
        except NotFound as exc:
            raise InvalidInput(
                "declarations.invalid_amendment", "Item {item}: {country} is no ISO 3166 country code",
                item=number, field=field, country=code,
            ) from exc  # fmt: skip
        return code
    if field == "supplementary_unit":
        return _unit(value, number)
    return _decimal(value, field, number)


def _unit(value: str, item: int) -> str:
    """A supplementary unit as the tariff and the engine spell them: "l", "hl", "u", "p/st", "m²"."""
    if len(value) > MAX_UNIT_LENGTH or not _UNIT.match(value):
        raise InvalidInput(
            "declarations.invalid_amendment",
            "Item {item}: a supplementary unit is a short code such as l, hl, u or m2", item=item,
            field="supplementary_unit",
        )  # fmt: skip
    return value


def _apply(session: Session, row: DeclarationRow, amendment: ItemAmendment) -> dict[str, Any]:
    if amendment.field not in AMENDABLE_FIELDS:
        raise InvalidInput(
            "declarations.field_not_amendable",
            "An inspector may not amend {field}",
            field=amendment.field[:40],
        )
    items = {item.number: item for item in row.items}
    item: DeclarationItemRow | None = items.get(amendment.item)
    if item is None:
        raise InvalidInput("declarations.no_such_item", "There is no item {item}", item=amendment.item)
    reason = _text(amendment.reason, f"items[{amendment.item}].reason", 500)
    new = _new_value(session, row, amendment)
    old = getattr(item, amendment.field)
    if old is None and amendment.field == "customs_value_dzd" and item.assessed_customs_value is not None:
        old = item.assessed_customs_value.amount  # the value assessed from the invoice: what customs changed
    if amendment.field == "net_mass_kg" and new > item.gross_mass_kg:
        raise InvalidInput(
            "declarations.net_mass_above_gross", "Item {item}: the net mass exceeds the gross mass",
            item=amendment.item,
        )  # fmt: skip
    setattr(item, amendment.field, new)
    return {
        "item": amendment.item, "field": amendment.field,
        "from": None if old is None else str(old), "to": str(new), "reason": reason,
    }  # fmt: skip


# --- use cases ---------------------------------------------------------------------------------------------


def take_for_control(
    session: Session, clock: Clock, declaration_id: int, *, by: Actor, expected_version: int | None = None
) -> DeclarationRow:
    """The inspector drawn for this declaration (or the office chief) starts its control."""
    _require(by, P.DECLARATIONS_CONTROL, P.DECLARATIONS_APPROVE)
    row = _declaration(session, declaration_id)
    held = _require_posted(session, clock, by, row, frozenset({INSPECTOR, CHIEF}))
    next_status(row.status, Action.TAKE_FOR_CONTROL, channel=row.channel)
    if CHIEF not in held and row.inspector_officer_id != by.officer_id:
        raise Forbidden(
            "declarations.not_drawn_inspector", "Only the inspector drawn for this declaration may control it"
        )
    service.check_version(row, expected_version)
    detail = {"channel": row.channel, "inspector_officer_id": row.inspector_officer_id}
    if row.inspector_officer_id != by.officer_id and by.officer_id is not None:
        detail["taken_by_officer_id"] = by.officer_id
    _move(session, clock, row, Action.TAKE_FOR_CONTROL, actor_ref(by), detail=detail)
    service.flush_or_conflict(session)
    return row


def draw_inspector(
    session: Session, clock: Clock, declaration_id: int, *, by: Actor, expected_version: int | None = None
) -> DeclarationRow:
    """The office chief has an inspector drawn (none was on duty at lodging) or redrawn (the one drawn is
    unavailable: excluded from the new draw). Only before the control starts."""
    _require(by, P.DECLARATIONS_APPROVE)
    row = _declaration(session, declaration_id)
    _require_posted(session, clock, by, row, frozenset({CHIEF}))
    service.check_version(row, expected_version)
    next_status(row.status, Action.TAKE_FOR_CONTROL, channel=row.channel)
    previous = row.inspector_officer_id
    draw = assignment.draw_inspector(
        session, clock, office_code=row.office_code, subject_kind=ENTITY, subject_id=row.id, on=clock.now(),
        exclude_officer_ids=() if previous is None else (previous,), by=by,
    )  # fmt: skip
    row.inspector_officer_id, row.inspector_drawn_at = draw.officer_id, draw.drawn_at
    row.updated_at = clock.now()
    audit.record(
        session, clock, category=audit.STATE, action="declaration.inspector_redrawn", actor=actor_ref(by),
        entity_type=ENTITY, entity_id=row.id, from_state=row.status, to_state=row.status,
        detail={"number": row.number, "previous_officer_id": previous, "officer_id": draw.officer_id},
    )  # fmt: skip
    service.flush_or_conflict(session)
    return row


def _check_may_record(session: Session, clock: Clock, row: DeclarationRow, by: Actor) -> None:
    held = _require_posted(session, clock, by, row, frozenset({INSPECTOR, CHIEF}))
    if CHIEF not in held and row.inspector_officer_id != by.officer_id:
        raise Forbidden(
            "declarations.not_drawn_inspector", "Only the inspector drawn for this declaration may control it"
        )


def _outcome(
    outcome: str, discrepancy: str | None, amendments: Sequence[ItemAmendment]
) -> tuple[str, str | None]:
    try:
        result = ControlOutcome(outcome)
        kind = None if discrepancy is None else DiscrepancyType(discrepancy)
    except ValueError as exc:
        raise InvalidInput(
            "declarations.invalid_control_result", "Unknown control outcome or discrepancy type"
        ) from exc
    if result is ControlOutcome.DISCREPANCY and kind is None:
        raise InvalidInput(
            "declarations.discrepancy_type_required", "Say which kind of discrepancy was found"
        )
    if result is ControlOutcome.NO_DISCREPANCY and (kind is not None or amendments):
        raise InvalidInput(
            "declarations.no_discrepancy_with_changes",
            "A control without discrepancy neither names a discrepancy nor amends items",
        )
    return result.value, None if kind is None else kind.value


def record_control_result(
    session: Session,
    clock: Clock,
    declaration_id: int,
    *,
    by: Actor,
    outcome: str,
    discrepancy_type: str | None = None,
    notes: str | None = None,
    amendments: Sequence[ItemAmendment] = (),
    expected_version: int | None = None,
) -> ControlResultRow:
    """Record what the control found; amended items make a new version and the assessment is recomputed."""
    _require(by, P.DECLARATIONS_CONTROL, P.DECLARATIONS_APPROVE)
    row = _declaration(session, declaration_id)
    next_status(row.status, Action.RECORD_CONTROL, channel=row.channel)
    _check_may_record(session, clock, row, by)
    service.check_version(row, expected_version)
    result_outcome, kind = _outcome(outcome, discrepancy_type, amendments)
    who = actor_ref(by) or SYSTEM
    if amendments:
        service.keep_live_version(session, row)
    changes = [_apply(session, row, amendment) for amendment in amendments]
    before_total = row.total_due
    detail: dict[str, Any] = {"outcome": result_outcome, "discrepancy_type": kind}
    if changes:
        service.reassess(session, clock, row, by=who)
        reasons = "; ".join(f"item {c['item']} {c['field']}: {c['reason']}" for c in changes)
        detail["content_version"] = _add_version(session, clock, row, who, reasons)
        detail["total_due"] = {
            "from": None if before_total is None else str(before_total.amount),
            "to": None if row.total_due is None else str(row.total_due.amount),
        }
    result = ControlResultRow(
        declaration_id=row.id, inspector_officer_id=by.officer_id, inspector_user_id=by.user_id,
        inspector_name=by.username, recorded_at=clock.now(), outcome=result_outcome, discrepancy_type=kind,
        notes=(notes or "").strip()[:4000] or None, item_amendments=changes or None,
    )  # fmt: skip
    session.add(result)
    _move(session, clock, row, Action.RECORD_CONTROL, who, reason=result.notes, detail=detail)
    service.flush_or_conflict(session)
    return result


def control_results(session: Session, declaration_id: int) -> list[ControlResultRow]:
    query = select(ControlResultRow).where(ControlResultRow.declaration_id == declaration_id)
    return list(session.scalars(query.order_by(ControlResultRow.id)))


def _has_control_result(session: Session, declaration_id: int) -> bool:
    query = select(ControlResultRow.id).where(ControlResultRow.declaration_id == declaration_id).limit(1)
    return session.scalar(query) is not None


def _tax_lines(result: Any) -> list[tuple[str, Money]]:
    """Amounts due per tax code from the assessment (None for an export: nothing to pay)."""
    if result is None:
        return []
    taxes: dict[str, Money] = result.taxes_by_code
    return [(code, amount) for code, amount in taxes.items() if amount.amount > 0]


def confirm_assessment(
    session: Session, clock: Clock, declaration_id: int, *, by: Actor, expected_version: int | None = None
) -> DeclarationRow:
    """The liquidation inspector confirms the duties and taxes; the amount due opens at the cashier.

    Green and blue declarations come here straight from channel assignment, yellow and red after a control
    result. A total of zero is settled at once. Under a suspensive regime (IM5, IM7, TR) the amount opens
    as suspended: a guarantee must cover it, it is never paid, and the breakdown says so.
    """
    _require(by, P.DECLARATIONS_ASSESS)
    row = _declaration(session, declaration_id)
    _require_posted(session, clock, by, row, frozenset({LIQUIDATION_INSPECTOR}))
    service.check_version(row, expected_version)
    if row.status == Status.UNDER_CONTROL.value and not _has_control_result(session, row.id):
        raise Conflict(
            "declarations.control_not_recorded", "The inspector has not recorded the control result"
        )
    stored_total = row.total_due
    who = actor_ref(by) or SYSTEM
    result = service.reassess(session, clock, row, by=who)
    total = row.total_due or Money.zero()
    suspended = model.duties_suspended(row.regime)  # the reassessed breakdown already says so
    detail: dict[str, Any] = {"total_due": str(total.amount), "duties_suspended": suspended}
    if stored_total is not None and stored_total != total:
        detail["stored_total"] = str(stored_total.amount)
    _move(session, clock, row, Action.CONFIRM_ASSESSMENT, who, detail=detail)
    row.assessed_at = clock.now()
    row.assessment_confirmed = True
    service.flush_or_conflict(session)
    lines = _tax_lines(result)
    if lines:
        payments.open_amount_due(
            session, clock, subject_kind=ENTITY, subject_id=row.id,
            subject_reference=row.number or str(row.id), office_code=row.office_code,
            operator_id=row.operator_id, broker_id=row.broker_id, lines=lines, by=who,
            kind=AmountDueKind.SUSPENDED if suspended else AmountDueKind.PAYMENT,
        )  # fmt: skip
    else:
        _move(session, clock, row, Action.SETTLE_PAID, SYSTEM, reason="nothing to pay")
        row.settled_at = clock.now()
        service.flush_or_conflict(session)
    return row


def record_settlement(session: Session, clock: Clock, declaration_id: int, how: str, who: ActorRef) -> None:
    """Payments announced the amount due paid or guaranteed: assessed -> paid or guaranteed."""
    row = session.get(DeclarationRow, declaration_id)
    if row is None:
        raise NotFound("declarations.not_found", "No such declaration")
    action = Action.SETTLE_PAID if how == "paid" else Action.SETTLE_GUARANTEED
    _move(session, clock, row, action, who)
    row.settled_at = clock.now()
    service.flush_or_conflict(session)


def _check_settled(session: Session, row: DeclarationRow) -> None:
    settlement = payments.settlement_of(session, ENTITY, row.id)
    nothing_due = settlement.status is SettlementStatus.NONE and row.status == Status.PAID.value
    if settlement.suspended and not settlement.settled:
        raise Conflict(
            "declarations.not_guaranteed",
            "The goods cannot be released before a guarantee covers the suspended duties and taxes "
            "({outstanding} DZD)",
            outstanding=str(settlement.outstanding.amount),
        )
    if not (settlement.settled or nothing_due):
        raise Conflict(
            "declarations.not_settled",
            "The goods cannot be released before the duties and taxes are paid or guaranteed "
            "({outstanding} DZD outstanding)",
            outstanding=str(settlement.outstanding.amount),
        )


def release(
    session: Session, clock: Clock, declaration_id: int, *, by: Actor, expected_version: int | None = None
) -> DeclarationRow:
    """Release the goods once paid or guaranteed; a blue-channel declaration is flagged for later audit."""
    _require(by, P.DECLARATIONS_RELEASE)
    row = _declaration(session, declaration_id)
    _require_posted(session, clock, by, row, frozenset({INSPECTOR, CHIEF}))
    service.check_version(row, expected_version)
    if row.status in (Status.ASSESSED.value, Status.PAID.value, Status.GUARANTEED.value):
        _check_settled(session, row)
    post_clearance = row.channel is not None and model.needs_post_clearance_audit(Channel(row.channel))
    _move(
        session, clock, row, Action.RELEASE, actor_ref(by),
        detail={"post_clearance_audit": post_clearance},
    )  # fmt: skip
    row.released_at = clock.now()
    row.post_clearance_audit = row.post_clearance_audit or post_clearance
    service.flush_or_conflict(session)
    return row


def record_exit(
    session: Session, clock: Clock, declaration_id: int, *, by: Actor, expected_version: int | None = None
) -> DeclarationRow:
    """The released goods left the customs area."""
    _require(by, P.DECLARATIONS_RELEASE)
    row = _declaration(session, declaration_id)
    _require_posted(session, clock, by, row, frozenset({INSPECTOR, CHIEF}))
    service.check_version(row, expected_version)
    _move(session, clock, row, Action.RECORD_EXIT, actor_ref(by))
    row.exited_at = clock.now()
    service.flush_or_conflict(session)
    return row


def discharge(
    session: Session,
    clock: Clock,
    declaration_id: int,
    *,
    by: Actor,
    evidence: DischargeEvidence,
    reason: str,
    expected_version: int | None = None,
) -> DeclarationRow:
    """End the suspensive regime (IM5, IM7, TR) of released goods: re-exported, released for free circulation
    or arrived at the office of destination. Payments hear `RegimeDischarged` in this transaction: the
    suspended duties stop being owed and the guarantee's cover for them is freed."""
    _require(by, P.DECLARATIONS_DISCHARGE)
    row = _declaration(session, declaration_id)
    _require_posted(session, clock, by, row, frozenset({INSPECTOR, CHIEF}))
    service.check_version(row, expected_version)
    if row.status == Status.DISCHARGED.value:
        raise Conflict(
            "declarations.already_discharged", "The regime of this declaration is already discharged"
        )
    next_status(row.status, Action.DISCHARGE, channel=row.channel, regime=row.regime)
    why = _text(reason, "reason")
    ending = discharges.checked_evidence(session, clock, row, evidence)
    record = discharges.record(session, clock, row, evidence, ending, reason=why, by=by)
    detail = discharges.audit_detail(record)
    _move(session, clock, row, Action.DISCHARGE, actor_ref(by), reason=why, detail=detail)
    service.flush_or_conflict(session)
    event = RegimeDischarged(
        subject_kind=ENTITY, subject_id=row.id, reference=row.number or str(row.id),
        method=evidence.method.value, at=clock.now(), discharged_by=actor_ref(by),
    )  # fmt: skip
    bus.publish(session, clock, event)
    return row


def _cancel_amount_due(
    session: Session, clock: Clock, row: DeclarationRow, reason: str, who: ActorRef
) -> None:
    settlement = service.check_nothing_paid(session, row)
    if settlement.status is SettlementStatus.OPEN:
        payments.cancel_amount_due(session, clock, ENTITY, row.id, reason=reason, by=who)


def reject(
    session: Session,
    clock: Clock,
    declaration_id: int,
    *,
    by: Actor,
    reason: str,
    expected_version: int | None = None,
) -> DeclarationRow:
    """An inspector or the office chief rejects the declaration, with a reason the declarant sees."""
    _require(by, P.DECLARATIONS_CONTROL, P.DECLARATIONS_APPROVE)
    row = _declaration(session, declaration_id)
    _require_posted(session, clock, by, row, frozenset({INSPECTOR, CHIEF}))
    service.check_version(row, expected_version)
    why = _text(reason, "reason")
    who = actor_ref(by) or SYSTEM
    _move(session, clock, row, Action.REJECT, who, reason=why)
    _cancel_amount_due(session, clock, row, why, who)
    row.rejection_reason = why
    row.closed_at = clock.now()
    service.flush_or_conflict(session)
    return row


def pending_invalidation(session: Session, declaration_id: int) -> InvalidationRequestRow:
    request = service.pending_invalidation(session, declaration_id)
    if request is None:
        raise Conflict(
            "declarations.no_pending_invalidation", "No invalidation request is waiting for a decision"
        )
    return request


def _decide(
    request: InvalidationRequestRow, clock: Clock, by: Actor, decision: InvalidationDecision, note: str | None
) -> None:
    request.decision = decision.value
    request.decided_by_user_id = by.user_id
    request.decided_by_name = by.username
    request.decided_at = clock.now()
    request.decision_note = note


def approve_invalidation(
    session: Session,
    clock: Clock,
    declaration_id: int,
    *,
    by: Actor,
    note: str | None = None,
    expected_version: int | None = None,
) -> DeclarationRow:
    """The office chief grants the declarant's request: the declaration is invalidated (never once paid)."""
    _require(by, P.DECLARATIONS_APPROVE)
    row = _declaration(session, declaration_id)
    _require_posted(session, clock, by, row, frozenset({CHIEF}))
    service.check_version(row, expected_version)
    request = pending_invalidation(session, row.id)
    who = actor_ref(by) or SYSTEM
    _move(
        session, clock, row, Action.APPROVE_INVALIDATION, who, reason=request.reason,
        detail={"request_id": request.id, "note": note},
    )  # fmt: skip
    _cancel_amount_due(session, clock, row, request.reason, who)
    _decide(request, clock, by, InvalidationDecision.APPROVED, (note or "").strip() or None)
    row.closed_at = clock.now()
    service.flush_or_conflict(session)
    return row


def refuse_invalidation(
    session: Session,
    clock: Clock,
    declaration_id: int,
    *,
    by: Actor,
    reason: str,
    expected_version: int | None = None,
) -> DeclarationRow:
    """The office chief refuses the declarant's request, saying why; the declaration carries on."""
    _require(by, P.DECLARATIONS_APPROVE)
    row = _declaration(session, declaration_id)
    _require_posted(session, clock, by, row, frozenset({CHIEF}))
    service.check_version(row, expected_version)
    request = pending_invalidation(session, row.id)
    why = _text(reason, "reason")
    _decide(request, clock, by, InvalidationDecision.REFUSED, why)
    row.updated_at = clock.now()
    audit.record(
        session, clock, category=audit.STATE, action="declaration.refuse_invalidation", actor=actor_ref(by),
        entity_type=ENTITY, entity_id=row.id, from_state=row.status, to_state=row.status, reason=why,
        detail={"number": row.number, "request_id": request.id},
    )  # fmt: skip
    service.flush_or_conflict(session)
    return row


# --- queues --------------------------------------------------------------------------------------


QUEUE_ORDER = (DeclarationRow.registered_at, DeclarationRow.id)
"""Oldest registration first: officers work a queue in arrival order."""


def inspector_queue(
    session: Session, office_code: str | None, officer: Actor, *, offset: int = 0, limit: int = 50
) -> tuple[list[DeclarationRow], int]:
    """Declarations drawn to this inspector, waiting to be taken or under control."""
    if officer.officer_id is None:
        return [], 0
    query = select(DeclarationRow).where(
        DeclarationRow.inspector_officer_id == officer.officer_id,
        DeclarationRow.status.in_([Status.CHANNEL_ASSIGNED.value, Status.UNDER_CONTROL.value]),
    )
    if office_code:
        query = query.where(DeclarationRow.office_code == office_code)
    return fetch_page(session, query, QUEUE_ORDER, offset, limit)


def liquidation_queue(
    session: Session, office_code: str | None, *, offset: int = 0, limit: int = 50
) -> tuple[list[DeclarationRow], int]:
    """Declarations whose assessment waits for confirmation: green/blue ones, and controlled ones."""
    controlled = exists().where(ControlResultRow.declaration_id == DeclarationRow.id)
    uncontrolled = [c.value for c in model.UNCONTROLLED_CHANNELS]
    query = select(DeclarationRow).where(
        or_(
            (DeclarationRow.status == Status.CHANNEL_ASSIGNED.value)
            & DeclarationRow.channel.in_(uncontrolled),
            (DeclarationRow.status == Status.UNDER_CONTROL.value) & controlled,
        )
    )
    if office_code:
        query = query.where(DeclarationRow.office_code == office_code)
    return fetch_page(session, query, QUEUE_ORDER, offset, limit)


def invalidation_queue(
    session: Session, office_code: str | None, *, offset: int = 0, limit: int = 50
) -> tuple[list[DeclarationRow], int]:
    """Declarations whose declarant asked for their invalidation and waits for the office chief's decision."""
    pending = exists().where(
        InvalidationRequestRow.declaration_id == DeclarationRow.id,
        InvalidationRequestRow.decision == model.InvalidationDecision.PENDING.value,
    )
    query = select(DeclarationRow).where(pending)
    if office_code:
        query = query.where(DeclarationRow.office_code == office_code)
    return fetch_page(session, query, QUEUE_ORDER, offset, limit)


def get_for_officer(session: Session, declaration_id: int) -> DeclarationRow:
    return _declaration(session, declaration_id)
