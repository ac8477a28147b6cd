"""Write and read audit events. Writing happens inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.audit.tables import AuditEventRow
from douane.db import fetch_page
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
    who = actor or SYSTEM
    row = AuditEventRow(
        at=clock.now(),
        category=category,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        actor_id=who.id,
        actor_name=who.name,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        client_ip=client_ip,
        detail=detail,
    )
    session.add(row)
    return row


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
