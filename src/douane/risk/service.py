"""Risk use cases: set and read channel shares, list channel decisions and inspector draws.

Other contexts call `shares_in_force`, `list_decisions` and `list_draws`; the channel choice itself goes
through `douane.risk.selectivity.DefaultSelectivity` and the inspector draw through
`douane.risk.assignment.draw_inspector`. The caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.db import fetch_page
from douane.identity.model import Actor
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import InvalidInput
from douane.read_cache import cached, watch_writes
from douane.registry import service as registry
from douane.risk.model import BUILT_IN_SHARES, ChannelShares, office_code_format
from douane.risk.tables import InspectorDrawRow, SelectivityDecisionRow, SelectivitySettingRow

watch_writes(SelectivitySettingRow)  # shares in force are shared between units of work

NATIONAL = "national"
BUILT_IN = "built-in"
SYSTEM_NAME = "system"


@dataclass(frozen=True)
class SharesInForce:
    """The shares that apply, and where they come from: the office, the national default, or built in."""

    shares: ChannelShares
    scope: str  # an office code, NATIONAL or BUILT_IN
    setting_id: int | None
    valid_from: date | None
    set_by: str | None
    set_at: datetime | None


def shares_of(row: SelectivitySettingRow) -> ChannelShares:
    return ChannelShares(green=row.green, yellow=row.yellow, red=row.red, blue=row.blue)


def _in_force(row: SelectivitySettingRow, scope: str) -> SharesInForce:
    return SharesInForce(shares_of(row), scope, row.id, row.valid_from, row.set_by, row.set_at)


def _latest_setting(session: Session, office_code: str | None, on: date) -> SelectivitySettingRow | None:
    scope = (
        SelectivitySettingRow.office_code.is_(None)
        if office_code is None
        else SelectivitySettingRow.office_code == office_code
    )
    query = (
        select(SelectivitySettingRow)
        .where(scope, SelectivitySettingRow.valid_from <= on)
        .order_by(SelectivitySettingRow.valid_from.desc(), SelectivitySettingRow.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def national_shares_in_force(session: Session, on: date) -> SharesInForce:
    row = _latest_setting(session, None, on)
    if row is None:
        return SharesInForce(BUILT_IN_SHARES, BUILT_IN, None, None, None, None)
    return _in_force(row, NATIONAL)


def shares_in_force(session: Session, office_code: str, on: date) -> SharesInForce:
    """The office's own shares on that date, else the national default, else the built-in 60/20/15/5."""
    key = ("risk.shares_in_force", office_code, on)
    return cached(session, key, lambda: _shares_in_force(session, office_code, on), shared=True)


def _shares_in_force(session: Session, office_code: str, on: date) -> SharesInForce:
    row = _latest_setting(session, office_code, on)
    if row is not None:
        return _in_force(row, office_code)
    return national_shares_in_force(session, on)


def scope_shares_in_force(session: Session, office_code: str | None, on: date) -> SharesInForce:
    """Like `shares_in_force`, with office_code None meaning the national default."""
    if office_code is None:
        return national_shares_in_force(session, on)
    return shares_in_force(session, office_code, on)


def scheduled_settings(session: Session, office_code: str | None, after: date) -> list[SelectivitySettingRow]:
    """Settings that take effect after `after`, earliest first."""
    scope = (
        SelectivitySettingRow.office_code.is_(None)
        if office_code is None
        else SelectivitySettingRow.office_code == office_code
    )
    query = (
        select(SelectivitySettingRow)
        .where(scope, SelectivitySettingRow.valid_from > after)
        .order_by(SelectivitySettingRow.valid_from, SelectivitySettingRow.id)
    )
    return list(session.scalars(query))


def set_shares(
    session: Session,
    clock: Clock,
    *,
    office_code: str | None,
    shares: ChannelShares,
    valid_from: date | None = None,
    by: Actor | None = None,
) -> SelectivitySettingRow:
    """Record new shares for an office (or nationally, office_code None) from valid_from (default today).

    Decisions already taken keep the shares they were drawn with, so a date in the past is refused.
    """
    today = local_date(clock.now())
    start = valid_from or today
    if start < today:
        raise InvalidInput(
            "risk.shares_in_the_past", "New shares take effect today or later, not on {date}",
            date=start.isoformat(),
        )  # fmt: skip
    if office_code is not None:
        office_code = registry.get_office(session, office_code_format(office_code)).code
    before = scope_shares_in_force(session, office_code, start)
    who = actor_ref(by)
    row = SelectivitySettingRow(
        office_code=office_code, **shares.as_dict(), valid_from=start,
        set_by_id=who.id if who else None, set_by=who.name if who else SYSTEM_NAME, set_at=clock.now(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, clock, category=audit.STATE, action="selectivity.shares_set", actor=who,
        entity_type="selectivity_shares", entity_id=office_code or NATIONAL,
        from_state=_state_text(before.shares), to_state=_state_text(shares),
        detail={"valid_from": start.isoformat(), "setting_id": row.id, "previous_scope": before.scope},
    )  # fmt: skip
    return row


def _state_text(shares: ChannelShares) -> str:
    return "/".join(str(value) for value in shares.as_dict().values())


def list_decisions(
    session: Session,
    *,
    declaration_id: int | None = None,
    office_code: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[SelectivityDecisionRow], int]:
    query = select(SelectivityDecisionRow)
    if declaration_id is not None:
        query = query.where(SelectivityDecisionRow.declaration_id == declaration_id)
    if office_code:
        query = query.where(SelectivityDecisionRow.office_code == office_code)
    return fetch_page(session, query, SelectivityDecisionRow.id.desc(), offset, limit)


def list_draws(
    session: Session,
    *,
    subject_id: int | None = None,
    subject_kind: str | None = None,
    office_code: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[InspectorDrawRow], int]:
    query = select(InspectorDrawRow)
    if subject_id is not None:
        query = query.where(InspectorDrawRow.subject_id == subject_id)
    if subject_kind:
        query = query.where(InspectorDrawRow.subject_kind == subject_kind)
    if office_code:
        query = query.where(InspectorDrawRow.office_code == office_code)
    return fetch_page(session, query, InspectorDrawRow.id.desc(), offset, limit)


def office_code(session: Session, code: str) -> str:
    """The office's code as stored; NotFound `registry.office_not_found` for an unknown office."""
    return registry.get_office(session, office_code_format(code)).code
