"""Payments use cases. Every function takes the caller's session; the caller owns the transaction.

Public face for other contexts: `open_amount_due`, `cancel_amount_due`, `settlement_of`, and the
`AmountDueSettled` event (douane.payments.events) published when an amount due is paid or guaranteed.
`discharge_suspended` answers the declarations' `RegimeDischarged` (douane.payments.subscriptions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from douane.audit import service as audit
from douane.audit.service import ActorRef
from douane.db import advance_counter, fetch_page
from douane.identity import service as identity
from douane.identity.model import OFFICER_ROLES, Actor, Role
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from douane.kernel.events import bus
from douane.kernel.money import Money
from douane.payments import model
from douane.payments.events import AmountDueSettled
from douane.payments.model import (
    AmountDueKind,
    AmountDueStatus,
    GuaranteeKind,
    GuaranteeStatus,
    PaymentMethod,
    Settlement,
)
from douane.payments.tables import (
    AmountDueLineRow,
    AmountDueRow,
    GuaranteeAllocationRow,
    GuaranteeRow,
    PaymentRow,
    ReceiptSequenceRow,
)
from douane.registry import service as registry
from douane.registry.model import PostingRole

SUBJECT_KINDS = frozenset({"declaration"})
COLLECTING_ROLES = frozenset({PostingRole.CASHIER.value})
GUARANTEE_ROLES = frozenset({PostingRole.CASHIER.value, PostingRole.OFFICE_CHIEF.value})


@dataclass(frozen=True)
class PaymentOutcome:
    payment: PaymentRow
    replayed: bool  # True when the idempotency key had already recorded this very payment


# --- small helpers -----------------------------------------------------------------------------


def _text(value: str | None, field: str, max_length: int) -> str:
    cleaned = " ".join("".join(c for c in (value or "") if c.isprintable()).split())
    if not cleaned:
        raise InvalidInput("payments.field_required", "The field {field} is required", field=field)
    if len(cleaned) > max_length:
        raise InvalidInput(
            "payments.field_too_long", "The field {field} is at most {max} characters",
            field=field, max=max_length,
        )  # fmt: skip
    return cleaned


def _enum(kind: type[Any], value: object, code: str) -> Any:
    try:
        return kind(value)
    except ValueError as exc:
        raise InvalidInput(code, "Unknown value {value}", value=str(value)[:40]) from exc


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            "payments.concurrent_change", "Someone else changed this record at the same time; reload it"
        ) from exc


def _audit_state(
    session: Session, clock: Clock, *, action: str, who: ActorRef | None, row: AmountDueRow,
    before: str | None, reason: str | None = None, detail: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    audit.record(
        session, clock, category=audit.STATE, action=action, actor=who, entity_type="amount_due",
        entity_id=row.id, from_state=before, to_state=row.status, reason=reason, detail=detail,
    )  # fmt: skip


def _locked_amount_due(session: Session, amount_due_id: int) -> AmountDueRow:
    """The amount due, row-locked until the transaction ends (SQLite: its write lock serialises)."""
    row = session.scalar(
        select(AmountDueRow)
        .where(AmountDueRow.id == amount_due_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("payments.amount_due_not_found", "No such amount due")
    return row


def _collection_office(session: Session, office_code: str) -> str:
    office = registry.get_office(session, office_code)
    return office.collection_office_code or office.code


def _check_posted_at(
    session: Session, clock: Clock, actor: Actor, office_code: str, roles: frozenset[str]
) -> None:
    """An administrator acts anywhere; an officer must be posted at that office today in one of `roles`."""
    if actor.has_role(Role.ADMIN):
        return
    day = local_date(clock.now())
    if actor.officer_id is not None:
        for posting in registry.officer_postings(session, actor.officer_id):
            in_force = posting.valid_from <= day and (posting.valid_to is None or day <= posting.valid_to)
            if in_force and posting.role in roles and posting.office.code == office_code:
                return
    raise Forbidden(
        "payments.not_posted_here",
        "You are not posted at collection office {office} today to do this",
        office=office_code,
    )


# --- amounts due -------------------------------------------------------------------------------


def open_amount_due(
    session: Session,
    clock: Clock,
    *,
    subject_kind: str,
    subject_id: int,
    subject_reference: str,
    office_code: str,
    operator_id: int | None,
    broker_id: int | None,
    lines: Sequence[tuple[str, Money]],
    by: ActorRef | None,
    kind: AmountDueKind | str = AmountDueKind.PAYMENT,
) -> AmountDueRow:
    """Open what a subject owes; idempotent per subject (same total and kind: the existing amount due).

    A different total or kind replaces them while nothing is paid or guaranteed; afterwards it is refused.
    A SUSPENDED amount (duties a suspensive regime suspends) is only ever covered by a guarantee.
    """
    due_kind = _enum(AmountDueKind, kind, "payments.invalid_amount_due_kind")
    if subject_kind not in SUBJECT_KINDS:
        raise InvalidInput(
            "payments.unknown_subject_kind", "Unknown subject kind {value}", value=subject_kind
        )
    merged = model.merge_lines(lines)
    total = model.total_of(merged)
    if total.amount <= 0:
        raise InvalidInput("payments.nothing_due", "There is nothing to pay: the total is zero")
    reference = _text(subject_reference, "subject_reference", 40)
    existing = session.scalar(
        select(AmountDueRow)
        .where(AmountDueRow.subject_kind == subject_kind, AmountDueRow.subject_id == subject_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if existing is not None:
        return _revise_amount_due(session, clock, existing, merged, total, due_kind, by)
    row = AmountDueRow(
        subject_kind=subject_kind, subject_id=subject_id, subject_reference=reference,
        office_code=office_code, collection_office_code=_collection_office(session, office_code),
        operator_id=operator_id, broker_id=broker_id, status=AmountDueStatus.OPEN.value,
        kind=due_kind.value, total=total,
        paid=Money.zero(), guaranteed=Money.zero(), opened_at=clock.now(),
        lines=_line_rows(merged),
    )  # fmt: skip
    session.add(row)
    _flush(session)
    _audit_state(
        session, clock, action="amount_due.opened", who=by, row=row, before=None,
        detail={
            "subject_kind": subject_kind, "subject_id": subject_id, "total": str(total.amount),
            "kind": due_kind.value,
        },
    )  # fmt: skip
    return row


def _line_rows(lines: Sequence[tuple[str, Money]]) -> list[AmountDueLineRow]:
    return [
        AmountDueLineRow(position=n, tax_code=code, amount=amount)
        for n, (code, amount) in enumerate(lines, 1)
    ]


def _revise_amount_due(
    session: Session, clock: Clock, row: AmountDueRow, lines: Sequence[tuple[str, Money]], total: Money,
    kind: AmountDueKind, by: ActorRef | None,
) -> AmountDueRow:  # fmt: skip
    if row.total == total and row.kind == kind.value:
        return row
    if row.status != AmountDueStatus.OPEN.value:
        raise Conflict(
            "payments.amount_due_committed",
            "The amount due is already {status}: its total can no longer change",
            status=row.status,
        )
    before, before_kind = row.total, row.kind
    row.lines = _line_rows(lines)
    row.total = total
    row.kind = kind.value
    _flush(session)
    _audit_state(
        session, clock, action="amount_due.revised", who=by, row=row, before=row.status,
        detail={
            "from_total": str(before.amount), "to_total": str(total.amount), "from_kind": before_kind,
            "to_kind": kind.value,
        },
    )  # fmt: skip
    return row


def discharge_suspended(
    session: Session, clock: Clock, subject_kind: str, subject_id: int, *, reason: str, by: ActorRef | None
) -> AmountDueRow | None:
    """The suspensive regime of the subject was discharged: its suspended duties are no longer owed and the
    guarantees covering them are freed of it (their cover comes back as available). None when nothing was
    due (a total of zero never opens an amount due); an amount already paid or cancelled is left as it is.

    Locks the amount due, then each guarantee, in the order `cover_with_guarantee` takes them.
    """
    row = session.scalar(
        select(AmountDueRow)
        .where(AmountDueRow.subject_kind == subject_kind, AmountDueRow.subject_id == subject_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        return None
    before = AmountDueStatus(row.status)
    if before not in model.STILL_OWED:  # paid or cancelled: nothing is owed and no cover is held
        return row
    model.check_dischargeable(AmountDueKind(row.kind))
    model.check_transition(before, AmountDueStatus.DISCHARGED)
    freed = _free_cover(session, clock, row, by)
    row.status = AmountDueStatus.DISCHARGED.value
    _flush(session)
    _audit_state(
        session, clock, action="amount_due.discharged", who=by, row=row, before=before.value,
        reason=_text(reason, "reason", 500), detail={"freed": freed},
    )  # fmt: skip
    return row


def _free_cover(
    session: Session, clock: Clock, due: AmountDueRow, who: ActorRef | None
) -> list[dict[str, str]]:
    """Release every allocation still set against the amount due; what each guarantee got back."""
    freed = []
    for allocation in allocations_of(session, due.id):
        part = allocation.active_amount
        if allocation.released_at is not None or part.amount <= 0:
            continue
        guarantee = _locked_guarantee(session, allocation.guarantee_id)
        allocation.released, allocation.released_at = allocation.amount, clock.now()
        guarantee.allocated = guarantee.allocated - part
        due.guaranteed = due.guaranteed - part
        freed.append({"guarantee_id": str(guarantee.id), "amount": str(part.amount)})
        audit.record(
            session, clock, category=audit.STATE, action="guarantee.allocation_released", actor=who,
            entity_type="guarantee", entity_id=guarantee.id, from_state="allocated", to_state="released",
            detail={"amount_due_id": due.id, "amount": str(part.amount), "why": "regime_discharged"},
        )  # fmt: skip
    return freed


def cancel_amount_due(
    session: Session, clock: Clock, subject_kind: str, subject_id: int, *, reason: str, by: ActorRef | None
) -> AmountDueRow:
    """Cancel an amount due nobody has paid or guaranteed (e.g. the declaration was invalidated)."""
    row = session.scalar(
        select(AmountDueRow)
        .where(AmountDueRow.subject_kind == subject_kind, AmountDueRow.subject_id == subject_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("payments.amount_due_not_found", "No such amount due")
    before = AmountDueStatus(row.status)
    model.check_transition(before, AmountDueStatus.CANCELLED)
    row.status = AmountDueStatus.CANCELLED.value
    _flush(session)
    _audit_state(
        session, clock, action="amount_due.cancelled", who=by, row=row, before=before.value,
        reason=_text(reason, "reason", 500),
    )  # fmt: skip
    return row


def settlement_of(session: Session, subject_kind: str, subject_id: int) -> Settlement:
    row = session.scalar(
        select(AmountDueRow).where(
            AmountDueRow.subject_kind == subject_kind, AmountDueRow.subject_id == subject_id
        )
    )
    if row is None:
        return Settlement(model.SettlementStatus.NONE, Money.zero())
    receipts = session.scalars(
        select(PaymentRow.receipt_number).where(PaymentRow.amount_due_id == row.id).order_by(PaymentRow.id)
    )
    status = model.settlement_status(AmountDueStatus(row.status))
    nothing_owed = status in (model.SettlementStatus.NONE, model.SettlementStatus.DISCHARGED)
    outstanding = Money.zero() if nothing_owed else row.outstanding
    suspended = row.kind == AmountDueKind.SUSPENDED.value
    return Settlement(status, outstanding, tuple(receipts), suspended=suspended)


# --- who sees what -----------------------------------------------------------------------------


def _visible(viewer: Actor | None, operator_column: Any, broker_column: Any) -> ColumnElement[bool] | None:
    """None: everything (officers, administrators); else the declarant's own firm or operator only."""
    if viewer is None or viewer.has_role(Role.ADMIN) or viewer.roles & OFFICER_ROLES:
        return None
    conditions = []
    if viewer.has_role(Role.BROKER) and viewer.broker_id is not None and broker_column is not None:
        conditions.append(broker_column == viewer.broker_id)
    if viewer.has_role(Role.TRADER) and viewer.operator_id is not None:
        conditions.append(operator_column == viewer.operator_id)
    return or_(*conditions) if conditions else false()


def _scoped(query: Select[Any], viewer: Actor | None) -> Select[Any]:
    condition = _visible(viewer, AmountDueRow.operator_id, AmountDueRow.broker_id)
    return query if condition is None else query.where(condition)


def get_amount_due(session: Session, amount_due_id: int, *, viewer: Actor | None = None) -> AmountDueRow:
    row = session.scalar(_scoped(select(AmountDueRow).where(AmountDueRow.id == amount_due_id), viewer))
    if row is None:
        raise NotFound("payments.amount_due_not_found", "No such amount due")
    return row


def list_amounts_due(
    session: Session,
    *,
    viewer: Actor | None,
    status: AmountDueStatus | None = None,
    office_code: str | None = None,
    subject_reference: str | None = None,
    operator_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AmountDueRow], int]:
    query = _scoped(select(AmountDueRow), viewer)
    if status is not None:
        query = query.where(AmountDueRow.status == status.value)
    if office_code:
        query = query.where(
            or_(AmountDueRow.office_code == office_code, AmountDueRow.collection_office_code == office_code)
        )
    if subject_reference:
        query = query.where(AmountDueRow.subject_reference == subject_reference.strip())
    if operator_id is not None:
        query = query.where(AmountDueRow.operator_id == operator_id)
    return fetch_page(session, query, AmountDueRow.id.desc(), offset, limit)


def payments_of(session: Session, amount_due_id: int) -> list[PaymentRow]:
    query = select(PaymentRow).where(PaymentRow.amount_due_id == amount_due_id).order_by(PaymentRow.id)
    return list(session.scalars(query))


def _scoped_payment(session: Session, condition: ColumnElement[bool], viewer: Actor | None) -> PaymentRow:
    query = _scoped(select(PaymentRow).join(AmountDueRow).where(condition), viewer)
    row = session.scalar(query)
    if row is None:
        raise NotFound("payments.payment_not_found", "No such payment or receipt")
    return row


def get_payment(session: Session, payment_id: int, *, viewer: Actor | None = None) -> PaymentRow:
    return _scoped_payment(session, PaymentRow.id == payment_id, viewer)


def get_receipt(session: Session, number: str, *, viewer: Actor | None = None) -> PaymentRow:
    parsed = model.parse_receipt_number(number)
    text = model.receipt_number(parsed.collection_office, parsed.year, parsed.sequence)
    return _scoped_payment(session, PaymentRow.receipt_number == text, viewer)


# --- payments at the cashier -------------------------------------------------------------------


def record_payment(
    session: Session,
    clock: Clock,
    amount_due_id: int,
    *,
    amount: Money,
    method: PaymentMethod | str,
    method_reference: str | None,
    payer: str,
    idempotency_key: str,
    by: Actor,
) -> PaymentOutcome:
    """Take a payment at the collection office's desk and issue its numbered receipt.

    Idempotent: the same key with the same request gives back the first payment; with another request
    it is refused. The amount due is row-locked first, so two cashiers cannot both collect the same sum.
    """
    how = _enum(PaymentMethod, method, "payments.invalid_method")
    reference = model.check_method_reference(how, method_reference)
    payer_name = _text(payer, "payer", 200)
    key = model.check_idempotency_key(idempotency_key)
    model.positive_dzd(amount)
    fingerprint = model.request_fingerprint(amount_due_id, amount, how, reference, payer_name)
    due = _locked_amount_due(session, amount_due_id)
    _check_posted_at(session, clock, by, due.collection_office_code, COLLECTING_ROLES)
    model.check_cash_payable(AmountDueKind(due.kind))
    earlier = session.scalar(select(PaymentRow).where(PaymentRow.idempotency_key == key))
    if earlier is not None:
        if earlier.request_fingerprint != fingerprint:
            raise Conflict(
                "payments.idempotency_key_reused",
                "This idempotency key was already used for a different payment request",
            )
        return PaymentOutcome(earlier, replayed=True)
    before = _payable_status(due)
    model.check_payment_amount(amount, due.outstanding)
    after = model.status_after_payment(before, due.total, due.paid + amount)
    model.check_transition(before, after)
    now = clock.now()
    year = local_date(now).year
    sequence = _take_receipt_sequence(session, due.collection_office_code, year)
    payment = PaymentRow(
        amount_due_id=due.id, amount=amount, method=how.value, method_reference=reference,
        payer_name=payer_name, idempotency_key=key, request_fingerprint=fingerprint,
        cashier_user_id=by.user_id, cashier_name=identity.full_name_of(session, by),
        collection_office_code=due.collection_office_code, received_at=now, receipt_year=year,
        receipt_sequence=sequence,
        receipt_number=model.receipt_number(due.collection_office_code, year, sequence), amount_due=due,
    )  # fmt: skip
    # Release surplus cover first, so paid + guaranteed never exceeds the total, even between flushes.
    _release_cover_beyond(session, clock, due, due.outstanding - amount, actor_ref(by))
    due.paid = due.paid + amount
    due.status = after.value
    if after is AmountDueStatus.PAID:
        due.settled_at = due.settled_at or now
    session.add(payment)
    _flush(session)
    _audit_state(
        session, clock, action="payment.recorded", who=actor_ref(by), row=due, before=before.value,
        detail={"receipt": payment.receipt_number, "amount": str(amount.amount), "method": how.value},
    )  # fmt: skip
    if after is AmountDueStatus.PAID and before is not AmountDueStatus.GUARANTEED:
        _announce(session, clock, due, "paid")
    return PaymentOutcome(payment, replayed=False)


def _payable_status(due: AmountDueRow) -> AmountDueStatus:
    status = AmountDueStatus(due.status)
    if status is AmountDueStatus.PAID:
        raise Conflict("payments.already_settled", "This amount due is already paid in full")
    if status is AmountDueStatus.CANCELLED:
        raise Conflict("payments.amount_due_cancelled", "This amount due was cancelled")
    if status is AmountDueStatus.DISCHARGED:
        raise Conflict(
            "payments.amount_due_discharged",
            "The customs regime was discharged: these duties and taxes are no longer owed",
        )
    return status


def _take_receipt_sequence(session: Session, collection_office: str, year: int) -> int:
    """The next receipt number of the office and year, gap-free: the counter row stays locked until commit."""
    return advance_counter(session, ReceiptSequenceRow, collection_office_code=collection_office, year=year)


def _announce(session: Session, clock: Clock, due: AmountDueRow, how: Literal["paid", "guaranteed"]) -> None:
    event = AmountDueSettled(
        subject_kind=due.subject_kind, subject_id=due.subject_id, how=how, amount_due_id=due.id,
        at=clock.now(),
    )  # fmt: skip
    bus.publish(session, clock, event)


# --- guarantees --------------------------------------------------------------------------------


def register_guarantee(
    session: Session,
    clock: Clock,
    *,
    operator_id: int,
    kind: GuaranteeKind | str,
    reference: str,
    issuer: str | None,
    amount: Money,
    valid_from: date,
    valid_to: date | None,
    by: Actor | None,
) -> GuaranteeRow:
    guarantee_kind = _enum(GuaranteeKind, kind, "payments.invalid_guarantee_kind")
    registry.get_operator(session, operator_id)
    model.dzd(amount)
    if amount.amount <= 0:
        raise InvalidInput("payments.guarantee_amount_not_positive", "A guarantee must be more than zero")
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput("payments.invalid_period", "The end date is before the start date")
    issuer_name = (
        None if guarantee_kind is GuaranteeKind.CASH_DEPOSIT and not issuer else _text(issuer, "issuer", 200)
    )
    ref = _text(reference, "reference", 64)
    taken = select(GuaranteeRow.id).where(
        GuaranteeRow.kind == guarantee_kind.value, GuaranteeRow.reference == ref
    )
    if session.scalar(taken) is not None:
        raise Conflict(
            "payments.guarantee_exists", "A {kind} guarantee with reference {reference} exists",
            kind=guarantee_kind.value, reference=ref,
        )  # fmt: skip
    row = GuaranteeRow(
        operator_id=operator_id, kind=guarantee_kind.value, reference=ref, issuer=issuer_name, amount=amount,
        allocated=Money.zero(), valid_from=valid_from, valid_to=valid_to,
        status=GuaranteeStatus.ACTIVE.value, registered_at=clock.now(),
        registered_by=by.username if by else "system",
    )  # fmt: skip
    session.add(row)
    _flush(session)
    audit.record(
        session, clock, category=audit.STATE, action="guarantee.registered", actor=actor_ref(by),
        entity_type="guarantee", entity_id=row.id, to_state=row.status,
        detail={"operator_id": operator_id, "kind": row.kind, "amount": str(amount.amount)},
    )  # fmt: skip
    return row


def _visible_guarantees(viewer: Actor | None) -> ColumnElement[bool] | None:
    return _visible(viewer, GuaranteeRow.operator_id, None)


def reads_guarantees(viewer: Actor | None) -> bool:
    """Whether `viewer` may read any guarantee: officers and administrators, and a trader its own; a broker
    reads its firm's amounts due, not its clients' guarantees."""
    condition = _visible_guarantees(viewer)
    return condition is None or (viewer is not None and viewer.has_role(Role.TRADER))


def get_guarantee(session: Session, guarantee_id: int, *, viewer: Actor | None = None) -> GuaranteeRow:
    query = select(GuaranteeRow).where(GuaranteeRow.id == guarantee_id)
    condition = _visible_guarantees(viewer)
    row = session.scalar(query if condition is None else query.where(condition))
    if row is None:
        raise NotFound("payments.guarantee_not_found", "No such guarantee")
    return row


def list_guarantees(
    session: Session,
    *,
    viewer: Actor | None,
    operator_id: int | None = None,
    status: GuaranteeStatus | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[GuaranteeRow], int]:
    query = select(GuaranteeRow)
    condition = _visible_guarantees(viewer)
    if condition is not None:
        query = query.where(condition)
    if operator_id is not None:
        query = query.where(GuaranteeRow.operator_id == operator_id)
    if status is not None:
        query = query.where(GuaranteeRow.status == status.value)
    return fetch_page(session, query, GuaranteeRow.id.desc(), offset, limit)


def release_guarantee(
    session: Session,
    clock: Clock,
    guarantee_id: int,
    *,
    reason: str,
    by: Actor | None,
    expected_version: int | None = None,
) -> GuaranteeRow:
    """Give a guarantee back to its operator (discharge) once nothing it covers is still owed.

    Idempotent: releasing a released guarantee gives it back unchanged. `expected_version` is the version
    the caller saw: a guarantee changed since (covered, released) is refused. Locks the amounts due it
    covers, then the guarantee, in the order `cover_with_guarantee` takes them.
    """
    why = _text(reason, "reason", 500)
    for due_id in sorted({a.amount_due_id for a in _active_allocations(session, guarantee_id)}):
        _locked_amount_due(session, due_id)
    guarantee = _locked_guarantee(session, guarantee_id)
    before = GuaranteeStatus(guarantee.status)
    if before is GuaranteeStatus.RELEASED:
        return guarantee
    if expected_version is not None and expected_version != guarantee.version:
        raise Conflict(
            "payments.concurrent_change", "Someone else changed this record at the same time; reload it"
        )
    model.check_guarantee_transition(before, GuaranteeStatus.RELEASED)
    covered = [
        (a, session.get_one(AmountDueRow, a.amount_due_id))
        for a in _active_allocations(session, guarantee_id)
    ]
    model.check_guarantee_releasable(
        (due.subject_reference, AmountDueStatus(due.status)) for _a, due in covered
    )
    now = clock.now()
    for allocation, due in covered:  # cover left on amounts no longer owed (paid or cancelled)
        part = allocation.active_amount
        allocation.released, allocation.released_at = allocation.amount, now
        due.guaranteed = due.guaranteed - part
        guarantee.allocated = guarantee.allocated - part
    guarantee.status = GuaranteeStatus.RELEASED.value
    _flush(session)
    audit.record(
        session, clock, category=audit.STATE, action="guarantee.released", actor=actor_ref(by),
        entity_type="guarantee", entity_id=guarantee.id, from_state=before.value, to_state=guarantee.status,
        reason=why, detail={"discharged_amounts_due": [due.id for _a, due in covered]},
    )  # fmt: skip
    return guarantee


def _active_allocations(session: Session, guarantee_id: int) -> list[GuaranteeAllocationRow]:
    query = select(GuaranteeAllocationRow).where(
        GuaranteeAllocationRow.guarantee_id == guarantee_id, GuaranteeAllocationRow.released_at.is_(None)
    )
    return list(session.scalars(query.order_by(GuaranteeAllocationRow.id)))


def cover_of_guarantee(
    session: Session, guarantee_id: int
) -> list[tuple[GuaranteeAllocationRow, AmountDueRow]]:
    """Every amount due a guarantee covers or covered, oldest first (the caller checked who may see it)."""
    query = (
        select(GuaranteeAllocationRow, AmountDueRow)
        .join(AmountDueRow, AmountDueRow.id == GuaranteeAllocationRow.amount_due_id)
        .where(GuaranteeAllocationRow.guarantee_id == guarantee_id)
        .order_by(GuaranteeAllocationRow.id)
    )
    return [(allocation, due) for allocation, due in session.execute(query).all()]


def still_owed_under(session: Session, guarantee_id: int) -> list[str]:
    """References of the declarations whose duties the guarantee still covers (why it cannot be released)."""
    return sorted(
        {
            due.subject_reference
            for allocation, due in cover_of_guarantee(session, guarantee_id)
            if allocation.released_at is None and AmountDueStatus(due.status) in model.STILL_OWED
        }
    )


def allocations_of(session: Session, amount_due_id: int) -> list[GuaranteeAllocationRow]:
    query = select(GuaranteeAllocationRow).where(GuaranteeAllocationRow.amount_due_id == amount_due_id)
    return list(session.scalars(query.order_by(GuaranteeAllocationRow.id)))


def _locked_guarantee(session: Session, guarantee_id: int) -> GuaranteeRow:
    row = session.scalar(
        select(GuaranteeRow)
        .where(GuaranteeRow.id == guarantee_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("payments.guarantee_not_found", "No such guarantee")
    return row


def cover_with_guarantee(
    session: Session, clock: Clock, amount_due_id: int, guarantee_id: int, *, by: Actor
) -> GuaranteeAllocationRow:
    """Set what is still to pay against a guarantee's available balance; the goods may then be released.

    Locks the amount due, then the guarantee (always in that order).
    """
    due = _locked_amount_due(session, amount_due_id)
    _check_posted_at(session, clock, by, due.collection_office_code, GUARANTEE_ROLES)
    before = _payable_status(due)
    if before is AmountDueStatus.GUARANTEED:
        raise Conflict("payments.already_guaranteed", "This amount due is already covered by a guarantee")
    guarantee = _locked_guarantee(session, guarantee_id)
    needed = due.outstanding - due.guaranteed
    model.check_guarantee_usable(
        status=GuaranteeStatus(guarantee.status), valid_from=guarantee.valid_from,
        valid_to=guarantee.valid_to,
        guarantee_operator_id=guarantee.operator_id, debtor_operator_id=due.operator_id,
        available=guarantee.available, needed=needed, on=local_date(clock.now()),
    )  # fmt: skip
    model.check_transition(before, AmountDueStatus.GUARANTEED)
    allocation = GuaranteeAllocationRow(
        guarantee_id=guarantee.id, amount_due_id=due.id, amount=needed, released=Money.zero(),
        allocated_at=clock.now(), allocated_by=by.username,
    )  # fmt: skip
    session.add(allocation)
    guarantee.allocated = guarantee.allocated + needed
    due.guaranteed = due.guaranteed + needed
    due.status = AmountDueStatus.GUARANTEED.value
    due.settled_at = clock.now()
    _flush(session)
    _audit_state(
        session, clock, action="amount_due.guaranteed", who=actor_ref(by), row=due, before=before.value,
        detail={"guarantee_id": guarantee.id, "amount": str(needed.amount)},
    )  # fmt: skip
    _announce(session, clock, due, "guaranteed")
    return allocation


def _release_cover_beyond(
    session: Session, clock: Clock, due: AmountDueRow, still_to_pay: Money, who: ActorRef | None
) -> None:
    """A guarantee covers at most what is still to pay: release the rest, newest allocation first."""
    excess = due.guaranteed - still_to_pay
    if excess.amount <= 0:
        return
    allocations = [a for a in allocations_of(session, due.id) if a.active_amount.amount > 0]
    for allocation in reversed(allocations):
        if excess.amount <= 0:
            break
        part = min(allocation.active_amount, excess, key=lambda m: m.amount)
        guarantee = _locked_guarantee(session, allocation.guarantee_id)
        allocation.released = allocation.released + part
        if allocation.active_amount.amount == 0:
            allocation.released_at = clock.now()
        guarantee.allocated = guarantee.allocated - part
        due.guaranteed = due.guaranteed - part
        excess = excess - part
        audit.record(
            session, clock, category=audit.STATE, action="guarantee.allocation_released", actor=who,
            entity_type="guarantee", entity_id=guarantee.id, from_state="allocated",
            to_state="released" if allocation.released_at else "partly_released",
            detail={"amount_due_id": due.id, "amount": str(part.amount)},
        )  # fmt: skip
