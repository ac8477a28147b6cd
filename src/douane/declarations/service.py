"""Declaration use cases, declarant side and registration. The caller owns the transaction.

Public face for other contexts and the officer side: `get_row`, `content_of`, `transition`, `reassess`,
`is_officer`, `ENTITY`. Every state change goes through `transition` (the guard plus an audit event).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from douane.assessment import service as assessment_service
from douane.assessment.model import Assessment, AssessmentInput, ItemInput, assess, readable
from douane.audit import service as audit
from douane.audit.service import ActorRef, AuditEvent
from douane.db import fetch_page, is_new, set_columns
from douane.declarations import documents, model, numbering, validation
from douane.declarations.model import (
    Action,
    Declaration,
    DeclarationType,
    DocumentRef,
    Finding,
    Item,
    Party,
    Status,
)
from douane.declarations.tables import (
    DeclarationDocumentRow,
    DeclarationItemRow,
    DeclarationRow,
    DeclarationVersionRow,
    InvalidationRequestRow,
)
from douane.identity.model import OFFICER_ROLES, Actor, Permission, Role
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, end_of_local_day, local_date, start_of_local_day
from douane.kernel.errors import Conflict, DouaneError, Forbidden, InvalidInput, NotFound
from douane.kernel.money import DZD, Money
from douane.payments import service as payments
from douane.payments.model import Settlement, SettlementStatus
from douane.registry import service as registry

ENTITY = "declaration"
SUBJECT_KIND = "declaration"
DECLARANT_VISIBLE_HIDDEN_ACTIONS = frozenset({"inspector.drawn"})
UPLOADABLE = frozenset(
    {Status.DRAFT, Status.LODGED, Status.REGISTERED, Status.CHANNEL_ASSIGNED, Status.UNDER_CONTROL}
)


class BlockingFindings(InvalidInput):
    """Lodging or amending refused: the declaration has blocking findings (listed in `findings`)."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__(
            "declarations.has_blocking_findings",
            "Blocking findings on the declaration: {count}; correct them first",
            count=len(findings),
        )
        self.findings = list(findings)


# --- who may do what ------------------------------------------------------------------------------


def is_officer(actor: Actor) -> bool:
    return actor.has_role(Role.ADMIN) or any(actor.has_role(role) for role in OFFICER_ROLES)


def _not_found(declaration_id: object) -> NotFound:
    return NotFound("declarations.not_found", "No such declaration", id=str(declaration_id)[:40])


def may_read(actor: Actor, row: DeclarationRow) -> bool:
    """Brokers see their firm's declarations, traders their operator's, officers all."""
    if actor.broker_id is not None:
        return row.broker_id == actor.broker_id
    if actor.operator_id is not None:
        return row.operator_id == actor.operator_id
    return is_officer(actor)


def may_declare_for(actor: Actor, row: DeclarationRow) -> bool:
    """The declarant's own actions: the broker firm that lodged it, or the trader that lodged for itself."""
    if actor.broker_id is not None:
        return row.broker_id == actor.broker_id
    if actor.operator_id is not None:
        return row.broker_id is None and row.operator_id == actor.operator_id
    return actor.has_role(Role.ADMIN)


def require_lodge_permission(actor: Actor) -> None:
    if not actor.can(Permission.DECLARATIONS_LODGE):
        raise Forbidden(
            "auth.forbidden",
            "You do not have the permission {permission}",
            permission=Permission.DECLARATIONS_LODGE.value,
        )


def get_row(session: Session, declaration_id: int, *, for_update: bool = False) -> DeclarationRow:
    """The row without scoping (officer side and internal use); NotFound `declarations.not_found`."""
    query = select(DeclarationRow).where(DeclarationRow.id == declaration_id)
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise _not_found(declaration_id)
    return row


def get(session: Session, actor: Actor, declaration_id: int) -> DeclarationRow:
    """A declaration the actor may read; another firm's answers 404 exactly like a missing one."""
    row = session.get(DeclarationRow, declaration_id)
    if row is None or not may_read(actor, row):
        raise _not_found(declaration_id)
    return row


def own(session: Session, actor: Actor, declaration_id: int) -> DeclarationRow:
    require_lodge_permission(actor)
    row = get(session, actor, declaration_id)
    if not may_declare_for(actor, row):
        raise Forbidden("declarations.not_declarant", "Only the declarant may change this declaration")
    return row


def get_by_number(session: Session, actor: Actor, number: str) -> DeclarationRow:
    parsed = numbering.parse_number(number)
    row = session.scalar(select(DeclarationRow).where(DeclarationRow.number == str(parsed)))
    if row is None or not may_read(actor, row):
        raise _not_found(str(parsed))
    return row


# --- content <-> rows -----------------------------------------------------------------------------


def _party_of(data: dict[str, Any] | None) -> Party | None:
    if not data:
        return None
    return Party(data["name"], data.get("nif"), data.get("address"), data.get("country"))


def _party_dict(party: Party | None) -> dict[str, Any] | None:
    if party is None:
        return None
    return {"name": party.name, "nif": party.nif, "address": party.address, "country": party.country}


def content_of(row: DeclarationRow) -> Declaration:
    """The declaration's content as the pure model (for validation, assessment, snapshots)."""
    return Declaration(
        type=DeclarationType(row.type), regime=model.Regime(row.regime), office_code=row.office_code,
        operator_nif=row.operator_nif, invoice_currency=row.invoice_currency, invoice_total=row.invoice_total,
        incoterm=model.Incoterm(row.incoterm), broker_id=row.broker_id, consignor=_party_of(row.consignor),
        consignee=_party_of(row.consignee), dispatch_country=row.dispatch_country,
        destination_country=row.destination_country,
        transport_mode=model.TransportMode(row.transport_mode) if row.transport_mode else None,
        transport_means=row.transport_means, manifest_reference=row.manifest_reference,
        bill_of_lading=row.bill_of_lading, containers=tuple(row.containers or ()),
        freight=row.freight, insurance=row.insurance,
        other_costs=row.other_costs, costs_currency=row.costs_currency,
        domiciliation_reference=row.domiciliation_reference,
        items=tuple(_item_of(i) for i in row.items),
        documents=tuple(
            DocumentRef(d.type_code, d.number, d.issuer, d.issued_on, d.sha256) for d in row.documents
        ),
    )  # fmt: skip


def _item_of(row: DeclarationItemRow) -> Item:
    return Item(
        number=row.number, line_code=row.line_code, description=row.description,
        origin_country=row.origin_country, invoice_amount=row.invoice_amount, net_mass_kg=row.net_mass_kg,
        gross_mass_kg=row.gross_mass_kg, packages=row.packages, package_kind=row.package_kind,
        preference=row.preference, supplementary_quantity=row.supplementary_quantity,
        supplementary_unit=row.supplementary_unit, customs_value_dzd=row.customs_value_dzd,
    )  # fmt: skip


def _item_row(item: Item) -> DeclarationItemRow:
    return DeclarationItemRow(**item_values(item))


def item_values(item: Item) -> dict[str, Any]:
    """The item's columns (for a row, or for many rows written in one statement)."""
    return dict(zip(ITEM_COLUMNS, item_columns(item), strict=True))


ITEM_FIELDS = (
    "line_code", "description", "origin_country", "preference", "invoice_amount", "net_mass_kg",
    "gross_mass_kg", "packages", "package_kind", "supplementary_quantity", "supplementary_unit",
    "customs_value_dzd",
)  # fmt: skip
ITEM_COLUMNS = ("number", *ITEM_FIELDS)
item_columns = attrgetter(*ITEM_COLUMNS)
"""An item's values in the order of ITEM_COLUMNS, as a tuple."""


def _replace_items(row: DeclarationRow, items: Sequence[Item]) -> None:
    """Update items in place by number (numbers are unique per declaration), add new ones, drop the rest."""
    existing = {i.number: i for i in row.items}
    kept = []
    for item in items:
        item_row = existing.pop(item.number, None)
        if item_row is None:
            kept.append(_item_row(item))
            continue
        for name in ITEM_FIELDS:
            setattr(item_row, name, getattr(item, name))
        kept.append(item_row)
    row.items = kept


def _apply_content(
    session: Session, row: DeclarationRow, content: Declaration, *, items: bool = True
) -> None:
    _refuse_repeated_item_numbers(content.items)
    for name, value in _header_columns(session, content).items():
        setattr(row, name, value)
    if items:
        _replace_items(row, content.items)
    _merge_documents(row, content.documents)


def _header_columns(session: Session, content: Declaration) -> dict[str, Any]:
    """The row's columns that hold the content's header."""
    c = content
    return {
        "type": c.type.value, "regime": c.regime.value, "office_code": c.office_code,
        "operator_nif": c.operator_nif, "broker_id": c.broker_id,
        "operator_id": registry.operator_id_of_nif(session, c.operator_nif) if c.operator_nif else None,
        "consignor": _party_dict(c.consignor), "consignee": _party_dict(c.consignee),
        "dispatch_country": c.dispatch_country, "destination_country": c.destination_country,
        "transport_mode": c.transport_mode.value if c.transport_mode else None,
        "transport_means": c.transport_means, "manifest_reference": c.manifest_reference,
        "bill_of_lading": c.bill_of_lading, "invoice_currency": c.invoice_currency,
        "containers": list(c.containers), "invoice_total": c.invoice_total, "incoterm": c.incoterm.value,
        "freight": c.freight, "insurance": c.insurance, "other_costs": c.other_costs,
        "costs_currency": c.costs_currency, "domiciliation_reference": c.domiciliation_reference,
    }  # fmt: skip


def _refuse_repeated_item_numbers(items: Sequence[Item]) -> None:
    """Two items under one number cannot be kept, not even in a draft (an item is found by its number)."""
    seen: set[int] = set()
    for index, item in enumerate(items):
        if item.number in seen:
            raise InvalidInput(
                "declarations.repeated_item_number",
                "Item number {number} is used twice (items[{index}]); number the items 1 to n",
                number=item.number, index=index,
            )  # fmt: skip
        seen.add(item.number)


def with_uploaded_documents(row: DeclarationRow, content: Declaration) -> Declaration:
    """The content with the row's uploaded documents it does not list (a page's form lists none): they stay
    attached (`_merge_documents`), so the checks see them too."""
    listed = {(d.type_code, d.number) for d in content.documents}
    kept = tuple(
        DocumentRef(d.type_code, d.number, d.issuer, d.issued_on, d.sha256)
        for d in row.documents
        if d.sha256 and (d.type_code, d.number) not in listed
    )
    return replace(content, documents=(*content.documents, *kept)) if kept else content


def _merge_documents(row: DeclarationRow, documents: Sequence[DocumentRef]) -> None:
    """Keep uploaded files: a document listed again (same type and number) keeps its row and file."""
    if not documents and is_new(row):
        return  # nothing to keep and nothing to add (reading the empty collection of a new row costs 8 µs)
    existing = {(d.type_code, d.number): d for d in row.documents}
    merged = []
    for doc in documents:
        kept = existing.pop((doc.type_code, doc.number), None) or DeclarationDocumentRow(
            type_code=doc.type_code, number=doc.number
        )
        kept.issuer, kept.issued_on = doc.issuer, doc.issued_on
        merged.append(kept)
    merged += [d for d in existing.values() if d.sha256]  # an uploaded file is never dropped silently
    row.documents = merged


def declarant_content(session: Session, actor: Actor, content: Declaration) -> Declaration:
    """The content with the declarant fixed from the actor: a broker declares for its firm, a trader
    declares for itself (its own NIF, no broker)."""
    if actor.broker_id is not None:
        if content.broker_id not in (None, actor.broker_id):
            raise Forbidden("declarations.not_your_firm", "A broker declares only for its own firm")
        return model.built(Declaration, {**content.__dict__, "broker_id": actor.broker_id})
    if actor.operator_id is not None:
        operator_id = registry.operator_id_of_nif(session, content.operator_nif)
        if content.broker_id is not None or operator_id is None or operator_id != actor.operator_id:
            raise Forbidden(
                "declarations.not_your_operator", "A trader declares only for itself, under its own NIF"
            )
        return content
    if actor.has_role(Role.ADMIN):
        return content
    raise Forbidden("declarations.no_declarant", "Your account is not linked to a broker firm or an operator")


def flush_or_conflict(session: Session) -> None:
    """Flush; a concurrent change of the declaration becomes Conflict `declarations.concurrent_change`."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            "declarations.concurrent_change",
            "Someone else changed this declaration at the same time; reload it",
        ) from exc


def check_version(row: DeclarationRow, expected: int | None) -> None:
    if expected is not None and row.version != expected:
        raise Conflict(
            "declarations.stale_version",
            "The declaration changed since you read it (version {actual}, you had {expected}); reload it",
            actual=row.version, expected=expected,
        )  # fmt: skip


def today(clock: Clock) -> date:
    return local_date(clock.now())


def findings_json(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [f.to_dict() for f in findings]


# --- the state machine, applied -------------------------------------------------------------------


def transition(
    session: Session,
    clock: Clock,
    row: DeclarationRow,
    action: Action,
    *,
    by: ActorRef | None,
    reason: str | None = None,
    client_ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Status:
    """Apply `action` through the guard, stamp the row and write the audit event (same transaction)."""
    step = apply_transition(clock, row, action, reason=reason, client_ip=client_ip, detail=detail)
    audit_step(session, clock, row, step, by)
    return step.after


@dataclass(frozen=True)
class Step:
    """A transition applied to a row, to be audited (at once, or once a new row has its id)."""

    action: str
    before: Status | None
    after: Status
    reason: str | None = None
    client_ip: str | None = None
    detail: dict[str, Any] | None = None


def apply_transition(
    clock: Clock,
    row: DeclarationRow,
    action: Action,
    *,
    reason: str | None = None,
    client_ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Step:
    """Move the row through the guard (no audit yet: see `audit_step`)."""
    before = Status(row.status)
    after = model.next_status(before, action, channel=row.channel, regime=row.regime)
    set_columns(row, status=after.value, updated_at=clock.now())
    return Step(action.value, before, after, reason, client_ip, detail)


def audit_step(session: Session, clock: Clock, row: DeclarationRow, step: Step, by: ActorRef | None) -> None:
    audit.add_event(session, step_event(clock, row, step, by))


def step_event(clock: Clock, row: DeclarationRow, step: Step, by: ActorRef | None) -> dict[str, Any]:
    """The audit event of a transition (for `audit.record_later` when many are written at once)."""
    return audit.event_values(
        clock, category=audit.STATE, action=f"declaration.{step.action}", actor=by, entity_type=ENTITY,
        entity_id=row.id, from_state=step.before.value if step.before else None, to_state=step.after.value,
        reason=step.reason, client_ip=step.client_ip, detail=step.detail,
    )  # fmt: skip


# --- drafts -----------------------------------------------------------------------------------------


def create_draft(
    session: Session, clock: Clock, actor: Actor, content: Declaration, *, validate: bool = True
) -> DeclarationRow:
    """Save a draft (findings and all: a draft may be incomplete); returns it with its findings stored.
    `validate=False` skips the findings when the caller lodges at once (lodging validates anyway)."""
    require_lodge_permission(actor)
    content = declarant_content(session, actor, content)
    row = new_draft_row(session, clock, actor, content)
    row.findings = findings_json(validation.validate(session, content, today(clock))) if validate else None
    session.add(row)
    flush_or_conflict(session)
    audit_step(session, clock, row, created_step(actor), actor_ref(actor))
    return row


def new_draft_row(
    session: Session, clock: Clock, actor: Actor, content: Declaration, *, items: bool = True
) -> DeclarationRow:
    """A draft row holding the content, not yet added to the session. `items=False` leaves the item rows
    to the caller (a batch writes them in one statement once the rows have their ids)."""
    _refuse_repeated_item_numbers(content.items)
    now = clock.now()
    row = DeclarationRow()
    # A new row's columns go straight into its state, where an insert reads them (a row never loaded has
    # no change history to keep); a bulk lodging builds a hundred rows of thirty columns.
    row.__dict__.update(
        status=Status.DRAFT.value, declarant_user_id=actor.user_id, declarant_name=actor.username,
        version=1, current_version=1, created_at=now, updated_at=now, post_clearance_audit=False,
        assessment_confirmed=False, **_header_columns(session, content),
    )  # fmt: skip
    if items:
        _replace_items(row, content.items)
    _merge_documents(row, content.documents)
    return row


def documents_of_new_row(row: DeclarationRow) -> Sequence[DeclarationDocumentRow]:
    """The documents given to a row built in memory (`new_draft_row`), read without making its collection."""
    documents: Sequence[DeclarationDocumentRow] = row.__dict__.get("documents", ())
    return documents


def created_step(actor: Actor) -> Step:
    return Step("create", None, Status.DRAFT, client_ip=actor.client_ip)


def update_draft(
    session: Session,
    clock: Clock,
    actor: Actor,
    declaration_id: int,
    content: Declaration,
    *,
    expected_version: int | None,
) -> DeclarationRow:
    row = own(session, actor, declaration_id)
    if row.status != Status.DRAFT.value:
        raise Conflict(
            "declarations.not_a_draft",
            "Only a draft can be edited; a lodged declaration is amended instead",
            status=row.status,
        )
    check_version(row, expected_version)
    content = with_uploaded_documents(row, declarant_content(session, actor, content))
    _apply_content(session, row, content)
    row.findings = findings_json(validation.validate(session, content, today(clock)))
    row.updated_at = clock.now()
    flush_or_conflict(session)
    audit.record(
        session, clock, category=audit.DATA, action="declaration.update_draft", actor=actor_ref(actor),
        entity_type=ENTITY, entity_id=row.id, client_ip=actor.client_ip,
    )  # fmt: skip
    return row


def validate(session: Session, clock: Clock, actor: Actor, declaration_id: int) -> list[Finding]:
    """The findings on the declaration today (the date it would be lodged)."""
    row = get(session, actor, declaration_id)
    findings = validation.validate(session, content_of(row), today(clock))
    if row.status == Status.DRAFT.value and may_declare_for(actor, row):
        row.findings = findings_json(findings)
        row.updated_at = clock.now()
    return findings


# --- assessment, selectivity, inspector ----------------------------------------------------------


def _money_or_none(amount: Decimal | None, currency: str) -> Money | None:
    return None if amount is None else Money.of(amount, currency)


def assessment_input(session: Session, content: Declaration, on: date) -> AssessmentInput | None:
    """What the engine needs (measures in force, rates on `on`); None for exports, which owe nothing here."""
    if content.type is DeclarationType.EXPORT:
        return None
    items = tuple(
        ItemInput(
            number=i.number, line_code=i.line_code, invoice_amount=i.invoice_amount,
            net_mass_kg=i.net_mass_kg, gross_mass_kg=i.gross_mass_kg,
            supplementary_quantity=i.supplementary_quantity, supplementary_unit=i.supplementary_unit,
            declared_customs_value=_money_or_none(i.customs_value_dzd, DZD),
        )
        for i in content.items
    )  # fmt: skip
    costs = content.costs_in
    return assessment_service.assessment_input_at(
        session, on, invoice_currency=content.invoice_currency, incoterm=content.incoterm.value,
        freight=_money_or_none(content.freight, costs), insurance=_money_or_none(content.insurance, costs),
        other_costs_to_border=_money_or_none(content.other_costs, costs), items=items,
    )  # fmt: skip


def assess_content(session: Session, content: Declaration, on: date) -> Assessment | None:
    """The provisional assessment (douane.assessment) of the content on `on`; None for exports."""
    data = assessment_input(session, content, on)
    return None if data is None else assess(data)


def checked_assessment(
    session: Session, content: Declaration, on: date
) -> tuple[list[Finding], Assessment | None]:
    """Validate at `on`, then assess; BlockingFindings if either refuses. The measures the engine loads
    serve the validation too (prohibitions, required documents), so each line is read once."""
    try:
        data = assessment_input(session, content, on)
    except DouaneError:
        data = None  # the validation below says why, or the engine does
    measures = data.measures if data is not None else None
    findings = validation.validate(session, content, on, measures=measures)
    if model.blocking(findings):
        raise BlockingFindings(model.blocking(findings))
    if data is None:
        assessment = _assess_or_findings(session, content, on)
    else:
        try:
            assessment = assess(data)
        except InvalidInput as exc:
            raise BlockingFindings([error_finding(exc, "items")]) from exc
    return findings + validation.value_warnings(content, assessment), assessment


def readable_breakdown(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored assessment breakdown with its texts written out, as readers see it (API, pages)."""
    return None if stored is None else readable(stored)


def store_assessment(
    row: DeclarationRow,
    assessment: Assessment | None,
    *,
    items: bool = True,
    breakdown: dict[str, Any] | None = None,
) -> None:
    """The breakdown and totals on the row and, unless `items=False`, each item row's value and taxes
    (`breakdown`: the assessment's `stored_breakdown`, when the caller has it already)."""
    if assessment is None:
        set_columns(row, assessment=None, customs_value=None, total_due=Money.zero())
    else:
        set_columns(
            row, assessment=breakdown or stored_breakdown(row, assessment),
            customs_value=assessment.customs_value, total_due=assessment.total,
        )  # fmt: skip
    if not items:
        return
    assessed = assessed_items(assessment)
    for item_row in row.items:
        item_row.assessed_customs_value, item_row.assessed_taxes = assessed.get(item_row.number, (None, None))


def stored_breakdown(row: DeclarationRow, assessment: Assessment | None) -> dict[str, Any] | None:
    """The breakdown as the row stores it (marked suspended under a suspensive regime)."""
    if assessment is None:
        return None
    breakdown = assessment.to_dict()
    if model.duties_suspended(row.regime):
        return assessment_service.suspended_breakdown(breakdown)
    return breakdown


def assessed_items(assessment: Assessment | None) -> dict[int, tuple[Money | None, Money | None]]:
    """Each item's assessed customs value and taxes, by item number."""
    if assessment is None:
        return {}
    return {item.number: (item.customs_value, item.total) for item in assessment.items}


def _assess_or_findings(session: Session, content: Declaration, on: date) -> Assessment | None:
    """The assessment, or BlockingFindings carrying the engine's reason as one finding."""
    try:
        return assess_content(session, content, on)
    except (InvalidInput, NotFound) as exc:
        finding = Finding(exc.code, "items", exc.message, model.Severity.BLOCKING, dict(exc.params))
        raise BlockingFindings([finding]) from exc


def reassess(
    session: Session, clock: Clock, row: DeclarationRow, *, by: ActorRef | None
) -> Assessment | None:
    """Recompute the assessment at the registration date (after an amendment or an inspector's change)."""
    on = local_date(row.registered_at) if row.registered_at else today(clock)
    assessment = _assess_or_findings(session, content_of(row), on)
    before = _amount_text(row.total_due)
    breakdown = stored_breakdown(row, assessment)
    if breakdown != row.assessment:
        keep_live_version(session, row)
    store_assessment(row, assessment, breakdown=breakdown)
    row.updated_at = clock.now()
    audit.record(
        session, clock, category=audit.DATA, action="declaration.assessed", actor=by, entity_type=ENTITY,
        entity_id=row.id, detail={"total_before": before, "total_after": _amount_text(row.total_due)},
    )  # fmt: skip
    return assessment


def _amount_text(money: Money | None) -> str | None:
    return None if money is None else str(money.amount)


def snapshot(
    session: Session,
    clock: Clock,
    row: DeclarationRow,
    by: ActorRef | None,
    reason: str | None,
    content: Declaration | None = None,
) -> None:
    """Keep the declarant's version `row.current_version` (its content, given or read from the row)."""
    session.add(DeclarationVersionRow(**snapshot_values(clock, row, by, reason, content)))


def snapshot_values(
    clock: Clock, row: DeclarationRow, by: ActorRef | None, reason: str | None, content: Declaration | None
) -> dict[str, Any]:
    return {
        **live_version_values(clock, row, by, reason),
        "snapshot": model.declaration_to_dict(content or content_of(row)), "assessment": row.assessment,
    }  # fmt: skip


def live_version_values(
    clock: Clock, row: DeclarationRow, by: ActorRef | None, reason: str | None
) -> dict[str, Any]:
    """The version `row.current_version` kept as the live one: who made it, when and why, and no content
    yet. While it is current its content is the declaration's own rows; it is written into the version
    (`keep_live_version`) just before anything changes them. Lodging keeps its version this way: most
    declarations are never amended, and their content is then stored once, not twice."""
    return {
        "declaration_id": row.id, "version_number": row.current_version, "created_at": clock.now(),
        "created_by_user_id": by.id if by else None, "created_by_name": by.name if by else "system",
        "reason": reason, "snapshot": None, "assessment": None,
    }  # fmt: skip


def keep_live_version(session: Session, row: DeclarationRow) -> None:
    """Write the live version's content (the declaration's items and header, and its assessment) into its
    version: called before the content or the assessment changes. A version already written is left."""
    live = session.scalars(
        select(DeclarationVersionRow).where(
            DeclarationVersionRow.declaration_id == row.id,
            DeclarationVersionRow.version_number == row.current_version,
            DeclarationVersionRow.snapshot.is_(None),
        )
    ).one_or_none()
    if live is not None:
        live.snapshot = model.declaration_to_dict(content_of(row))
        live.assessment = row.assessment


# --- amendment and invalidation --------------------------------------------------------------------


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
    """The declarant's amendment before control: a new version, validated and assessed again."""
    row = own(session, actor, declaration_id)
    check_version(row, expected_version)
    model.next_status(row.status, Action.AMEND)
    reason = _reason(reason)
    content = with_uploaded_documents(row, declarant_content(session, actor, content))
    if content.office_code != row.office_code:
        raise InvalidInput(
            "declarations.office_fixed", "The office of a registered declaration cannot be changed"
        )
    _check_same_declarant_and_procedure(row, content)
    on = local_date(row.registered_at) if row.registered_at else today(clock)
    findings, assessment = checked_assessment(session, content, on)
    keep_live_version(session, row)
    _apply_content(session, row, content)
    store_assessment(row, assessment)
    row.findings = findings_json(findings)
    row.current_version += 1
    by = actor_ref(actor)
    transition(
        session, clock, row, Action.AMEND, by=by, reason=reason, client_ip=actor.client_ip,
        detail={"version": row.current_version},
    )  # fmt: skip
    flush_or_conflict(session)
    snapshot(session, clock, row, by, reason)
    flush_or_conflict(session)
    return row


FIXED_BY_REGISTRATION = ("type", "regime", "operator_nif", "broker_id")
"""What an amendment cannot change: another procedure or another importer is another declaration (it is
invalidated and a new one lodged), not an amendment of this one."""


FIELD_FIXED = (
    "The {field} of a registered declaration cannot be changed: request its invalidation and lodge a new"
    " declaration"
)


def _check_same_declarant_and_procedure(row: DeclarationRow, content: Declaration) -> None:
    for name in FIXED_BY_REGISTRATION:
        given = getattr(content, name)
        if getattr(given, "value", given) != getattr(row, name):
            raise InvalidInput("declarations.field_fixed", FIELD_FIXED, field=name)


def _reason(text: str | None) -> str:
    cleaned = " ".join(_printable(text).split())
    if not cleaned:
        raise InvalidInput("declarations.reason_required", "A reason is required")
    if len(cleaned) > 2000:
        raise InvalidInput("declarations.reason_too_long", "The reason is at most {max} characters", max=2000)
    return cleaned


def pending_invalidation(session: Session, declaration_id: int) -> InvalidationRequestRow | None:
    return session.scalar(
        select(InvalidationRequestRow).where(
            InvalidationRequestRow.declaration_id == declaration_id,
            InvalidationRequestRow.decision == model.InvalidationDecision.PENDING.value,
        )
    )


def check_nothing_paid(session: Session, row: DeclarationRow) -> Settlement:
    """The declaration's settlement, if no payment or guarantee has been recorded against it (else
    Conflict `declarations.already_paid`: invalidating it would leave money collected for nothing)."""
    settlement = payments.settlement_of(session, ENTITY, row.id)
    if settlement.receipts or settlement.status not in (SettlementStatus.NONE, SettlementStatus.OPEN):
        raise Conflict(
            "declarations.already_paid",
            "Payments were recorded for this declaration: it can no longer be cancelled this way",
        )
    return settlement


def request_invalidation(
    session: Session, clock: Clock, actor: Actor, declaration_id: int, *, reason: str
) -> InvalidationRequestRow:
    """Ask customs to invalidate the declaration; an officer approves (officer side). Not once anything is
    paid: the approval would be refused."""
    row = own(session, actor, declaration_id)
    reason = _reason(reason)
    check_nothing_paid(session, row)
    if pending_invalidation(session, row.id) is not None:
        raise Conflict("declarations.invalidation_pending", "An invalidation request is already pending")
    transition(
        session, clock, row, Action.REQUEST_INVALIDATION, by=actor_ref(actor), reason=reason,
        client_ip=actor.client_ip,
    )  # fmt: skip
    request = InvalidationRequestRow(
        declaration_id=row.id, reason=reason, requested_by_user_id=actor.user_id,
        requested_by_name=actor.username, requested_at=clock.now(),
        decision=model.InvalidationDecision.PENDING.value,
    )  # fmt: skip
    session.add(request)
    flush_or_conflict(session)
    return request


# --- reading ----------------------------------------------------------------------------------------


def _scoped(query: Select[Any], actor: Actor) -> Select[Any]:
    if actor.broker_id is not None:
        return query.where(DeclarationRow.broker_id == actor.broker_id)
    if actor.operator_id is not None:
        return query.where(DeclarationRow.operator_id == actor.operator_id)
    if is_officer(actor):
        return query
    return query.where(DeclarationRow.id.is_(None))


def search(
    session: Session,
    actor: Actor,
    *,
    status: Status | None = None,
    office_code: str | None = None,
    broker_id: int | None = None,
    operator_id: int | None = None,
    registered_from: date | None = None,
    registered_to: date | None = None,
    number: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[DeclarationRow], int]:
    """Declarations the actor may see, newest first; dates are registration dates (Algerian days)."""
    query = _scoped(select(DeclarationRow), actor)
    if status is not None:
        query = query.where(DeclarationRow.status == status.value)
    if office_code:
        query = query.where(DeclarationRow.office_code == office_code)
    if broker_id is not None:
        query = query.where(DeclarationRow.broker_id == broker_id)
    if operator_id is not None:
        query = query.where(DeclarationRow.operator_id == operator_id)
    if registered_from is not None:
        query = query.where(DeclarationRow.registered_at >= start_of_local_day(registered_from))
    if registered_to is not None:
        query = query.where(DeclarationRow.registered_at <= end_of_local_day(registered_to))
    if number:
        text = number.strip().translate(numbering.ASCII_DIGITS)  # as typed on an Arabic keyboard too
        query = query.where(or_(DeclarationRow.number == text, DeclarationRow.number.startswith(text)))
    return fetch_page(session, query, DeclarationRow.id.desc(), offset, limit)


def history(session: Session, actor: Actor, declaration_id: int) -> list[AuditEvent]:
    """The declaration's audit events, oldest first; declarants do not see the inspector draw."""
    row = get(session, actor, declaration_id)
    events = audit.events_of(session, ENTITY, row.id, limit=1000)
    if is_officer(actor):
        return events
    return [e for e in events if e.action not in DECLARANT_VISIBLE_HIDDEN_ACTIONS]


def versions(session: Session, actor: Actor, declaration_id: int) -> list[DeclarationVersionRow]:
    """Every version kept, the live one (`live_version_values`) read from the declaration's own rows."""
    row = get(session, actor, declaration_id)
    kept = session.scalars(
        select(DeclarationVersionRow)
        .where(DeclarationVersionRow.declaration_id == row.id)
        .order_by(DeclarationVersionRow.version_number)
    )
    return [version if version.snapshot is not None else _as_read_now(row, version) for version in kept]


def _as_read_now(row: DeclarationRow, live: DeclarationVersionRow) -> DeclarationVersionRow:
    """The live version with the content it has now, as a copy the session never writes."""
    return DeclarationVersionRow(
        declaration_id=live.declaration_id, version_number=live.version_number, created_at=live.created_at,
        created_by_user_id=live.created_by_user_id, created_by_name=live.created_by_name, reason=live.reason,
        snapshot=model.declaration_to_dict(content_of(row)), assessment=row.assessment,
    )  # fmt: skip


def invalidation_requests(
    session: Session, actor: Actor, declaration_id: int
) -> list[InvalidationRequestRow]:
    row = get(session, actor, declaration_id)
    return list(
        session.scalars(
            select(InvalidationRequestRow)
            .where(InvalidationRequestRow.declaration_id == row.id)
            .order_by(InvalidationRequestRow.id)
        )
    )


def error_finding(exc: DouaneError, path: str = "") -> Finding:
    return Finding(exc.code, path, exc.message, model.Severity.BLOCKING, dict(exc.params))


# --- documents --------------------------------------------------------------------------------------


def add_document(
    session: Session,
    clock: Clock,
    actor: Actor,
    declaration_id: int,
    *,
    data_dir: Path,
    data: bytes,
    filename: str | None,
    type_code: str,
    number: str,
    issuer: str | None = None,
    issued_on: date | None = None,
    max_bytes: int = documents.MAX_DOCUMENT_BYTES,
) -> DeclarationDocumentRow:
    """Attach an uploaded file (PDF/JPEG/PNG, sniffed) to the declaration; the declarant only."""
    row = own(session, actor, declaration_id)
    if Status(row.status) not in UPLOADABLE:
        raise Conflict(
            "declarations.documents_closed", "Documents can no longer be added in status {status}",
            status=row.status,
        )  # fmt: skip
    type_code, number = _short(type_code, "type_code", 8), _short(number, "number", 60)
    stored = documents.store(data_dir, data, max_bytes)
    document = next((d for d in row.documents if (d.type_code, d.number) == (type_code, number)), None)
    if document is None:
        document = DeclarationDocumentRow(type_code=type_code, number=number)
        row.documents.append(document)
    document.issuer = _printable(issuer)[:200] or document.issuer
    document.issued_on = issued_on or document.issued_on
    document.sha256, document.stored_path = stored.sha256, stored.relative_path
    document.content_type, document.size_bytes = stored.content_type, stored.size_bytes
    document.filename = _printable(filename)[:255] or None
    document.uploaded_at, document.uploaded_by_user_id = clock.now(), actor.user_id
    row.updated_at = clock.now()
    if row.status == Status.DRAFT.value:  # a document a measure required is no longer missing
        row.findings = findings_json(validation.validate(session, content_of(row), today(clock)))
    flush_or_conflict(session)
    audit.record(
        session, clock, category=audit.DATA, action="declaration.document_added", actor=actor_ref(actor),
        entity_type=ENTITY, entity_id=row.id, client_ip=actor.client_ip,
        detail={"type_code": type_code, "number": number, "sha256": stored.sha256},
    )  # fmt: skip
    return document


def _printable(value: str | None) -> str:
    return "".join(c for c in (value or "") if c >= " " or c in "\t\n")


def _short(value: str, field: str, max_length: int) -> str:
    text = " ".join(_printable(value).split())
    if not text:
        raise InvalidInput("declarations.field_required", "The field {field} is required", field=field)
    if len(text) > max_length:
        raise InvalidInput(
            "declarations.field_too_long", "The field {field} is at most {max} characters",
            field=field, max=max_length,
        )  # fmt: skip
    return text


def document_content(
    session: Session, actor: Actor, declaration_id: int, document_id: int, *, data_dir: Path
) -> tuple[DeclarationDocumentRow, bytes]:
    row = get(session, actor, declaration_id)
    document = next((d for d in row.documents if d.id == document_id), None)
    if document is None or document.stored_path is None:
        raise NotFound("declarations.document_not_found", "No such document file on this declaration")
    return document, documents.read(data_dir, document.stored_path)


# --- office figures (the chief's dashboard) ----------------------------------------------------------


@dataclass(frozen=True)
class OfficeFigures:
    by_status: list[tuple[Status, int]]
    by_channel: list[tuple[model.Channel, int]]
    released: int
    average_release_hours: float | None


def office_figures(session: Session, office_code: str | None) -> OfficeFigures:
    """Counts per status (drafts left out) and per channel, and the mean time from registration to release,
    at one office (every office when `office_code` is None)."""
    where = [DeclarationRow.office_code == office_code] if office_code else []
    statuses = dict(
        session.execute(
            select(DeclarationRow.status, func.count()).where(*where).group_by(DeclarationRow.status)
        ).all()
    )
    channels = dict(
        session.execute(
            select(DeclarationRow.channel, func.count())
            .where(*where, DeclarationRow.channel.is_not(None))
            .group_by(DeclarationRow.channel)
        ).all()
    )
    spans = session.execute(
        select(DeclarationRow.registered_at, DeclarationRow.released_at).where(
            *where, DeclarationRow.released_at.is_not(None), DeclarationRow.registered_at.is_not(None)
        )
    ).all()
    hours = [
        (released - registered).total_seconds() / 3600
        for registered, released in spans
        if registered and released
    ]
    return OfficeFigures(
        by_status=[(s, int(statuses.get(s.value, 0))) for s in Status if s is not Status.DRAFT],
        by_channel=[(c, int(channels.get(c.value, 0))) for c in model.Channel],
        released=len(hours),
        average_release_hours=sum(hours) / len(hours) if hours else None,
    )
