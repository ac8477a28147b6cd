"""The discharge (apurement) of a suspensive regime: what the officer says ended it, checked against the
stored declarations and offices, and the record kept of it.

The use case is `control.discharge` (an officer action like release or exit); this module holds what only the
discharge needs. A re-export or a release for free circulation names the declaration that ended the regime:
it must exist, concern the same economic operator, be of the right regime (EX3, IM4) and have its goods
released. A transit names the office of destination, which must exist, and the day the goods arrived there.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.declarations import model, numbering
from douane.declarations.model import DischargeEvidence, DischargeMethod
from douane.declarations.tables import DeclarationRow, DischargeRow
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
    found = session.scalar(select(DeclarationRow).where(DeclarationRow.number == number))
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
    if found.status not in GOODS_RELEASED:
        raise Conflict(
            "declarations.discharge_reference_not_released",
            "The goods of declaration {number} are not released (status {status})",
            number=number,
            status=found.status,
        )
    return found


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
