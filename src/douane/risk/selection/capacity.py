"""Each office's daily inspection capacity (yellow and red), exploration share and score threshold.

Settings are effective-dated like the channel shares: the row in force on a date is the latest valid_from on
or before it. Without a row the office has no capacity limit, explores 5 % and targets from 50 points.
The day's use is counted from the stored channel decisions of the office (every source), in Algerian days.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.db import write_pending
from douane.identity.model import Actor
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, end_of_local_day, local_date, start_of_local_day
from douane.kernel.errors import InvalidInput
from douane.read_cache import cached, watch_writes
from douane.registry import service as registry
from douane.risk.model import office_code_format
from douane.risk.selection.policy import DEFAULT_EXPLORATION_PERCENT, DEFAULT_SCORE_THRESHOLD, OfficeSettings
from douane.risk.tables import InspectionCapacityRow, SelectivityDecisionRow

watch_writes(InspectionCapacityRow)

MAX_PER_DAY = 100_000
MAX_THRESHOLD = 1_000.0


def settings_in_force(session: Session, office_code: str, on: date) -> OfficeSettings:
    key = ("risk.office_settings", office_code, on)
    return cached(session, key, lambda: _load(session, office_code, on), shared=True)


def _load(session: Session, office_code: str, on: date) -> OfficeSettings:
    query = (
        select(InspectionCapacityRow)
        .where(InspectionCapacityRow.office_code == office_code, InspectionCapacityRow.valid_from <= on)
        .order_by(InspectionCapacityRow.valid_from.desc(), InspectionCapacityRow.id.desc())
        .limit(1)
    )
    row = session.scalars(query).first()
    return OfficeSettings(office_code) if row is None else _of_row(row)


def _of_row(row: InspectionCapacityRow) -> OfficeSettings:
    return OfficeSettings(
        office_code=row.office_code,
        yellow_per_day=row.yellow_per_day,
        red_per_day=row.red_per_day,
        exploration_percent=row.exploration_percent,
        score_threshold=row.score_threshold,
        setting_id=row.id,
        valid_from=row.valid_from,
        set_by=row.set_by,
        set_at=row.set_at,
    )


def scheduled(session: Session, office_code: str, after: date) -> list[InspectionCapacityRow]:
    query = (
        select(InspectionCapacityRow)
        .where(InspectionCapacityRow.office_code == office_code, InspectionCapacityRow.valid_from > after)
        .order_by(InspectionCapacityRow.valid_from, InspectionCapacityRow.id)
    )
    return list(session.scalars(query))


def set_settings(
    session: Session,
    clock: Clock,
    *,
    office_code: str,
    yellow_per_day: int,
    red_per_day: int,
    exploration_percent: int = DEFAULT_EXPLORATION_PERCENT,
    score_threshold: float = DEFAULT_SCORE_THRESHOLD,
    valid_from: date | None = None,
    by: Actor,
) -> InspectionCapacityRow:
    """New settings for an office from valid_from (today by default, never in the past); audited."""
    today = local_date(clock.now())
    start = valid_from or today
    if start < today:
        raise InvalidInput(
            "risk.capacity_in_the_past",
            "New settings take effect today or later, not on {date}",
            date=start.isoformat(),
        )
    _check(yellow_per_day, red_per_day, exploration_percent, score_threshold)
    code = registry.get_office(session, office_code_format(office_code)).code
    before = settings_in_force(session, code, start)
    row = InspectionCapacityRow(
        office_code=code,
        yellow_per_day=yellow_per_day,
        red_per_day=red_per_day,
        exploration_percent=exploration_percent,
        score_threshold=float(score_threshold),
        valid_from=start,
        set_by=by.username,
        set_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        clock,
        category=audit.STATE,
        action="selectivity.capacity_set",
        actor=actor_ref(by),
        entity_type="inspection_capacity",
        entity_id=code,
        from_state=_text(before),
        to_state=_text(_of_row(row)),
        detail={"valid_from": start.isoformat(), "setting_id": row.id},
    )
    return row


def _check(yellow: int, red: int, exploration: int, threshold: float) -> None:
    for value in (yellow, red):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PER_DAY:
            raise InvalidInput(
                "risk.invalid_capacity",
                "A daily capacity is a whole number from 0 to {most}",
                most=MAX_PER_DAY,
            )
    if isinstance(exploration, bool) or not isinstance(exploration, int) or not 0 <= exploration <= 100:
        raise InvalidInput(
            "risk.invalid_exploration", "The exploration share is a whole percentage from 0 to 100"
        )
    if not 0 <= threshold <= MAX_THRESHOLD:
        raise InvalidInput(
            "risk.invalid_threshold",
            "The score threshold is from 0 to {most} points",
            most=int(MAX_THRESHOLD),
        )


def _text(settings: OfficeSettings) -> str:
    limits = "/".join("-" if v is None else str(v) for v in (settings.yellow_per_day, settings.red_per_day))
    return f"{limits} explore {settings.exploration_percent}% from {settings.score_threshold:g}"


def used_today(session: Session, office_code: str, day: date) -> dict[str, int]:
    """Yellow and red decisions already taken at the office on that Algerian day (this batch included)."""
    query = (
        select(SelectivityDecisionRow.channel, func.count())
        .where(
            SelectivityDecisionRow.office_code == office_code,
            SelectivityDecisionRow.channel.in_(("yellow", "red")),
            SelectivityDecisionRow.decided_at >= start_of_local_day(day),
            SelectivityDecisionRow.decided_at <= end_of_local_day(day),
        )
        .group_by(SelectivityDecisionRow.channel)
    )
    counts = {"yellow": 0, "red": 0}
    counts.update({channel: count for channel, count in session.execute(query)})
    return counts


_DAY_USE = "risk.capacity_day_use"


def day_use(session: Session, office_code: str, day: date) -> dict[str, int]:
    """The day's use, counted once per unit of work, then kept up to date by `count_decision`."""
    known: dict[tuple[str, date], dict[str, int]] = session.info.setdefault(_DAY_USE, {})
    key = (office_code, day)
    if key not in known:
        session.flush()  # the decisions this unit of work took so far (a bulk lodging) count too
        write_pending(session)
        known[key] = used_today(session, office_code, day)
    return known[key]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_day_use(session: Session) -> None:
    """A count belongs to one transaction: a rolled-back decision used nothing."""
    session.info.pop(_DAY_USE, None)


def count_decision(session: Session, office_code: str, day: date, channel: str) -> None:
    """A decision just taken in this unit of work uses capacity (once the day's use has been counted)."""
    counted = session.info.get(_DAY_USE, {}).get((office_code, day))
    if counted is not None and channel in counted:
        counted[channel] += 1
