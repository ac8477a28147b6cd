"""Risk over HTTP: channel shares per office and nationally, channel decisions, inspector draws."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from sqlalchemy.orm import Session

from douane.identity.guards import requires_any
from douane.identity.model import Actor, Permission
from douane.kernel.clock import Clock, local_date
from douane.risk import service
from douane.risk.model import ChannelShares
from douane.risk.schemas import DecisionOut, InspectorDrawOut, ScheduledShares, Shares, SharesIn, SharesOut
from douane.risk.tables import SelectivitySettingRow
from douane.web.deps import UnitOfWork, get_context
from douane.web.pagination import Page, PageRequest, page_request

router = APIRouter(prefix="/api/v1", tags=["risk"])
P = Permission
OFFICE_CODE = r"^\d{5}$"
OfficeCode = Annotated[str, PathParam(pattern=OFFICE_CODE, description="5-digit office code")]
Id = Annotated[int, Query(ge=1, le=2**63 - 1)]
OnDate = Annotated[date | None, Query(description="Date (Algerian) to read the shares at; today by default")]


READ_SHARES = requires_any(P.SELECTIVITY_MANAGE, P.DECLARATIONS_CONTROL)
READ_RECORDS = requires_any(P.SELECTIVITY_MANAGE, P.AUDIT_READ)
MANAGE = requires_any(P.SELECTIVITY_MANAGE)


def _clock(request: Request) -> Clock:
    return get_context(request).clock


def _shares(shares: ChannelShares) -> Shares:
    return Shares(**shares.as_dict())


def _scheduled(row: SelectivitySettingRow) -> ScheduledShares:
    shares = _shares(service.shares_of(row))
    return ScheduledShares(shares=shares, valid_from=row.valid_from, set_by=row.set_by, set_at=row.set_at)


def _source(scope: str) -> Literal["office", "national", "built-in"]:
    if scope == service.NATIONAL:
        return "national"
    if scope == service.BUILT_IN:
        return "built-in"
    return "office"


def _shares_out(session: Session, office_code: str | None, on: date) -> SharesOut:
    in_force = service.scope_shares_in_force(session, office_code, on)
    return SharesOut(
        scope=office_code or service.NATIONAL, source=_source(in_force.scope),
        in_force=_shares(in_force.shares),
        valid_from=in_force.valid_from, set_by=in_force.set_by, set_at=in_force.set_at,
        scheduled=[_scheduled(row) for row in service.scheduled_settings(session, office_code, on)],
    )  # fmt: skip


def _channel_shares(body: SharesIn) -> ChannelShares:
    return ChannelShares(green=body.green, yellow=body.yellow, red=body.red, blue=body.blue)


@router.get("/selectivity/default-shares", response_model=SharesOut)
def read_default_shares(
    session: UnitOfWork, request: Request, on: OnDate = None, _actor: Actor = Depends(READ_SHARES)
) -> SharesOut:
    return _shares_out(session, None, on or local_date(_clock(request).now()))


@router.put("/selectivity/default-shares", response_model=SharesOut)
def set_default_shares(
    session: UnitOfWork, request: Request, body: SharesIn, actor: Actor = Depends(MANAGE)
) -> SharesOut:
    clock = _clock(request)
    row = service.set_shares(
        session, clock, office_code=None, shares=_channel_shares(body), valid_from=body.valid_from, by=actor
    )
    return _shares_out(session, None, max(row.valid_from, local_date(clock.now())))


@router.get("/selectivity/offices/{code}/shares", response_model=SharesOut)
def read_office_shares(
    session: UnitOfWork, request: Request, code: OfficeCode, on: OnDate = None,
    _actor: Actor = Depends(READ_SHARES),
) -> SharesOut:  # fmt: skip
    office = service.office_code(session, code)
    return _shares_out(session, office, on or local_date(_clock(request).now()))


@router.put("/selectivity/offices/{code}/shares", response_model=SharesOut)
def set_office_shares(
    session: UnitOfWork, request: Request, code: OfficeCode, body: SharesIn, actor: Actor = Depends(MANAGE)
) -> SharesOut:
    clock = _clock(request)
    row = service.set_shares(
        session, clock, office_code=code, shares=_channel_shares(body), valid_from=body.valid_from, by=actor
    )
    return _shares_out(session, row.office_code, max(row.valid_from, local_date(clock.now())))


@router.get("/selectivity/decisions", response_model=Page[DecisionOut])
def list_decisions(
    session: UnitOfWork,
    declaration_id: Id | None = None,
    office: str | None = Query(None, pattern=OFFICE_CODE),
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(READ_RECORDS),
) -> Page[DecisionOut]:
    rows, total = service.list_decisions(
        session, declaration_id=declaration_id, office_code=office,
        offset=paging.offset, limit=paging.page_size,
    )  # fmt: skip
    return paging.page_of([DecisionOut.model_validate(r) for r in rows], total)


@router.get("/inspector-draws", response_model=Page[InspectorDrawOut])
def list_inspector_draws(
    session: UnitOfWork,
    subject_id: Id | None = None,
    subject_kind: str | None = Query(None, pattern=r"^[a-z_]{1,32}$"),
    office: str | None = Query(None, pattern=OFFICE_CODE),
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(READ_RECORDS),
) -> Page[InspectorDrawOut]:
    rows, total = service.list_draws(
        session, subject_id=subject_id, subject_kind=subject_kind, office_code=office,
        offset=paging.offset, limit=paging.page_size,
    )  # fmt: skip
    return paging.page_of([InspectorDrawOut.model_validate(r) for r in rows], total)
