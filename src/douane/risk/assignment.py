"""The random draw of an inspector among the officers posted as inspectors at an office and on duty.

The draw uses `secrets.SystemRandom` (no seed, nothing to predict); it is stored with the sorted ids of
every candidate so an auditor can check the pool afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.audit.service import ActorRef
from douane.db import column_values, insert_later
from douane.identity.model import Actor
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock
from douane.kernel.errors import Conflict
from douane.registry import service as registry
from douane.registry.model import PostingRole
from douane.risk.tables import InspectorDrawRow

_system_random = secrets.SystemRandom()


@dataclass(frozen=True)
class InspectorDraw:
    subject_kind: str
    subject_id: int
    office_code: str
    officer_id: int
    officer_name: str
    candidates: tuple[int, ...]
    drawn_at: datetime


def draw_inspector(
    session: Session,
    clock: Clock,
    *,
    office_code: str,
    subject_kind: str,
    subject_id: int,
    on: datetime,
    exclude_officer_ids: Iterable[int] = (),
    by: Actor | ActorRef | None = None,
    audit_events: list[dict[str, Any]] | None = None,
) -> InspectorDraw:
    """Draw one inspector on duty at the office on `on`; Conflict `risk.no_inspector_on_duty` if none.

    The audit event is recorded, or appended to `audit_events` for a caller that writes a batch of them."""
    excluded = set(exclude_officer_ids)
    office_code = office_code.strip()
    roster = registry.draw_pool(session, office_code, PostingRole.INSPECTOR, on)
    pool = [officer for officer in roster if officer.id not in excluded]
    if not pool:
        raise Conflict(
            "risk.no_inspector_on_duty", "No inspector is on duty at office {office} to be drawn",
            office=office_code[:10],
        )  # fmt: skip
    chosen = _system_random.choice(pool)
    candidates = sorted(o.id for o in pool)
    who = actor_ref(by) if isinstance(by, Actor) else by
    row = InspectorDrawRow(
        subject_kind=subject_kind, subject_id=subject_id, office_code=office_code, officer_id=chosen.id,
        candidate_ids=candidates, drawn_at=clock.now(), drawn_by_id=who.id if who else None,
        drawn_by=who.name if who else "system",
    )  # fmt: skip
    insert_later(session, InspectorDrawRow, [column_values(row)])  # with the unit of work's other rows
    event = audit.event_values(
        clock, category=audit.STATE, action="inspector.drawn", actor=who, entity_type=subject_kind,
        entity_id=subject_id, to_state=f"inspector:{chosen.id}",
        detail={"office": office_code, "officer_id": chosen.id, "candidates": candidates},
    )  # fmt: skip
    if audit_events is None:
        audit.add_event(session, event)
    else:
        audit_events.append(event)
    return InspectorDraw(
        subject_kind=subject_kind, subject_id=subject_id, office_code=office_code,
        officer_id=chosen.id, officer_name=chosen.full_name, candidates=tuple(candidates),
        drawn_at=row.drawn_at,
    )  # fmt: skip
