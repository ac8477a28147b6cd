"""Registry use cases. Every function takes the caller's session; the caller owns the transaction.

Public face for other contexts: `office_handles_regime`, `operator_is_active`, `broker_may_declare`,
`broker_declaration_refusal`, `roster`, `get_office`, `get_operator`, `find_operator_by_nif`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from douane.audit import service as audit
from douane.db import fetch_page
from douane.identity.model import Actor, Permission, Role
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, end_of_local_day, local_date
from douane.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from douane.read_cache import cached, watch_writes
from douane.registry import model
from douane.registry.model import (
    BrokerStatus,
    DateRange,
    Grade,
    OfficeKind,
    OperatorStatus,
    PostingRole,
    Refusal,
    RosterOfficer,
    StatusChange,
)
from douane.registry.tables import (
    BrokerOfficeApprovalRow,
    BrokerStatusHistoryRow,
    CustomsBrokerRow,
    CustomsOfficeRow,
    EconomicOperatorRow,
    OfficeRegimeRow,
    OfficerRow,
    OperatorStatusHistoryRow,
    PostingRow,
    RegionalDirectorateRow,
)

# The shared reads (office regimes, operator and broker standing, draw pools) are valid until these
# tables change.
watch_writes(
    OfficerRow,
    PostingRow,
    CustomsOfficeRow,
    OfficeRegimeRow,
    EconomicOperatorRow,
    OperatorStatusHistoryRow,
    CustomsBrokerRow,
    BrokerStatusHistoryRow,
    BrokerOfficeApprovalRow,
)

SYSTEM_NAME = "system"
MAX_SEARCH_WORDS = 6
DENSE_MATCHES_PER_ROW_SHOWN = 40
FEW_MATCHES = 500


def _who(by: Actor | None) -> tuple[int | None, str]:
    return (None, SYSTEM_NAME) if by is None else (by.user_id, by.username)


def _text(value: str | None, field: str, max_length: int, *, required: bool = True) -> str | None:
    cleaned = model.single_line(value)
    if not cleaned:
        if required:
            raise InvalidInput("registry.field_required", "The field {field} is required", field=field)
        return None
    if len(cleaned) > max_length:
        raise InvalidInput(
            "registry.field_too_long", "The field {field} is at most {max} characters",
            field=field, max=max_length,
        )  # fmt: skip
    return cleaned


def _required(value: str | None, field: str, max_length: int) -> str:
    text = _text(value, field, max_length)
    assert text is not None
    return text


def _check_version(actual: int, expected: int | None) -> None:
    if expected is not None and actual != expected:
        raise Conflict(
            "registry.stale_version",
            "The record changed since you read it (version {actual}, you had {expected}); reload it",
            actual=actual, expected=expected,
        )  # fmt: skip


def _flush_versioned(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            "registry.concurrent_change", "Someone else changed this record at the same time; reload it"
        ) from exc


def _moment(on: date | datetime) -> tuple[date, datetime]:
    if isinstance(on, datetime):
        return local_date(on), on
    return on, end_of_local_day(on)


# --- regional directorates and customs offices -------------------------------------------------


def upsert_directorate(
    session: Session, clock: Clock, *, code: str, name_fr: str, name_ar: str | None, by: Actor | None
) -> RegionalDirectorateRow:
    code = code.strip().upper()
    if not model.DIRECTORATE_CODE.match(code):
        raise InvalidInput(
            "registry.invalid_directorate_code", "A regional directorate code is 1 to 8 letters or digits"
        )
    row = session.get(RegionalDirectorateRow, code)
    if row is None:
        row = RegionalDirectorateRow(code=code)
        session.add(row)
    row.name_fr = _required(name_fr, "name_fr", 150)
    row.name_ar = _text(name_ar, "name_ar", 150, required=False)
    audit.record(
        session, clock, category=audit.DATA, action="directorate.saved", actor=actor_ref(by),
        entity_type="regional_directorate", entity_id=code,
    )  # fmt: skip
    return row


def list_directorates(session: Session) -> list[RegionalDirectorateRow]:
    return list(session.scalars(select(RegionalDirectorateRow).order_by(RegionalDirectorateRow.code)))


def _directorate(session: Session, code: str) -> RegionalDirectorateRow:
    row = session.get(RegionalDirectorateRow, code.strip().upper())
    if row is None:
        raise InvalidInput(
            "registry.unknown_directorate",
            "No regional directorate has the code {directorate}",
            directorate=code[:8],
        )
    return row


def get_office(session: Session, code: str) -> CustomsOfficeRow:
    wanted = code.strip()
    row = cached(
        session,
        ("registry.office", wanted),
        lambda: session.scalar(select(CustomsOfficeRow).where(CustomsOfficeRow.code == wanted)),
    )
    if row is None:
        raise NotFound(
            "registry.office_not_found", "No customs office has the code {office}", office=code[:10]
        )
    return row


_OFFICE_FIELDS = {
    "name_fr", "name_ar", "name_en", "kind", "regional_directorate", "unlocode", "collection_office",
    "regimes", "active",
}  # fmt: skip


def _apply_office_fields(session: Session, row: CustomsOfficeRow, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - _OFFICE_FIELDS
    if unknown:
        raise InvalidInput("registry.unknown_field", "Unknown field {field}", field=sorted(unknown)[0])
    for name in ("name_fr", "name_ar", "name_en"):
        if name in fields:
            setattr(row, name, _required(fields[name], name, 150))
    if "kind" in fields:
        row.kind = _office_kind(fields["kind"]).value
    if "regional_directorate" in fields:
        row.regional_directorate_code = _directorate(session, fields["regional_directorate"]).code
    if "unlocode" in fields:
        row.unlocode = model.clean_unlocode(fields["unlocode"]) if fields["unlocode"] else None
    if "collection_office" in fields:
        value = fields["collection_office"]
        row.collection_office_code = model.clean_office_code(value) if value else None
    if "regimes" in fields:
        row.regime_rows = [OfficeRegimeRow(regime=r) for r in model.clean_regimes(fields["regimes"] or [])]
    if "active" in fields:
        row.active = bool(fields["active"])


def _office_kind(value: str) -> OfficeKind:
    try:
        return OfficeKind(value)
    except ValueError as exc:
        raise InvalidInput(
            "registry.invalid_office_kind", "An office kind is sea_port, airport, land_border or inland"
        ) from exc


def create_office(
    session: Session, clock: Clock, *, code: str, by: Actor | None, **fields: Any
) -> CustomsOfficeRow:
    code = model.clean_office_code(code)
    if session.scalar(select(CustomsOfficeRow.id).where(CustomsOfficeRow.code == code)) is not None:
        raise Conflict(
            "registry.office_exists", "A customs office with the code {office} exists", office=code
        )
    for name in ("name_fr", "name_ar", "name_en", "kind", "regional_directorate"):
        if not fields.get(name):
            raise InvalidInput("registry.field_required", "The field {field} is required", field=name)
    row = CustomsOfficeRow(code=code, active=True, regime_rows=[])
    _apply_office_fields(session, row, fields)
    session.add(row)
    session.flush()
    audit.record(
        session, clock, category=audit.DATA, action="office.created", actor=actor_ref(by),
        entity_type="customs_office", entity_id=code,
    )  # fmt: skip
    return row


def update_office(
    session: Session, clock: Clock, code: str, changes: Mapping[str, Any], *, by: Actor | None
) -> CustomsOfficeRow:
    row = get_office(session, code)
    was_active = row.active
    _apply_office_fields(session, row, changes)
    session.flush()
    audit.record(
        session, clock, category=audit.DATA, action="office.updated", actor=actor_ref(by),
        entity_type="customs_office", entity_id=row.code,
        from_state=None if was_active == row.active else ("active" if was_active else "inactive"),
        to_state=None if was_active == row.active else ("active" if row.active else "inactive"),
        detail={"fields": sorted(changes)},
    )  # fmt: skip
    return row


def delete_office(session: Session, clock: Clock, code: str, *, by: Actor | None) -> None:
    row = get_office(session, code)
    used = session.scalar(select(PostingRow.id).where(PostingRow.office_id == row.id).limit(1)) or (
        session.scalar(
            select(BrokerOfficeApprovalRow.id).where(BrokerOfficeApprovalRow.office_id == row.id).limit(1)
        )
    )
    if used is not None:
        raise Conflict(
            "registry.office_in_use",
            "The office {office} has postings or broker approvals: deactivate it instead",
            office=row.code,
        )
    session.delete(row)
    audit.record(
        session, clock, category=audit.DATA, action="office.deleted", actor=actor_ref(by),
        entity_type="customs_office", entity_id=row.code,
    )  # fmt: skip


def list_offices(
    session: Session,
    *,
    q: str | None = None,
    kind: OfficeKind | None = None,
    directorate: str | None = None,
    regime: str | None = None,
    active: bool | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[CustomsOfficeRow], int]:
    query = select(CustomsOfficeRow)
    q = model.single_line(q)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(
            or_(
                CustomsOfficeRow.code.startswith(q.strip(), autoescape=True),
                func.lower(CustomsOfficeRow.name_fr).like(like),
                func.lower(CustomsOfficeRow.name_en).like(like),
                CustomsOfficeRow.name_ar.like(like),
                CustomsOfficeRow.unlocode == q.strip().upper(),
            )
        )
    if kind:
        query = query.where(CustomsOfficeRow.kind == kind.value)
    if directorate:
        query = query.where(CustomsOfficeRow.regional_directorate_code == directorate.strip().upper())
    if regime:
        query = query.where(
            CustomsOfficeRow.id.in_(
                select(OfficeRegimeRow.office_id).where(OfficeRegimeRow.regime == regime.strip().upper())
            )
        )
    if active is not None:
        query = query.where(CustomsOfficeRow.active == active)
    return fetch_page(session, query, CustomsOfficeRow.code, offset, limit)


def office_handles_regime(session: Session, office_code: str, regime: str) -> bool:
    """True if the office exists, is active and lists that customs regime or procedure code."""
    key = ("registry.office_handles_regime", office_code, regime)
    return cached(session, key, lambda: _office_handles_regime(session, office_code, regime), shared=True)


def _office_handles_regime(session: Session, office_code: str, regime: str) -> bool:
    found = session.scalar(
        select(OfficeRegimeRow.regime)
        .join(CustomsOfficeRow, CustomsOfficeRow.id == OfficeRegimeRow.office_id)
        .where(
            CustomsOfficeRow.code == office_code.strip(),
            CustomsOfficeRow.active.is_(True),
            OfficeRegimeRow.regime == regime.strip().upper(),
        )
    )
    return found is not None


# --- economic operators ------------------------------------------------------------------------


def _operator_status(value: str) -> OperatorStatus:
    try:
        return OperatorStatus(value)
    except ValueError as exc:
        raise InvalidInput(
            "registry.invalid_operator_status", "An operator status is active, suspended or struck_off"
        ) from exc


def _refresh_search_text(row: EconomicOperatorRow) -> None:
    row.search_text = model.operator_search_text(row.rc_number, row.legal_name_fr, row.legal_name_ar)


def register_operator(
    session: Session,
    clock: Clock,
    *,
    nif: str,
    rc_number: str,
    legal_name_fr: str,
    legal_name_ar: str | None = None,
    address: str | None = None,
    wilaya: str,
    registered_on: date | None = None,
    by: Actor | None = None,
) -> EconomicOperatorRow:
    nif = model.clean_nif(nif)
    if session.scalar(select(EconomicOperatorRow.id).where(EconomicOperatorRow.nif == nif)) is not None:
        raise Conflict("registry.nif_taken", "An economic operator with the NIF {nif} exists", nif=nif)
    now = clock.now()
    row = EconomicOperatorRow(
        nif=nif,
        rc_number=model.clean_rc_number(rc_number),
        legal_name_fr=_required(legal_name_fr, "legal_name_fr", 200),
        legal_name_ar=_text(legal_name_ar, "legal_name_ar", 200, required=False),
        address=_text(address, "address", 300, required=False),
        wilaya=model.clean_wilaya(wilaya),
        status=OperatorStatus.ACTIVE.value,
        registered_on=registered_on or local_date(now),
        created_at=now,
        updated_at=now,
    )
    _refresh_search_text(row)
    session.add(row)
    session.flush()
    audit.record(
        session, clock, category=audit.STATE, action="operator.registered", actor=actor_ref(by),
        entity_type="economic_operator", entity_id=row.id, to_state=row.status, detail={"nif": nif},
    )  # fmt: skip
    return row


def _may_read_operator(viewer: Actor | None, operator_id: int) -> None:
    if viewer is None or viewer.can(Permission.OPERATORS_READ_ALL):
        return
    if viewer.operator_id != operator_id:
        raise Forbidden("registry.not_your_operator", "You may only see your own economic operator")


def get_operator(session: Session, operator_id: int, *, viewer: Actor | None = None) -> EconomicOperatorRow:
    _may_read_operator(viewer, operator_id)
    row = session.get(EconomicOperatorRow, operator_id)
    if row is None:
        raise NotFound("registry.operator_not_found", "No such economic operator", operator_id=operator_id)
    return row


def find_operator_by_nif(session: Session, nif: str) -> EconomicOperatorRow | None:
    nif = model.clean_nif(nif)
    return cached(
        session,
        ("registry.operator_by_nif", nif),
        lambda: session.scalar(select(EconomicOperatorRow).where(EconomicOperatorRow.nif == nif)),
    )


def operator_id_of_nif(session: Session, nif: str) -> int | None:
    """The id of the operator registered under that NIF (None if there is none)."""
    nif = model.clean_nif(nif)
    key = ("registry.operator_id_of_nif", nif)
    return cached(
        session,
        key,
        lambda: session.scalar(select(EconomicOperatorRow.id).where(EconomicOperatorRow.nif == nif)),
        shared=True,
    )


_OPERATOR_FIELDS = {"rc_number", "legal_name_fr", "legal_name_ar", "address", "wilaya"}


def update_operator(
    session: Session,
    clock: Clock,
    operator_id: int,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None,
    by: Actor | None = None,
) -> EconomicOperatorRow:
    """Correct an operator's particulars (its NIF never changes; status has its own use case)."""
    unknown = set(changes) - _OPERATOR_FIELDS
    if unknown:
        raise InvalidInput("registry.unknown_field", "Unknown field {field}", field=sorted(unknown)[0])
    row = get_operator(session, operator_id)
    _check_version(row.version, expected_version)
    if "rc_number" in changes:
        row.rc_number = model.clean_rc_number(changes["rc_number"])
    if "legal_name_fr" in changes:
        row.legal_name_fr = _required(changes["legal_name_fr"], "legal_name_fr", 200)
    if "legal_name_ar" in changes:
        row.legal_name_ar = _text(changes["legal_name_ar"], "legal_name_ar", 200, required=False)
    if "address" in changes:
        row.address = _text(changes["address"], "address", 300, required=False)
    if "wilaya" in changes:
        row.wilaya = model.clean_wilaya(changes["wilaya"])
    _refresh_search_text(row)
    row.updated_at = clock.now()
    _flush_versioned(session)
    audit.record(
        session, clock, category=audit.DATA, action="operator.updated", actor=actor_ref(by),
        entity_type="economic_operator", entity_id=row.id, detail={"fields": sorted(changes)},
    )  # fmt: skip
    return row


def change_operator_status(
    session: Session,
    clock: Clock,
    operator_id: int,
    *,
    to_status: OperatorStatus | str,
    reason: str,
    expected_version: int | None,
    by: Actor | None = None,
) -> EconomicOperatorRow:
    target = _operator_status(str(to_status))
    why = model.require_reason(reason)
    row = get_operator(session, operator_id)
    _check_version(row.version, expected_version)
    current = OperatorStatus(row.status)
    model.check_operator_transition(current, target)
    now = clock.now()
    row.status = target.value
    row.updated_at = now
    actor_id, actor_name = _who(by)
    session.add(
        OperatorStatusHistoryRow(
            operator_id=row.id, at=now, from_status=current.value, to_status=target.value, reason=why,
            actor_id=actor_id, actor_name=actor_name,
        )
    )  # fmt: skip
    _flush_versioned(session)
    audit.record(
        session, clock, category=audit.STATE, action="operator.status_changed", actor=actor_ref(by),
        entity_type="economic_operator", entity_id=row.id, from_state=current.value,
        to_state=target.value, reason=why,
    )  # fmt: skip
    return row


def operator_history(
    session: Session, operator_id: int, *, viewer: Actor | None = None
) -> list[OperatorStatusHistoryRow]:
    get_operator(session, operator_id, viewer=viewer)
    return list(
        session.scalars(
            select(OperatorStatusHistoryRow)
            .where(OperatorStatusHistoryRow.operator_id == operator_id)
            .order_by(OperatorStatusHistoryRow.at, OperatorStatusHistoryRow.id)
        )
    )


def search_operators(
    session: Session,
    *,
    q: str | None = None,
    status: OperatorStatus | None = None,
    wilaya: str | None = None,
    viewer: Actor | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[EconomicOperatorRow], int]:
    """Operators matching a NIF prefix, or every word of `q` within the RC number or either legal name.

    Case, accents and Arabic diacritics are ignored. A viewer without `operators:read-all` sees
    only its own operator. Sorted by French legal name.
    """
    query = select(EconomicOperatorRow)
    if viewer is not None and not viewer.can(Permission.OPERATORS_READ_ALL):
        query = query.where(EconomicOperatorRow.id == (viewer.operator_id or -1))
    condition = operator_search_condition(q or "")
    if condition is not None:
        query = query.where(condition)
    if status:
        query = query.where(EconomicOperatorRow.status == status.value)
    if wilaya:
        query = query.where(EconomicOperatorRow.wilaya == model.clean_wilaya(wilaya))
    operator = EconomicOperatorRow
    # Most searches match few rows: fetch all their ids in one pass, then sort just those.
    ids = session.scalars(query.with_only_columns(operator.id).limit(FEW_MATCHES + 1)).all()
    if len(ids) <= FEW_MATCHES:
        matches = select(operator).where(operator.id.in_(ids))
        rows = session.scalars(
            matches.order_by(operator.legal_name_fr, operator.id).offset(offset).limit(limit)
        )
        return list(rows), len(ids)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order: Any = operator.legal_name_fr
    sparse = total < DENSE_MATCHES_PER_ROW_SHOWN * (offset + limit)
    if sparse and session.get_bind().dialect.name == "sqlite":
        # SQLite's planner would walk the name index testing every row on the way, which is slow
        # when matches are sparse: filter first (on the covering index), then sort the matches.
        # Sorting on an expression keeps it off the name index. PostgreSQL's planner needs no help.
        query = select(operator).where(operator.id.in_(query.with_only_columns(operator.id)))
        order = func.coalesce(order, "")
    rows = session.scalars(query.order_by(order, operator.id).offset(offset).limit(limit))
    return list(rows), total


def operator_search_condition(q: str) -> Any:
    """Every word of `q` within the RC number or names, or `q` as a NIF prefix."""
    words = model.normalize_search(q).split()[:MAX_SEARCH_WORDS]
    if not words:
        return None
    by_words = and_(*(EconomicOperatorRow.search_text.contains(word) for word in words))
    digits = "".join(words)
    if not digits.isdigit():
        return by_words
    # The NIF prefix as a key range on the unique index (any collation), united with the word match
    # so each side uses its own index.
    upper = model.next_prefix(digits)
    nif = EconomicOperatorRow.nif
    in_range = nif >= digits if upper is None else and_(nif >= digits, nif < upper)
    matches = union(
        select(EconomicOperatorRow.id).where(by_words), select(EconomicOperatorRow.id).where(in_range)
    )
    return EconomicOperatorRow.id.in_(matches)


def operator_is_active(session: Session, operator: int | str, on: date | datetime) -> bool:
    """Was the operator (by id or NIF) registered and active on that date (or at that moment)?

    A date means the end of that Algerian day: an operator suspended during the day is not active.
    """
    key = ("registry.operator_is_active", operator, on)
    return cached(session, key, lambda: _operator_is_active(session, operator, on), shared=True)


def _operator_is_active(session: Session, operator: int | str, on: date | datetime) -> bool:
    if isinstance(operator, int):
        row = session.get(EconomicOperatorRow, operator)
    else:
        row = session.scalar(
            select(EconomicOperatorRow).where(EconomicOperatorRow.nif == "".join(operator.split()))
        )
    if row is None:
        return False
    day, moment = _moment(on)
    if day < row.registered_on:
        return False
    history = session.execute(
        select(
            OperatorStatusHistoryRow.at,
            OperatorStatusHistoryRow.from_status,
            OperatorStatusHistoryRow.to_status,
        ).where(OperatorStatusHistoryRow.operator_id == row.id)
    ).all()
    changes = [StatusChange(h.at, h.from_status, h.to_status) for h in history]
    return model.status_at(row.status, changes, moment) == OperatorStatus.ACTIVE.value


# --- customs brokers ---------------------------------------------------------------------------


def _broker_status(value: str) -> BrokerStatus:
    try:
        return BrokerStatus(value)
    except ValueError as exc:
        raise InvalidInput(
            "registry.invalid_broker_status", "A broker status is approved, suspended or withdrawn"
        ) from exc


def _licence_number(value: str) -> str:
    number = value.strip().upper()
    if not model.LICENCE_NUMBER.match(number):
        raise InvalidInput(
            "registry.invalid_licence_number",
            "A licence number is 2 to 30 letters, digits, '/', '.' or '-'",
        )
    return number


def register_broker(
    session: Session,
    clock: Clock,
    *,
    licence_number: str,
    firm_name: str,
    holder_name: str,
    nif: str,
    licence_valid_from: date,
    licence_valid_to: date | None = None,
    by: Actor | None = None,
) -> CustomsBrokerRow:
    number = _licence_number(licence_number)
    exists = session.scalar(select(CustomsBrokerRow.id).where(CustomsBrokerRow.licence_number == number))
    if exists is not None:
        raise Conflict(
            "registry.licence_taken", "A customs broker with the licence {number} exists", number=number
        )
    DateRange(licence_valid_from, licence_valid_to)
    row = CustomsBrokerRow(
        licence_number=number,
        firm_name=_required(firm_name, "firm_name", 200),
        holder_name=_required(holder_name, "holder_name", 200),
        nif=model.clean_nif(nif),
        licence_valid_from=licence_valid_from,
        licence_valid_to=licence_valid_to,
        status=BrokerStatus.APPROVED.value,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, clock, category=audit.STATE, action="broker.registered", actor=actor_ref(by),
        entity_type="customs_broker", entity_id=row.id, to_state=row.status,
        detail={"licence_number": number},
    )  # fmt: skip
    return row


def get_broker(session: Session, broker_id: int) -> CustomsBrokerRow:
    row = session.get(CustomsBrokerRow, broker_id)
    if row is None:
        raise NotFound("registry.broker_not_found", "No such customs broker", broker_id=broker_id)
    return row


_BROKER_FIELDS = {"firm_name", "holder_name", "nif", "licence_valid_from", "licence_valid_to"}


def update_broker(
    session: Session,
    clock: Clock,
    broker_id: int,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None,
    by: Actor | None = None,
) -> CustomsBrokerRow:
    """Correct a broker's particulars or renew its licence period."""
    unknown = set(changes) - _BROKER_FIELDS
    if unknown:
        raise InvalidInput("registry.unknown_field", "Unknown field {field}", field=sorted(unknown)[0])
    row = get_broker(session, broker_id)
    _check_version(row.version, expected_version)
    for name in ("firm_name", "holder_name"):
        if name in changes:
            setattr(row, name, _required(changes[name], name, 200))
    if "nif" in changes:
        row.nif = model.clean_nif(changes["nif"])
    if "licence_valid_from" in changes:
        row.licence_valid_from = changes["licence_valid_from"]
    if "licence_valid_to" in changes:
        row.licence_valid_to = changes["licence_valid_to"]
    DateRange(row.licence_valid_from, row.licence_valid_to)
    _flush_versioned(session)
    audit.record(
        session, clock, category=audit.DATA, action="broker.updated", actor=actor_ref(by),
        entity_type="customs_broker", entity_id=row.id, detail={"fields": sorted(changes)},
    )  # fmt: skip
    return row


def change_broker_status(
    session: Session,
    clock: Clock,
    broker_id: int,
    *,
    to_status: BrokerStatus | str,
    reason: str,
    expected_version: int | None,
    by: Actor | None = None,
) -> CustomsBrokerRow:
    target = _broker_status(str(to_status))
    why = model.require_reason(reason)
    row = get_broker(session, broker_id)
    _check_version(row.version, expected_version)
    current = BrokerStatus(row.status)
    model.check_broker_transition(current, target)
    row.status = target.value
    actor_id, actor_name = _who(by)
    session.add(
        BrokerStatusHistoryRow(
            broker_id=row.id, at=clock.now(), from_status=current.value, to_status=target.value,
            reason=why, actor_id=actor_id, actor_name=actor_name,
        )
    )  # fmt: skip
    _flush_versioned(session)
    audit.record(
        session, clock, category=audit.STATE, action="broker.status_changed", actor=actor_ref(by),
        entity_type="customs_broker", entity_id=row.id, from_state=current.value, to_state=target.value,
        reason=why,
    )  # fmt: skip
    return row


def broker_history(session: Session, broker_id: int) -> list[BrokerStatusHistoryRow]:
    get_broker(session, broker_id)
    return list(
        session.scalars(
            select(BrokerStatusHistoryRow)
            .where(BrokerStatusHistoryRow.broker_id == broker_id)
            .order_by(BrokerStatusHistoryRow.at, BrokerStatusHistoryRow.id)
        )
    )


def list_brokers(
    session: Session,
    *,
    q: str | None = None,
    status: BrokerStatus | None = None,
    office_code: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[CustomsBrokerRow], int]:
    query = select(CustomsBrokerRow)
    q = model.single_line(q)
    if q:
        text = q.strip()
        like = f"%{text.lower()}%"
        query = query.where(
            or_(
                CustomsBrokerRow.licence_number.startswith(text.upper(), autoescape=True),
                CustomsBrokerRow.nif.startswith(text, autoescape=True),
                func.lower(CustomsBrokerRow.firm_name).like(like),
                func.lower(CustomsBrokerRow.holder_name).like(like),
            )
        )
    if status:
        query = query.where(CustomsBrokerRow.status == status.value)
    if office_code:
        approved_here = (
            select(BrokerOfficeApprovalRow.broker_id)
            .join(CustomsOfficeRow, CustomsOfficeRow.id == BrokerOfficeApprovalRow.office_id)
            .where(CustomsOfficeRow.code == office_code.strip())
        )
        query = query.where(CustomsBrokerRow.id.in_(approved_here))
    return fetch_page(session, query, CustomsBrokerRow.firm_name, offset, limit)


def broker_approvals(session: Session, broker_id: int) -> list[BrokerOfficeApprovalRow]:
    get_broker(session, broker_id)
    return list(
        session.scalars(
            select(BrokerOfficeApprovalRow)
            .where(BrokerOfficeApprovalRow.broker_id == broker_id)
            .order_by(BrokerOfficeApprovalRow.valid_from, BrokerOfficeApprovalRow.id)
        )
    )


def add_office_approval(
    session: Session,
    clock: Clock,
    broker_id: int,
    *,
    office_code: str,
    valid_from: date,
    valid_to: date | None = None,
    by: Actor | None = None,
) -> BrokerOfficeApprovalRow:
    broker = get_broker(session, broker_id)
    if broker.status == BrokerStatus.WITHDRAWN.value:
        raise Conflict(model.BROKER_WITHDRAWN.code, model.BROKER_WITHDRAWN.message)
    office = get_office(session, office_code)
    period = DateRange(valid_from, valid_to)
    existing = session.scalars(
        select(BrokerOfficeApprovalRow).where(
            BrokerOfficeApprovalRow.broker_id == broker.id, BrokerOfficeApprovalRow.office_id == office.id
        )
    )
    if any(period.overlaps(DateRange(a.valid_from, a.valid_to)) for a in existing):
        raise Conflict(
            "registry.approval_overlaps",
            "The broker already has an approval at office {office} for part of that period",
            office=office.code,
        )
    row = BrokerOfficeApprovalRow(
        broker_id=broker.id, office_id=office.id, valid_from=valid_from, valid_to=valid_to, office=office
    )
    session.add(row)
    session.flush()
    audit.record(
        session, clock, category=audit.DATA, action="broker.approval_added", actor=actor_ref(by),
        entity_type="customs_broker", entity_id=broker.id,
        detail={"office": office.code, "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat() if valid_to else None},
    )  # fmt: skip
    return row


def end_office_approval(
    session: Session,
    clock: Clock,
    broker_id: int,
    approval_id: int,
    *,
    valid_to: date,
    reason: str,
    by: Actor | None = None,
) -> BrokerOfficeApprovalRow:
    why = model.require_reason(reason)
    row = session.get(BrokerOfficeApprovalRow, approval_id)
    if row is None or row.broker_id != broker_id:
        raise NotFound("registry.approval_not_found", "No such office approval for this broker")
    if row.valid_to is not None and row.valid_to < valid_to:
        raise Conflict("registry.approval_already_ended", "This approval already ended on {end}",
                       end=row.valid_to.isoformat())  # fmt: skip
    DateRange(row.valid_from, valid_to)
    row.valid_to = valid_to
    row.ended_reason = why
    audit.record(
        session, clock, category=audit.DATA, action="broker.approval_ended", actor=actor_ref(by),
        entity_type="customs_broker", entity_id=broker_id, reason=why,
        detail={"office": row.office.code, "valid_to": valid_to.isoformat()},
    )  # fmt: skip
    return row


def broker_declaration_refusal(
    session: Session, broker_id: int, office_code: str, on: date | datetime
) -> Refusal | None:
    """Why the broker may not declare at that office on that date; None if it may.

    Codes: registry.broker_withdrawn, registry.broker_suspended, registry.broker_licence_expired,
    registry.broker_not_approved_at_office. Unknown broker or office raise NotFound.
    """
    key = ("registry.broker_refusal", broker_id, office_code, on)
    return cached(
        session, key, lambda: _broker_declaration_refusal(session, broker_id, office_code, on), shared=True
    )


def _broker_declaration_refusal(
    session: Session, broker_id: int, office_code: str, on: date | datetime
) -> Refusal | None:
    broker = get_broker(session, broker_id)
    office = get_office(session, office_code)
    day, moment = _moment(on)
    history = session.execute(
        select(
            BrokerStatusHistoryRow.at, BrokerStatusHistoryRow.from_status, BrokerStatusHistoryRow.to_status
        ).where(BrokerStatusHistoryRow.broker_id == broker.id)
    ).all()
    changes = [StatusChange(h.at, h.from_status, h.to_status) for h in history]
    status = BrokerStatus(model.status_at(broker.status, changes, moment))
    approvals = session.execute(
        select(BrokerOfficeApprovalRow.valid_from, BrokerOfficeApprovalRow.valid_to).where(
            BrokerOfficeApprovalRow.broker_id == broker.id, BrokerOfficeApprovalRow.office_id == office.id
        )
    ).all()
    return model.broker_refusal(
        status,
        DateRange(broker.licence_valid_from, broker.licence_valid_to),
        [DateRange(a.valid_from, a.valid_to) for a in approvals],
        day,
    )


def broker_may_declare(session: Session, broker_id: int, office_code: str, on: date | datetime) -> bool:
    return broker_declaration_refusal(session, broker_id, office_code, on) is None


# --- staff -------------------------------------------------------------------------------------


def _grade(value: str) -> Grade:
    try:
        return Grade(value)
    except ValueError as exc:
        raise InvalidInput("registry.invalid_grade", "Unknown grade {value}", value=str(value)[:40]) from exc


def _posting_role(value: str) -> PostingRole:
    try:
        return PostingRole(value)
    except ValueError as exc:
        raise InvalidInput(
            "registry.invalid_posting_role", "Unknown role at an office: {value}", value=str(value)[:40]
        ) from exc


def managed_office_ids(session: Session, actor: Actor | None, on: date) -> set[int] | None:
    """Offices whose staff the actor manages: None means all (system, administrator)."""
    if actor is None or actor.has_role(Role.ADMIN):
        return None
    if actor.officer_id is None:
        return set()
    return set(
        session.scalars(
            select(PostingRow.office_id).where(
                PostingRow.officer_id == actor.officer_id,
                PostingRow.role == PostingRole.OFFICE_CHIEF.value,
                *_posted_on(on),
            )
        )
    )


def _posted_on(day: date) -> list[Any]:
    return [PostingRow.valid_from <= day, or_(PostingRow.valid_to.is_(None), PostingRow.valid_to >= day)]


def _check_manages_office(session: Session, clock: Clock, actor: Actor | None, office_id: int) -> None:
    offices = managed_office_ids(session, actor, local_date(clock.now()))
    if offices is not None and office_id not in offices:
        raise Forbidden("registry.not_your_office", "You manage the staff of your own office only")


def _check_manages_officer(session: Session, clock: Clock, actor: Actor | None, officer_id: int) -> None:
    today = local_date(clock.now())
    offices = managed_office_ids(session, actor, today)
    if offices is None:
        return
    posted_at = select(PostingRow.office_id).where(PostingRow.officer_id == officer_id, *_posted_on(today))
    current = set(session.scalars(posted_at))
    if not current & offices:
        raise Forbidden("registry.not_your_office", "You manage the staff of your own office only")


def _service_number(value: str) -> str:
    number = value.strip().upper()
    if not model.SERVICE_NUMBER.match(number):
        raise InvalidInput(
            "registry.invalid_service_number", "A service number is 3 to 20 letters, digits, '/' or '-'"
        )
    return number


def create_officer(
    session: Session,
    clock: Clock,
    *,
    service_number: str,
    full_name: str,
    grade: Grade | str,
    on_duty: bool = False,
    by: Actor | None = None,
) -> OfficerRow:
    number = _service_number(service_number)
    if session.scalar(select(OfficerRow.id).where(OfficerRow.service_number == number)) is not None:
        raise Conflict(
            "registry.service_number_taken", "An officer with the service number {number} exists",
            number=number,
        )  # fmt: skip
    row = OfficerRow(
        service_number=number,
        full_name=_required(full_name, "full_name", 200),
        grade=_grade(str(grade)).value,
        on_duty=on_duty,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, clock, category=audit.DATA, action="officer.created", actor=actor_ref(by),
        entity_type="officer", entity_id=row.id, detail={"service_number": number},
    )  # fmt: skip
    return row


def get_officer(session: Session, officer_id: int) -> OfficerRow:
    row = session.get(OfficerRow, officer_id)
    if row is None:
        raise NotFound("registry.officer_not_found", "No such officer", officer_id=officer_id)
    return row


def update_officer(
    session: Session, clock: Clock, officer_id: int, changes: Mapping[str, Any], *, by: Actor | None = None
) -> OfficerRow:
    unknown = set(changes) - {"full_name", "grade"}
    if unknown:
        raise InvalidInput("registry.unknown_field", "Unknown field {field}", field=sorted(unknown)[0])
    row = get_officer(session, officer_id)
    _check_manages_officer(session, clock, by, row.id)
    if "full_name" in changes:
        row.full_name = _required(changes["full_name"], "full_name", 200)
    if "grade" in changes:
        row.grade = _grade(changes["grade"]).value
    audit.record(
        session, clock, category=audit.DATA, action="officer.updated", actor=actor_ref(by),
        entity_type="officer", entity_id=row.id, detail={"fields": sorted(changes)},
    )  # fmt: skip
    return row


def set_on_duty(
    session: Session, clock: Clock, officer_id: int, on_duty: bool, *, by: Actor | None = None
) -> OfficerRow:
    row = get_officer(session, officer_id)
    _check_manages_officer(session, clock, by, row.id)
    before = row.on_duty
    row.on_duty = on_duty
    audit.record(
        session, clock, category=audit.STATE, action="officer.duty_changed", actor=actor_ref(by),
        entity_type="officer", entity_id=row.id, from_state="on_duty" if before else "off_duty",
        to_state="on_duty" if on_duty else "off_duty",
    )  # fmt: skip
    return row


def list_officers(
    session: Session,
    *,
    q: str | None = None,
    grade: Grade | None = None,
    office_code: str | None = None,
    on_duty: bool | None = None,
    on: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[OfficerRow], int]:
    query = select(OfficerRow)
    q = model.single_line(q)
    if q:
        text = q.strip()
        query = query.where(
            or_(
                OfficerRow.service_number.startswith(text.upper(), autoescape=True),
                func.lower(OfficerRow.full_name).like(f"%{text.lower()}%"),
            )
        )
    if grade:
        query = query.where(OfficerRow.grade == grade.value)
    if on_duty is not None:
        query = query.where(OfficerRow.on_duty == on_duty)
    if office_code:
        office = get_office(session, office_code)
        posted = select(PostingRow.officer_id).where(PostingRow.office_id == office.id)
        if on is not None:
            posted = posted.where(*_posted_on(on))
        query = query.where(OfficerRow.id.in_(posted))
    return fetch_page(session, query, OfficerRow.service_number, offset, limit)


def officer_postings(session: Session, officer_id: int) -> list[PostingRow]:
    get_officer(session, officer_id)
    return list(
        session.scalars(
            select(PostingRow)
            .where(PostingRow.officer_id == officer_id)
            .order_by(PostingRow.valid_from, PostingRow.id)
        )
    )


def add_posting(
    session: Session,
    clock: Clock,
    officer_id: int,
    *,
    office_code: str,
    role: PostingRole | str,
    valid_from: date,
    valid_to: date | None = None,
    by: Actor | None = None,
) -> PostingRow:
    officer = get_officer(session, officer_id)
    office = get_office(session, office_code)
    _check_manages_office(session, clock, by, office.id)
    posting_role = _posting_role(str(role))
    period = DateRange(valid_from, valid_to)
    same_role = session.scalars(
        select(PostingRow).where(PostingRow.officer_id == officer.id, PostingRow.role == posting_role.value)
    )
    clash = next((p for p in same_role if period.overlaps(DateRange(p.valid_from, p.valid_to))), None)
    if clash is not None:
        raise Conflict(
            "registry.posting_overlaps",
            "The officer already holds the role {role} at office {office} for part of that period",
            role=posting_role.value, office=clash.office.code,
        )  # fmt: skip
    row = PostingRow(
        officer_id=officer.id, office_id=office.id, role=posting_role.value, valid_from=valid_from,
        valid_to=valid_to, office=office,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, clock, category=audit.DATA, action="officer.posted", actor=actor_ref(by),
        entity_type="officer", entity_id=officer.id,
        detail={"office": office.code, "role": posting_role.value, "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat() if valid_to else None},
    )  # fmt: skip
    return row


def end_posting(
    session: Session,
    clock: Clock,
    officer_id: int,
    posting_id: int,
    *,
    valid_to: date,
    by: Actor | None = None,
) -> PostingRow:
    row = session.get(PostingRow, posting_id)
    if row is None or row.officer_id != officer_id:
        raise NotFound("registry.posting_not_found", "No such posting for this officer")
    _check_manages_office(session, clock, by, row.office_id)
    if row.valid_to is not None and row.valid_to < valid_to:
        raise Conflict("registry.posting_already_ended", "This posting already ended on {end}",
                       end=row.valid_to.isoformat())  # fmt: skip
    DateRange(row.valid_from, valid_to)
    row.valid_to = valid_to
    audit.record(
        session, clock, category=audit.DATA, action="officer.posting_ended", actor=actor_ref(by),
        entity_type="officer", entity_id=officer_id,
        detail={"office": row.office.code, "role": row.role, "valid_to": valid_to.isoformat()},
    )  # fmt: skip
    return row


def roster(session: Session, office_code: str, role: PostingRole | str, on: datetime) -> list[OfficerRow]:
    """Officers posted at the office in that role on that (Algerian) date and currently on duty.

    This is the pool inspectors are drawn from; ordered by service number so draws are reproducible.
    """
    posting_role = _posting_role(str(role))
    day = local_date(on)
    key = ("registry.roster", office_code, posting_role, day)
    return list(cached(session, key, lambda: _roster(session, office_code, posting_role, day)))


def draw_pool(
    session: Session, office_code: str, role: PostingRole | str, on: datetime
) -> tuple[RosterOfficer, ...]:
    """The roster as plain values, shared between units of work until an officer, a posting or an office
    changes: what lodging reads to draw an inspector without a query."""
    posting_role = _posting_role(str(role))
    day = local_date(on)
    key = ("registry.draw_pool", office_code, posting_role, day)
    return cached(session, key, lambda: _draw_pool(session, office_code, posting_role, day), shared=True)


def _draw_pool(
    session: Session, office_code: str, posting_role: PostingRole, day: date
) -> tuple[RosterOfficer, ...]:
    officers = _roster(session, office_code, posting_role, day)
    return tuple(RosterOfficer(o.id, o.service_number, o.full_name) for o in officers)


def _roster(
    session: Session, office_code: str, posting_role: PostingRole, day: date
) -> tuple[OfficerRow, ...]:
    office = get_office(session, office_code)
    posted = select(PostingRow.officer_id).where(
        PostingRow.office_id == office.id, PostingRow.role == posting_role.value, *_posted_on(day)
    )
    return tuple(
        session.scalars(
            select(OfficerRow)
            .where(OfficerRow.id.in_(posted), OfficerRow.on_duty.is_(True))
            .order_by(OfficerRow.service_number)
        )
    )


def offices_by_code(session: Session, codes: Sequence[str]) -> dict[str, CustomsOfficeRow]:
    rows = session.scalars(select(CustomsOfficeRow).where(CustomsOfficeRow.code.in_(list(codes))))
    return {row.code: row for row in rows}


def get_officer_by_service_number(session: Session, service_number: str) -> OfficerRow:
    number = (service_number or "").strip().upper()
    row = session.scalar(select(OfficerRow).where(OfficerRow.service_number == number)) if number else None
    if row is None:
        raise NotFound(
            "registry.officer_not_found", "No officer has the service number {number}", number=number[:20]
        )
    return row


# --- bulk reads for other contexts (risk's targeting facts and backtests) ---------------------------

IDS_PER_STATEMENT = 5000


def operator_registration_dates(session: Session, operator_ids: Sequence[int]) -> dict[int, date]:
    """Each known operator's registration date by id (one statement per IDS_PER_STATEMENT ids)."""
    return _values_by_id(session, EconomicOperatorRow.id, EconomicOperatorRow.registered_on, operator_ids)


def broker_licence_numbers(session: Session, broker_ids: Sequence[int]) -> dict[int, str]:
    """Each known broker's licence number by id (one statement per IDS_PER_STATEMENT ids)."""
    return _values_by_id(session, CustomsBrokerRow.id, CustomsBrokerRow.licence_number, broker_ids)


def _values_by_id(session: Session, id_column: Any, value_column: Any, ids: Sequence[int]) -> dict[int, Any]:
    values: dict[int, Any] = {}
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        chunk = list(ids[start : start + IDS_PER_STATEMENT])
        query = select(id_column, value_column).where(id_column.in_(chunk))
        values.update({key: value for key, value in session.execute(query)})
    return values
