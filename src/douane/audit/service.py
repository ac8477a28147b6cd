"""Write and read audit events. Writing happens inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.audit.tables import AuditEventRow
from douane.db import fetch_page, insert_later
from douane.kernel.clock import Clock

SECURITY = "security"
STATE = "state"
DATA = "data"


@dataclass(frozen=True)
class ActorRef:
    """Who did it: a user, an API key's system account, or the command line."""

    id: int | None
    name: str


SYSTEM = ActorRef(None, "system")


def record(
    session: Session,
    clock: Clock,
    *,
    category: str,
    action: str,
    actor: ActorRef | None = None,
    entity_type: str | None = None,
    entity_id: object = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    client_ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEventRow:
    row = AuditEventRow(
        **event_values(
            clock, category=category, action=action, actor=actor, entity_type=entity_type,
            entity_id=entity_id, from_state=from_state, to_state=to_state, reason=reason,
            client_ip=client_ip, detail=detail,
        )
    )  # fmt: skip
    session.add(row)
    return row


def event_values(
    clock: Clock,
    *,
    category: str,
    action: str,
    actor: ActorRef | None = None,
    entity_type: str | None = None,
    entity_id: object = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    client_ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one audit event, for `record` or, many at once, `record_later`."""
    who = actor or SYSTEM
    return {
        "at": clock.now(), "category": category, "action": action, "entity_type": entity_type,
        "entity_id": None if entity_id is None else str(entity_id), "actor_id": who.id,
        "actor_name": who.name, "from_state": from_state, "to_state": to_state, "reason": reason,
        "client_ip": client_ip, "detail": detail,
    }  # fmt: skip


def add_event(session: Session, event: dict[str, Any]) -> None:
    """Add one event (from `event_values`) to the session; it is written with the next flush."""
    session.add(AuditEventRow(**event))


def record_later(session: Session, events: Sequence[dict[str, Any]]) -> None:
    """Queue many events (from `event_values`) with the unit of work's other queued rows
    (`douane.db.insert_later`), written in the order given at the latest when it commits."""
    insert_later(session, AuditEventRow, events)


def list_events(
    session: Session,
    *,
    category: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditEventRow], int]:
    query = select(AuditEventRow)
    if category:
        query = query.where(AuditEventRow.category == category)
    if action:
        query = query.where(AuditEventRow.action == action)
    if entity_type:
        query = query.where(AuditEventRow.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEventRow.entity_id == entity_id)
    if since:
        query = query.where(AuditEventRow.at >= since)
    return fetch_page(session, query, AuditEventRow.id.desc(), offset, limit)


@dataclass(frozen=True)
class AuditEvent:
    """One audit event as other contexts read it: a plain value, not the table row."""

    id: int
    at: datetime
    category: str
    action: str
    actor_id: int | None
    actor_name: str | None
    from_state: str | None
    to_state: str | None
    reason: str | None
    detail: dict[str, Any] | None


def events_of(
    session: Session, entity_type: str, entity_id: object, *, limit: int = 1000
) -> list[AuditEvent]:
    """The last `limit` events of one entity, oldest first."""
    query = (
        select(AuditEventRow)
        .where(AuditEventRow.entity_type == entity_type, AuditEventRow.entity_id == str(entity_id))
        .order_by(AuditEventRow.id.desc())
        .limit(limit)
    )
    return [_event(row) for row in reversed(session.scalars(query).all())]


def _event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        id=row.id, at=row.at, category=row.category, action=row.action, actor_id=row.actor_id,
        actor_name=row.actor_name, from_state=row.from_state, to_state=row.to_state, reason=row.reason,
        detail=row.detail,
    )  # fmt: skip
