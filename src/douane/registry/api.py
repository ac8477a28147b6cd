"""Registry over HTTP: offices, economic operators, customs brokers, officers, postings and rosters."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from pydantic import AwareDatetime

from douane.identity.guards import requires
from douane.identity.model import Actor, Permission
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, local_date
from douane.kernel.imports import ImportReport
from douane.registry import importers, service
from douane.registry.model import BrokerStatus, Grade, OfficeKind, OperatorStatus, PostingRole
from douane.registry.schemas import (
    CODE,
    OFFICE_CODE,
    WILAYA,
    ApprovalIn,
    ApprovalOut,
    BrokerIn,
    BrokerOut,
    BrokerStatusIn,
    BrokerUpdate,
    DirectorateIn,
    DirectorateOut,
    DutyIn,
    MayDeclareOut,
    OfficeIn,
    OfficeOut,
    OfficerIn,
    OfficerOut,
    OfficerUpdate,
    OfficeUpdate,
    OperatorIn,
    OperatorOut,
    OperatorStatusIn,
    OperatorUpdate,
    PeriodEndIn,
    PostingEndIn,
    PostingIn,
    PostingOut,
    StatusChangeOut,
)
from douane.registry.tables import BrokerOfficeApprovalRow, CustomsOfficeRow, PostingRow
from douane.web.deps import UnitOfWork, get_context
from douane.web.pagination import Page, PageRequest, page_request

router = APIRouter(prefix="/api/v1", tags=["registry"])
P = Permission
Id = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
OfficeCode = Annotated[str, PathParam(pattern=OFFICE_CODE, description="5-digit office code")]


def _clock(request: Request) -> Clock:
    return get_context(request).clock


def office_out(row: CustomsOfficeRow) -> OfficeOut:
    return OfficeOut(
        id=row.id, code=row.code, name_fr=row.name_fr, name_ar=row.name_ar, name_en=row.name_en,
        kind=OfficeKind(row.kind), regional_directorate_code=row.regional_directorate_code,
        regional_directorate_name=row.directorate.name_fr, unlocode=row.unlocode,
        collection_office_code=row.collection_office_code, regimes=row.regimes, active=row.active,
    )  # fmt: skip


def approval_out(row: BrokerOfficeApprovalRow) -> ApprovalOut:
    return ApprovalOut(
        id=row.id, office_code=row.office.code, valid_from=row.valid_from, valid_to=row.valid_to,
        ended_reason=row.ended_reason,
    )  # fmt: skip


def posting_out(row: PostingRow) -> PostingOut:
    return PostingOut(
        id=row.id, officer_id=row.officer_id, office_code=row.office.code, role=PostingRole(row.role),
        valid_from=row.valid_from, valid_to=row.valid_to,
    )  # fmt: skip


# --- regional directorates and offices ---------------------------------------------------------


@router.get("/regional-directorates", response_model=list[DirectorateOut])
def list_directorates(
    session: UnitOfWork, _actor: Actor = Depends(requires(P.OFFICES_READ))
) -> list[DirectorateOut]:
    return [DirectorateOut.model_validate(r) for r in service.list_directorates(session)]


@router.put("/regional-directorates/{code}", response_model=DirectorateOut)
def save_directorate(
    session: UnitOfWork,
    request: Request,
    body: DirectorateIn,
    code: str = PathParam(pattern=CODE),
    actor: Actor = Depends(requires(P.OFFICES_MANAGE)),
) -> DirectorateOut:
    row = service.upsert_directorate(
        session, _clock(request), code=code, name_fr=body.name_fr, name_ar=body.name_ar, by=actor
    )
    return DirectorateOut.model_validate(row)


@router.get("/offices", response_model=Page[OfficeOut])
def list_offices(
    session: UnitOfWork,
    q: str | None = Query(None, max_length=100, description="Code prefix, name fragment or UN/LOCODE"),
    kind: OfficeKind | None = None,
    directorate: str | None = Query(None, pattern=CODE),
    regime: str | None = Query(None, pattern=r"^[A-Za-z0-9]{1,8}$"),
    active: bool | None = None,
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(requires(P.OFFICES_READ)),
) -> Page[OfficeOut]:
    rows, total = service.list_offices(
        session, q=q, kind=kind, directorate=directorate, regime=regime, active=active,
        offset=paging.offset, limit=paging.page_size,
    )  # fmt: skip
    return paging.page_of([office_out(r) for r in rows], total)


@router.post("/offices", response_model=OfficeOut, status_code=201)
def create_office(
    session: UnitOfWork,
    request: Request,
    body: OfficeIn,
    actor: Actor = Depends(requires(P.OFFICES_MANAGE)),
) -> OfficeOut:
    fields = body.model_dump(exclude={"code"})
    return office_out(service.create_office(session, _clock(request), code=body.code, by=actor, **fields))


@router.post("/offices/import", response_model=ImportReport)
def import_offices(
    session: UnitOfWork,
    request: Request,
    file: UploadFile = File(description="CSV: code,name_fr,name_ar,name_en,kind,regional_directorate,..."),
    actor: Actor = Depends(requires(P.OFFICES_MANAGE)),
) -> ImportReport:
    return importers.import_offices(session, _clock(request), file.file, by=actor_ref(actor))


@router.get("/offices/{code}", response_model=OfficeOut)
def read_office(
    session: UnitOfWork,
    code: OfficeCode,
    _actor: Actor = Depends(requires(P.OFFICES_READ)),
) -> OfficeOut:
    return office_out(service.get_office(session, code))


@router.patch("/offices/{code}", response_model=OfficeOut)
def update_office(
    session: UnitOfWork,
    request: Request,
    code: OfficeCode,
    body: OfficeUpdate,
    actor: Actor = Depends(requires(P.OFFICES_MANAGE)),
) -> OfficeOut:
    changes = body.model_dump(exclude_unset=True)
    return office_out(service.update_office(session, _clock(request), code, changes, by=actor))


@router.delete("/offices/{code}", status_code=204)
def delete_office(
    session: UnitOfWork,
    request: Request,
    code: OfficeCode,
    actor: Actor = Depends(requires(P.OFFICES_MANAGE)),
) -> None:
    service.delete_office(session, _clock(request), code, by=actor)


@router.get("/offices/{code}/roster", response_model=list[OfficerOut])
def office_roster(
    session: UnitOfWork,
    request: Request,
    code: OfficeCode,
    role: PostingRole,
    at: AwareDatetime | None = Query(None, description="Moment (default now); its Algerian date counts"),
    _actor: Actor = Depends(requires(P.STAFF_READ)),
) -> list[OfficerOut]:
    moment = at or _clock(request).now()
    return [OfficerOut.model_validate(r) for r in service.roster(session, code, role, moment)]


# --- economic operators ------------------------------------------------------------------------


@router.get("/operators", response_model=Page[OperatorOut])
def list_operators(
    session: UnitOfWork,
    q: str | None = Query(None, max_length=100, description="NIF prefix, RC number or name fragment"),
    status: OperatorStatus | None = None,
    wilaya: str | None = Query(None, pattern=WILAYA),
    paging: PageRequest = Depends(page_request),
    actor: Actor = Depends(requires(P.OPERATORS_READ)),
) -> Page[OperatorOut]:
    rows, total = service.search_operators(
        session, q=q, status=status, wilaya=wilaya, viewer=actor, offset=paging.offset,
        limit=paging.page_size,
    )  # fmt: skip
    return paging.page_of([OperatorOut.model_validate(r) for r in rows], total)


@router.post("/operators", response_model=OperatorOut, status_code=201)
def register_operator(
    session: UnitOfWork,
    request: Request,
    body: OperatorIn,
    actor: Actor = Depends(requires(P.OPERATORS_MANAGE)),
) -> OperatorOut:
    row = service.register_operator(session, _clock(request), by=actor, **body.model_dump())
    return OperatorOut.model_validate(row)


@router.post("/operators/import", response_model=ImportReport)
def import_operators(
    session: UnitOfWork,
    request: Request,
    file: UploadFile = File(
        description="CSV: nif,rc_number,legal_name_fr,legal_name_ar,address,wilaya[,status]"
    ),
    actor: Actor = Depends(requires(P.OPERATORS_MANAGE)),
) -> ImportReport:
    return importers.import_operators(session, _clock(request), file.file, by=actor_ref(actor))


@router.get("/operators/{operator_id}", response_model=OperatorOut)
def read_operator(
    session: UnitOfWork,
    operator_id: Id,
    actor: Actor = Depends(requires(P.OPERATORS_READ)),
) -> OperatorOut:
    return OperatorOut.model_validate(service.get_operator(session, operator_id, viewer=actor))


@router.patch("/operators/{operator_id}", response_model=OperatorOut)
def update_operator(
    session: UnitOfWork,
    request: Request,
    operator_id: Id,
    body: OperatorUpdate,
    actor: Actor = Depends(requires(P.OPERATORS_MANAGE)),
) -> OperatorOut:
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version"})
    row = service.update_operator(
        session, _clock(request), operator_id, changes, expected_version=body.expected_version, by=actor
    )
    return OperatorOut.model_validate(row)


@router.post("/operators/{operator_id}/status", response_model=OperatorOut)
def change_operator_status(
    session: UnitOfWork,
    request: Request,
    operator_id: Id,
    body: OperatorStatusIn,
    actor: Actor = Depends(requires(P.OPERATORS_MANAGE)),
) -> OperatorOut:
    row = service.change_operator_status(
        session, _clock(request), operator_id, to_status=body.status, reason=body.reason,
        expected_version=body.expected_version, by=actor,
    )  # fmt: skip
    return OperatorOut.model_validate(row)


@router.get("/operators/{operator_id}/history", response_model=list[StatusChangeOut])
def operator_history(
    session: UnitOfWork,
    operator_id: Id,
    actor: Actor = Depends(requires(P.OPERATORS_READ)),
) -> list[StatusChangeOut]:
    rows = service.operator_history(session, operator_id, viewer=actor)
    return [StatusChangeOut.model_validate(r) for r in rows]


# --- customs brokers ---------------------------------------------------------------------------


@router.get("/brokers", response_model=Page[BrokerOut])
def list_brokers(
    session: UnitOfWork,
    q: str | None = Query(None, max_length=100, description="Licence number, NIF prefix or name fragment"),
    status: BrokerStatus | None = None,
    office: str | None = Query(None, pattern=OFFICE_CODE, description="Brokers ever approved at that office"),
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(requires(P.BROKERS_READ)),
) -> Page[BrokerOut]:
    rows, total = service.list_brokers(
        session, q=q, status=status, office_code=office, offset=paging.offset, limit=paging.page_size
    )
    return paging.page_of([BrokerOut.model_validate(r) for r in rows], total)


@router.post("/brokers", response_model=BrokerOut, status_code=201)
def register_broker(
    session: UnitOfWork,
    request: Request,
    body: BrokerIn,
    actor: Actor = Depends(requires(P.BROKERS_MANAGE)),
) -> BrokerOut:
    row = service.register_broker(session, _clock(request), by=actor, **body.model_dump())
    return BrokerOut.model_validate(row)


@router.get("/brokers/{broker_id}", response_model=BrokerOut)
def read_broker(
    session: UnitOfWork,
    broker_id: Id,
    _actor: Actor = Depends(requires(P.BROKERS_READ)),
) -> BrokerOut:
    return BrokerOut.model_validate(service.get_broker(session, broker_id))


@router.patch("/brokers/{broker_id}", response_model=BrokerOut)
def update_broker(
    session: UnitOfWork,
    request: Request,
    broker_id: Id,
    body: BrokerUpdate,
    actor: Actor = Depends(requires(P.BROKERS_MANAGE)),
) -> BrokerOut:
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version"})
    row = service.update_broker(
        session, _clock(request), broker_id, changes, expected_version=body.expected_version, by=actor
    )
    return BrokerOut.model_validate(row)


@router.post("/brokers/{broker_id}/status", response_model=BrokerOut)
def change_broker_status(
    session: UnitOfWork,
    request: Request,
    broker_id: Id,
    body: BrokerStatusIn,
    actor: Actor = Depends(requires(P.BROKERS_MANAGE)),
) -> BrokerOut:
    row = service.change_broker_status(
        session, _clock(request), broker_id, to_status=body.status, reason=body.reason,
        expected_version=body.expected_version, by=actor,
    )  # fmt: skip
    return BrokerOut.model_validate(row)


@router.get("/brokers/{broker_id}/history", response_model=list[StatusChangeOut])
def broker_history(
    session: UnitOfWork,
    broker_id: Id,
    _actor: Actor = Depends(requires(P.BROKERS_READ)),
) -> list[StatusChangeOut]:
    return [StatusChangeOut.model_validate(r) for r in service.broker_history(session, broker_id)]


@router.get("/brokers/{broker_id}/approvals", response_model=list[ApprovalOut])
def list_approvals(
    session: UnitOfWork,
    broker_id: Id,
    _actor: Actor = Depends(requires(P.BROKERS_READ)),
) -> list[ApprovalOut]:
    return [approval_out(r) for r in service.broker_approvals(session, broker_id)]


@router.post("/brokers/{broker_id}/approvals", response_model=ApprovalOut, status_code=201)
def add_approval(
    session: UnitOfWork,
    request: Request,
    broker_id: Id,
    body: ApprovalIn,
    actor: Actor = Depends(requires(P.BROKERS_MANAGE)),
) -> ApprovalOut:
    row = service.add_office_approval(
        session, _clock(request), broker_id, office_code=body.office_code, valid_from=body.valid_from,
        valid_to=body.valid_to, by=actor,
    )  # fmt: skip
    return approval_out(row)


@router.post("/brokers/{broker_id}/approvals/{approval_id}/end", response_model=ApprovalOut)
def end_approval(
    session: UnitOfWork,
    request: Request,
    broker_id: Id,
    approval_id: Id,
    body: PeriodEndIn,
    actor: Actor = Depends(requires(P.BROKERS_MANAGE)),
) -> ApprovalOut:
    row = service.end_office_approval(
        session, _clock(request), broker_id, approval_id, valid_to=body.valid_to, reason=body.reason, by=actor
    )
    return approval_out(row)


@router.get("/brokers/{broker_id}/may-declare", response_model=MayDeclareOut)
def may_declare(
    session: UnitOfWork,
    request: Request,
    broker_id: Id,
    office: str = Query(pattern=OFFICE_CODE),
    on: date | None = Query(None, description="Date (default today in Algeria)"),
    _actor: Actor = Depends(requires(P.BROKERS_READ)),
) -> MayDeclareOut:
    day = on or local_date(_clock(request).now())
    refusal = service.broker_declaration_refusal(session, broker_id, office, day)
    return MayDeclareOut(
        broker_id=broker_id, office_code=office, on=day, may_declare=refusal is None,
        refusal_code=refusal.code if refusal else None, refusal=refusal.message if refusal else None,
    )  # fmt: skip


# --- officers and postings ---------------------------------------------------------------------


@router.get("/officers", response_model=Page[OfficerOut])
def list_officers(
    session: UnitOfWork,
    q: str | None = Query(None, max_length=100, description="Service number prefix or name fragment"),
    grade: Grade | None = None,
    office: str | None = Query(None, pattern=OFFICE_CODE),
    on_duty: bool | None = None,
    on: date | None = Query(None, description="With office: posted there on that date"),
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(requires(P.STAFF_READ)),
) -> Page[OfficerOut]:
    rows, total = service.list_officers(
        session, q=q, grade=grade, office_code=office, on_duty=on_duty, on=on, offset=paging.offset,
        limit=paging.page_size,
    )  # fmt: skip
    return paging.page_of([OfficerOut.model_validate(r) for r in rows], total)


@router.post("/officers", response_model=OfficerOut, status_code=201)
def create_officer(
    session: UnitOfWork,
    request: Request,
    body: OfficerIn,
    actor: Actor = Depends(requires(P.STAFF_MANAGE)),
) -> OfficerOut:
    row = service.create_officer(session, _clock(request), by=actor, **body.model_dump())
    return OfficerOut.model_validate(row)


@router.get("/officers/{officer_id}", response_model=OfficerOut)
def read_officer(
    session: UnitOfWork,
    officer_id: Id,
    _actor: Actor = Depends(requires(P.STAFF_READ)),
) -> OfficerOut:
    return OfficerOut.model_validate(service.get_officer(session, officer_id))


@router.patch("/officers/{officer_id}", response_model=OfficerOut)
def update_officer(
    session: UnitOfWork,
    request: Request,
    officer_id: Id,
    body: OfficerUpdate,
    actor: Actor = Depends(requires(P.STAFF_MANAGE)),
) -> OfficerOut:
    changes = body.model_dump(exclude_unset=True)
    return OfficerOut.model_validate(
        service.update_officer(session, _clock(request), officer_id, changes, by=actor)
    )


@router.put("/officers/{officer_id}/duty", response_model=OfficerOut)
def set_duty(
    session: UnitOfWork,
    request: Request,
    officer_id: Id,
    body: DutyIn,
    actor: Actor = Depends(requires(P.STAFF_MANAGE)),
) -> OfficerOut:
    row = service.set_on_duty(session, _clock(request), officer_id, body.on_duty, by=actor)
    return OfficerOut.model_validate(row)


@router.get("/officers/{officer_id}/postings", response_model=list[PostingOut])
def list_postings(
    session: UnitOfWork,
    officer_id: Id,
    _actor: Actor = Depends(requires(P.STAFF_READ)),
) -> list[PostingOut]:
    return [posting_out(r) for r in service.officer_postings(session, officer_id)]


@router.post("/officers/{officer_id}/postings", response_model=PostingOut, status_code=201)
def add_posting(
    session: UnitOfWork,
    request: Request,
    officer_id: Id,
    body: PostingIn,
    actor: Actor = Depends(requires(P.STAFF_MANAGE)),
) -> PostingOut:
    row = service.add_posting(
        session, _clock(request), officer_id, office_code=body.office_code, role=body.role,
        valid_from=body.valid_from, valid_to=body.valid_to, by=actor,
    )  # fmt: skip
    return posting_out(row)


@router.post("/officers/{officer_id}/postings/{posting_id}/end", response_model=PostingOut)
def end_posting(
    session: UnitOfWork,
    request: Request,
    officer_id: Id,
    posting_id: Id,
    body: PostingEndIn,
    actor: Actor = Depends(requires(P.STAFF_MANAGE)),
) -> PostingOut:
    row = service.end_posting(
        session, _clock(request), officer_id, posting_id, valid_to=body.valid_to, by=actor
    )
    return posting_out(row)
