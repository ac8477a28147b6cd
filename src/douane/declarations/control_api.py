"""Officer actions over HTTP under /api/v1/declarations: work queues, take for control, record the control
result, confirm the assessment, release, exit, discharge a suspensive regime, reject, and decide invalidation
requests.

Officers see the selectivity reasons and the inspector draw (drawn officer and candidates); declarants never
reach these routes (they lack the permissions). `declarations.api` adds them with `include_in(router)`
before its own `/{id}` routes so that `/queue` is not read as an id.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi import Path as PathParam
from sqlalchemy.orm import Session

from douane.declarations import control, discharge, service
from douane.declarations.control_schemas import (
    ControlResultIn,
    ControlResultOut,
    DischargeIn,
    DischargeOut,
    DrawOut,
    NoteIn,
    OfficerDeclarationOut,
    OfficerDetailOut,
    ReasonIn,
    VersionIn,
)
from douane.declarations.model import Channel, DischargeEvidence, Status, allowed_actions
from douane.declarations.tables import DeclarationRow
from douane.identity.guards import requires_any
from douane.identity.model import Actor, Permission
from douane.kernel.clock import Clock
from douane.kernel.errors import InvalidInput
from douane.kernel.numbers import whole_number
from douane.risk import service as risk
from douane.web.deps import UnitOfWork, get_context
from douane.web.pagination import Page, PageRequest, page_request

BASE = "/declarations"
TAGS: list[str | Enum] = ["declarations: officers"]
F = TypeVar("F", bound=Callable[..., Any])
_ROUTES: list[tuple[str, str, Callable[..., Any], dict[str, Any]]] = []


def _endpoint(method: str, path: str, **options: Any) -> Callable[[F], F]:
    """Remember an endpoint; `include_in` adds them all to the declarations router."""

    def register(endpoint: F) -> F:
        _ROUTES.append((method, path, endpoint, options))
        return endpoint

    return register


def include_in(router: APIRouter) -> None:
    """Add the officer routes to `router` (declarations.api.router, prefix /api/v1) as its own routes.

    Call it before the declarant routes so that `/declarations/queue` is not read as `/declarations/{id}`.
    """
    for method, path, endpoint, options in _ROUTES:
        router.add_api_route(BASE + path, endpoint, methods=[method], tags=TAGS, **options)


P = Permission
Id = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
OfficeFilter = Annotated[str | None, Query(pattern=r"^[0-9]{5}$", description="5-digit office code")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=40, description="The version you read")]


CONTROL = requires_any(P.DECLARATIONS_CONTROL, P.DECLARATIONS_APPROVE)
ASSESS = requires_any(P.DECLARATIONS_ASSESS)
RELEASE = requires_any(P.DECLARATIONS_RELEASE)
APPROVE = requires_any(P.DECLARATIONS_APPROVE)
DISCHARGE = requires_any(P.DECLARATIONS_DISCHARGE)
READ_OFFICER = requires_any(P.DECLARATIONS_CONTROL, P.DECLARATIONS_ASSESS, P.DECLARATIONS_RELEASE,
                            P.DECLARATIONS_APPROVE, P.DECLARATIONS_DISCHARGE)  # fmt: skip


def _draw(session: Session, row: DeclarationRow) -> DrawOut | None:
    draws, _ = risk.list_draws(session, subject_id=row.id, subject_kind=control.ENTITY, limit=1)
    if not draws:
        return None
    latest = draws[0]
    return DrawOut(
        officer_id=latest.officer_id, candidates=list(latest.candidate_ids), drawn_at=latest.drawn_at
    )


def _out(session: Session, row: DeclarationRow) -> OfficerDeclarationOut:
    channel = None if row.channel is None else Channel(row.channel)
    return OfficerDeclarationOut(
        id=row.id, version=row.version, content_version=row.current_version, number=row.number,
        status=Status(row.status), type=row.type, regime=row.regime, office_code=row.office_code,
        operator_id=row.operator_id, broker_id=row.broker_id, declarant_name=row.declarant_name,
        channel=channel, channel_source=row.channel_source, channel_reasons=list(row.channel_reasons or []),
        inspector_officer_id=row.inspector_officer_id, draw=_draw(session, row),
        customs_value=None if row.customs_value is None else row.customs_value.amount,
        total_due=None if row.total_due is None else row.total_due.amount,
        assessment_confirmed=row.assessment_confirmed, post_clearance_audit=row.post_clearance_audit,
        registered_at=row.registered_at, assessed_at=row.assessed_at, settled_at=row.settled_at,
        released_at=row.released_at, exited_at=row.exited_at, rejection_reason=row.rejection_reason,
        allowed_actions=[a.value for a in allowed_actions(Status(row.status), channel, row.regime)],
    )  # fmt: skip


def _detail(session: Session, row: DeclarationRow) -> OfficerDetailOut:
    discharged = discharge.discharge_of(session, row.id)
    return OfficerDetailOut(
        **_out(session, row).model_dump(),
        control_results=[ControlResultOut.of(r) for r in control.control_results(session, row.id)],
        assessment=service.readable_breakdown(row.assessment),
        discharge=None if discharged is None else DischargeOut.of(discharged),
    )


def _clock(request: Request) -> Clock:
    return get_context(request).clock


def _version(body: VersionIn | None, if_match: str | None) -> int | None:
    if body is not None and body.version is not None:
        return body.version
    if not if_match:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    version = whole_number(text)
    if version is None:
        raise InvalidInput("declarations.invalid_if_match", "If-Match must carry the version number you read")
    return version


# --- routes --------------------------------------------------------------------------------------


@_endpoint("GET", "/queue", response_model=Page[OfficerDeclarationOut])
def inspector_queue(
    session: UnitOfWork,
    office: OfficeFilter = None,
    paging: PageRequest = Depends(page_request),
    actor: Actor = Depends(requires_any(P.DECLARATIONS_CONTROL)),
) -> Page[OfficerDeclarationOut]:
    rows, total = control.inspector_queue(
        session, office, actor, offset=paging.offset, limit=paging.page_size
    )
    return paging.page_of([_out(session, r) for r in rows], total)


@_endpoint("GET", "/liquidation-queue", response_model=Page[OfficerDeclarationOut])
def liquidation_queue(
    session: UnitOfWork,
    office: OfficeFilter = None,
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(ASSESS),
) -> Page[OfficerDeclarationOut]:
    rows, total = control.liquidation_queue(session, office, offset=paging.offset, limit=paging.page_size)
    return paging.page_of([_out(session, r) for r in rows], total)


@_endpoint("GET", "/{declaration_id}/control", response_model=OfficerDetailOut)
def control_view(
    session: UnitOfWork, declaration_id: Id, _actor: Actor = Depends(READ_OFFICER)
) -> OfficerDetailOut:
    return _detail(session, control.get_for_officer(session, declaration_id))


@_endpoint("POST", "/{declaration_id}/take", response_model=OfficerDetailOut)
def take_for_control(
    session: UnitOfWork, request: Request, declaration_id: Id, body: VersionIn | None = None,
    if_match: IfMatch = None, actor: Actor = Depends(CONTROL),
) -> OfficerDetailOut:  # fmt: skip
    row = control.take_for_control(
        session, _clock(request), declaration_id, by=actor, expected_version=_version(body, if_match)
    )
    return _detail(session, row)


@_endpoint("POST", "/{declaration_id}/draw-inspector", response_model=OfficerDetailOut)
def draw_inspector(
    session: UnitOfWork, request: Request, declaration_id: Id, body: VersionIn | None = None,
    if_match: IfMatch = None, actor: Actor = Depends(APPROVE),
) -> OfficerDetailOut:  # fmt: skip
    row = control.draw_inspector(
        session, _clock(request), declaration_id, by=actor, expected_version=_version(body, if_match)
    )
    return _detail(session, row)


@_endpoint("POST", "/{declaration_id}/control-result", response_model=OfficerDetailOut)
def record_control_result(
    session: UnitOfWork, request: Request, declaration_id: Id, body: ControlResultIn,
    if_match: IfMatch = None, actor: Actor = Depends(CONTROL),
) -> OfficerDetailOut:  # fmt: skip
    amendments = [control.ItemAmendment(a.item, a.field, a.value, a.reason) for a in body.amendments]
    control.record_control_result(
        session, _clock(request), declaration_id, by=actor, outcome=body.outcome,
        discrepancy_type=body.discrepancy_type, notes=body.notes, amendments=amendments,
        expected_version=_version(body, if_match),
    )  # fmt: skip
    return _detail(session, control.get_for_officer(session, declaration_id))


@_endpoint("POST", "/{declaration_id}/confirm-assessment", response_model=OfficerDetailOut)
def confirm_assessment(
    session: UnitOfWork, request: Request, declaration_id: Id, body: VersionIn | None = None,
    if_match: IfMatch = None, actor: Actor = Depends(ASSESS),
) -> OfficerDetailOut:  # fmt: skip
    row = control.confirm_assessment(
        session, _clock(request), declaration_id, by=actor, expected_version=_version(body, if_match)
    )
    return _detail(session, row)


@_endpoint("POST", "/{declaration_id}/release", response_model=OfficerDetailOut)
def release(
    session: UnitOfWork, request: Request, declaration_id: Id, body: VersionIn | None = None,
    if_match: IfMatch = None, actor: Actor = Depends(RELEASE),
) -> OfficerDetailOut:  # fmt: skip
    row = control.release(
        session, _clock(request), declaration_id, by=actor, expected_version=_version(body, if_match)
    )
    return _detail(session, row)


@_endpoint("POST", "/{declaration_id}/exit", response_model=OfficerDetailOut)
def record_exit(
    session: UnitOfWork, request: Request, declaration_id: Id, body: VersionIn | None = None,
    if_match: IfMatch = None, actor: Actor = Depends(RELEASE),
) -> OfficerDetailOut:  # fmt: skip
    row = control.record_exit(
        session, _clock(request), declaration_id, by=actor, expected_version=_version(body, if_match)
    )
    return _detail(session, row)


@_endpoint("POST", "/{declaration_id}/discharge", response_model=OfficerDetailOut)
def discharge_regime(
    session: UnitOfWork, request: Request, declaration_id: Id, body: DischargeIn,
    if_match: IfMatch = None, actor: Actor = Depends(DISCHARGE),
) -> OfficerDetailOut:  # fmt: skip
    evidence = DischargeEvidence(
        body.method, body.reference_number or None, body.destination_office or None, body.arrived_on
    )
    row = control.discharge(
        session, _clock(request), declaration_id, by=actor, evidence=evidence, reason=body.reason,
        expected_version=_version(body, if_match),
    )  # fmt: skip
    return _detail(session, row)


@_endpoint("POST", "/{declaration_id}/reject", response_model=OfficerDetailOut)
def reject(
    session: UnitOfWork, request: Request, declaration_id: Id, body: ReasonIn,
    if_match: IfMatch = None, actor: Actor = Depends(CONTROL),
) -> OfficerDetailOut:  # fmt: skip
    row = control.reject(
        session, _clock(request), declaration_id, by=actor, reason=body.reason,
        expected_version=_version(body, if_match),
    )  # fmt: skip
    return _detail(session, row)


@_endpoint("POST", "/{declaration_id}/invalidation/approve", response_model=OfficerDetailOut)
def approve_invalidation(
    session: UnitOfWork, request: Request, declaration_id: Id, body: NoteIn | None = None,
    if_match: IfMatch = None, actor: Actor = Depends(APPROVE),
) -> OfficerDetailOut:  # fmt: skip
    row = control.approve_invalidation(
        session, _clock(request), declaration_id, by=actor, note=body.note if body else None,
        expected_version=_version(body, if_match),
    )  # fmt: skip
    return _detail(session, row)


@_endpoint("POST", "/{declaration_id}/invalidation/refuse", response_model=OfficerDetailOut)
def refuse_invalidation(
    session: UnitOfWork, request: Request, declaration_id: Id, body: ReasonIn,
    if_match: IfMatch = None, actor: Actor = Depends(APPROVE),
) -> OfficerDetailOut:  # fmt: skip
    row = control.refuse_invalidation(
        session, _clock(request), declaration_id, by=actor, reason=body.reason,
        expected_version=_version(body, if_match),
    )  # fmt: skip
    return _detail(session, row)
