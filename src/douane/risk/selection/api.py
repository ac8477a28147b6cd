"""Selectivity settings per office (capacity, exploration, threshold), monthly monitoring, and the risk
evaluation of a declaration, over HTTP. Evaluations need RISK_READ, which declarants never hold."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.identity.guards import requires, requires_any
from douane.identity.model import Actor, Permission
from douane.kernel.clock import local_date
from douane.kernel.errors import NotFound
from douane.risk import service as risk
from douane.risk.selection import capacity, monitoring
from douane.risk.selection.policy import OfficeSettings
from douane.risk.tables import InspectionCapacityRow, RiskEvaluationRow, SelectivityDecisionRow
from douane.web.deps import UnitOfWork, get_context

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
OfficeCode = Annotated[str, PathParam(pattern=r"^[0-9]{5}$", description="5-digit office code")]
DeclarationId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
READ = requires(Permission.RISK_READ)
READ_SETTINGS = requires_any(Permission.SELECTIVITY_MANAGE, Permission.RISK_READ)
MANAGE = requires(Permission.SELECTIVITY_MANAGE)


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yellow_per_day: int = Field(ge=0, le=capacity.MAX_PER_DAY)
    red_per_day: int = Field(ge=0, le=capacity.MAX_PER_DAY)
    exploration_percent: int = Field(default=5, ge=0, le=100)
    score_threshold: float = Field(default=50.0, ge=0, le=capacity.MAX_THRESHOLD)
    valid_from: date | None = None


class CapacityValues(BaseModel):
    yellow_per_day: int | None = Field(description="None: no limit")
    red_per_day: int | None
    exploration_percent: int
    score_threshold: float
    valid_from: date | None
    set_by: str | None
    set_at: datetime | None


class CapacityOut(BaseModel):
    office_code: str
    in_force: CapacityValues
    used_today: dict[str, int]
    scheduled: list[CapacityValues]


class EvaluationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    declaration_id: int
    channel: str
    exploration: bool
    score: float | None
    model_version: str | None
    rule_hits: list[dict[str, Any]]
    notice_ids: list[int]
    explanation: list[dict[str, Any]]
    evaluated_at: datetime
    source: str | None = None
    reasons: list[str] = []


def _values(settings: OfficeSettings) -> CapacityValues:
    return CapacityValues(
        yellow_per_day=settings.yellow_per_day, red_per_day=settings.red_per_day,
        exploration_percent=settings.exploration_percent, score_threshold=settings.score_threshold,
        valid_from=settings.valid_from, set_by=settings.set_by, set_at=settings.set_at,
    )  # fmt: skip


def _row_values(row: InspectionCapacityRow) -> CapacityValues:
    return CapacityValues(
        yellow_per_day=row.yellow_per_day, red_per_day=row.red_per_day,
        exploration_percent=row.exploration_percent, score_threshold=row.score_threshold,
        valid_from=row.valid_from, set_by=row.set_by, set_at=row.set_at,
    )  # fmt: skip


def capacity_out(session: Session, office_code: str, today: date) -> CapacityOut:
    code = risk.office_code(session, office_code)
    return CapacityOut(
        office_code=code, in_force=_values(capacity.settings_in_force(session, code, today)),
        used_today=capacity.used_today(session, code, today),
        scheduled=[_row_values(row) for row in capacity.scheduled(session, code, today)],
    )  # fmt: skip


@router.get("/capacities/{code}", response_model=CapacityOut)
def read_capacity(
    session: UnitOfWork, request: Request, code: OfficeCode, _actor: Actor = Depends(READ_SETTINGS)
) -> CapacityOut:
    return capacity_out(session, code, local_date(get_context(request).clock.now()))


@router.put("/capacities/{code}", response_model=CapacityOut)
def set_capacity(
    session: UnitOfWork, request: Request, code: OfficeCode, body: CapacityIn, actor: Actor = Depends(MANAGE)
) -> CapacityOut:
    clock = get_context(request).clock
    capacity.set_settings(session, clock, office_code=code, **body.model_dump(), by=actor)
    return capacity_out(session, code, local_date(clock.now()))


@router.get("/monitoring")
def read_monitoring(
    session: UnitOfWork,
    request: Request,
    month: str | None = Query(None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM; this month"),
    office: str | None = Query(None, pattern=r"^[0-9]{5}$"),
    _actor: Actor = Depends(READ),
) -> dict[str, Any]:
    start = monitoring.month_from(month) if month else local_date(get_context(request).clock.now())
    return monitoring.monthly(session, start, office).as_dict()


@router.get("/evaluations/{declaration_id}", response_model=EvaluationOut)
def read_evaluation(
    session: UnitOfWork, declaration_id: DeclarationId, _actor: Actor = Depends(READ)
) -> EvaluationOut:
    evaluation = session.scalars(
        select(RiskEvaluationRow).where(RiskEvaluationRow.declaration_id == declaration_id)
        .order_by(RiskEvaluationRow.id.desc()).limit(1)
    ).first()  # fmt: skip
    if evaluation is None:
        raise NotFound("risk.evaluation_not_found", "No risk evaluation for this declaration")
    out = EvaluationOut.model_validate(evaluation)
    decision = session.scalars(
        select(SelectivityDecisionRow).where(SelectivityDecisionRow.declaration_id == declaration_id)
        .order_by(SelectivityDecisionRow.id.desc()).limit(1)
    ).first()  # fmt: skip
    if decision is not None:
        out.source, out.reasons = decision.source, list(decision.reasons)
    return out
