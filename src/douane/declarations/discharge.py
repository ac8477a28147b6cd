"""The discharge (apurement) of a suspensive regime: what the officer says ended it, checked against the
stored declarations and offices, and the record kept of it.

The use case is `control.discharge` (an officer action like release or exit); this module holds what only the
discharge needs. A re-export or a release for free circulation names the declaration that ended the regime:
it must exist, concern the same economic operator, be of the right regime (EX3, IM4), have its goods
released and carry them: on each tariff line, at least the net mass of the goods discharged, once what it
already discharged is set aside (the goods of a temporary admission or a warehouse leave it unchanged, so one
re-export of one container cannot end the regime of ten). A transit names the office of destination, which
must exist, and the day the goods arrived there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from douane.declarations import model, numbering
from douane.declarations.model import DischargeEvidence, DischargeMethod
from douane.declarations.tables import DeclarationItemRow, DeclarationRow, DischargeRow
from douane.identity.model import Actor
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import Conflict, InvalidInput, NotFound
from douane.registry import service as registry

GOODS_RELEASED = frozenset(
    {model.Status.RELEASED.value, model.Status.EXITED.value, model.Status.DISCHARGED.value}
)


def checked_evidence(
    session: Session, clock: Clock, row: DeclarationRow, evidence: DischargeEvidence
) -> DeclarationRow | None:
    """The declaration that ended the regime (None for a transit's arrival), once everything is checked."""
    released_on = _released_on(row)
    today = local_date(clock.now())
    model.check_discharge_evidence(row.regime, evidence, today=today, released_on=released_on)
    if evidence.method is DischargeMethod.ARRIVAL:
        _check_office(session, evidence.destination_office or "")
        return None
    ending = _ending_declaration(session, row, evidence)
    _check_after_release(ending, released_on)
    _check_goods_carried(session, row, ending)
    return ending


def _released_on(row: DeclarationRow) -> date:
    return local_date(row.released_at or row.registered_at or row.created_at)


def _check_after_release(ending: DeclarationRow, released_on: date) -> None:
    """Goods re-exported or put into free circulation had first entered the regime: the declaration that
    ended it cannot have been released before them (the same rule as a transit's day of arrival)."""
    ended_on = _released_on(ending)
    if ended_on < released_on:
        raise InvalidInput(
            "declarations.discharge_reference_before_release",
            "Declaration {number} was released on {day}, before these goods on {released}",
            number=ending.number, day=ended_on.isoformat(), released=released_on.isoformat(),
            field="reference_number",
        )  # fmt: skip


def _check_office(session: Session, code: str) -> None:
    try:
        registry.get_office(session, code)
    except NotFound as exc:
        raise InvalidInput(
            "declarations.discharge_office_unknown",
            "No customs office has the code {office}",
            office=code[:10],
            field="destination_office",
        ) from exc


def _ending_declaration(session: Session, row: DeclarationRow, evidence: DischargeEvidence) -> DeclarationRow:
    number = str(numbering.parse_number(evidence.reference_number or ""))
    found = session.scalar(select(DeclarationRow).where(DeclarationRow.number == number).with_for_update())
    if found is None:
        raise InvalidInput(
            "declarations.discharge_reference_unknown",
            "There is no declaration {number}",
            number=number,
            field="reference_number",
        )
    if found.operator_id is None or found.operator_id != row.operator_id:
        raise Conflict(
            "declarations.discharge_reference_other_operator",
            "Declaration {number} concerns another economic operator",
            number=number,
        )
    expected = model.DISCHARGING_REGIME[evidence.method]
    if found.regime != expected.value:
        raise InvalidInput(
            "declarations.discharge_reference_wrong_regime",
            "Declaration {number} is under {actual}: a discharge by {means} needs an {expected} declaration",
            number=number, actual=found.regime, method=evidence.method.value,
            means=model.DISCHARGE_METHOD_WORDS[evidence.method], expected=expected.value,
        )  # fmt: skip
    _lock_for_weighing(session, found)
    if found.status not in GOODS_RELEASED:
        raise Conflict(
            "declarations.discharge_reference_not_released",
            "The goods of declaration {number} are not released (status {status})",
            number=number,
            status=found.status,
        )
    return found


def _lock_for_weighing(session: Session, ending: DeclarationRow) -> None:
    """Two discharges naming the same declaration are weighed against its goods one after the other. On
    PostgreSQL its row is locked as it is read (FOR UPDATE); SQLite has no row locks, so there a write that
    changes nothing takes its one write lock, before the earlier discharges are read."""
    if session.get_bind().dialect.name == "sqlite":
        no_change = update(DeclarationRow).where(DeclarationRow.id == ending.id).values(id=DeclarationRow.id)
        session.connection().execute(no_change)


def _check_goods_carried(session: Session, row: DeclarationRow, ending: DeclarationRow) -> None:
    """The ending declaration carries, line by line, the net mass of these goods on top of what it already
    discharged (raises Conflict, naming the first line short)."""
    needed = _net_mass_by_line(session, [row.id])
    carried = _net_mass_by_line(session, [ending.id])
    already = _net_mass_by_line(session, _discharged_by(session, ending.id))
    for line_code, mass in sorted(needed.items()):
        left = carried.get(line_code, Decimal(0)) - already.get(line_code, Decimal(0))
        if mass > left:
            raise Conflict(
                "declarations.discharge_goods_not_carried",
                "Declaration {number} has {left} kg net of line {line_code} left to discharge with"
                " ({carried} kg declared, {used} kg used for other declarations);"
                " these goods weigh {needed} kg",
                number=ending.number, line_code=line_code, left=_kg(max(left, Decimal(0))),
                carried=_kg(carried.get(line_code, Decimal(0))), used=_kg(already.get(line_code, Decimal(0))),
                needed=_kg(mass), field="reference_number",
            )  # fmt: skip


def _discharged_by(session: Session, ending_id: int) -> list[int]:
    query = select(DischargeRow.declaration_id).where(DischargeRow.reference_declaration_id == ending_id)
    return list(session.scalars(query))


def _net_mass_by_line(session: Session, declaration_ids: Sequence[int]) -> dict[str, Decimal]:
    if not declaration_ids:
        return {}
    query = select(DeclarationItemRow.line_code, DeclarationItemRow.net_mass_kg).where(
        DeclarationItemRow.declaration_id.in_(declaration_ids)
    )
    masses: dict[str, Decimal] = defaultdict(Decimal)
    for line_code, net_mass in session.execute(query):
        masses[line_code] += net_mass
    return masses


def _kg(mass: Decimal) -> str:
    return format(mass.normalize(), "f")


def record(
    session: Session,
    clock: Clock,
    row: DeclarationRow,
    evidence: DischargeEvidence,
    ending: DeclarationRow | None,
    *,
    reason: str,
    by: Actor,
) -> DischargeRow:
    discharge = DischargeRow(
        declaration_id=row.id, method=evidence.method.value,
        reference_declaration_id=None if ending is None else ending.id,
        reference_number=None if ending is None else ending.number,
        destination_office_code=evidence.destination_office if ending is None else None,
        arrived_on=evidence.arrived_on if ending is None else None, reason=reason, officer_user_id=by.user_id,
        officer_name=by.username, discharged_at=clock.now(),
    )  # fmt: skip
    session.add(discharge)
    return discharge


def audit_detail(discharge: DischargeRow) -> dict[str, Any]:
    """What the audit event of the discharge says about how the regime ended."""
    detail: dict[str, Any] = {"method": discharge.method}
    if discharge.reference_number is not None:
        detail["reference_number"] = discharge.reference_number
    if discharge.destination_office_code is not None:
        detail["destination_office"] = discharge.destination_office_code
    if discharge.arrived_on is not None:
        detail["arrived_on"] = discharge.arrived_on.isoformat()
    return detail


def discharge_of(session: Session, declaration_id: int) -> DischargeRow | None:
    """How the declaration's regime was discharged, if it was (the caller checked who may read it)."""
    return session.scalar(select(DischargeRow).where(DischargeRow.declaration_id == declaration_id))
