"""Goods declarations over HTTP, declarant side: drafts, validation, lodging, amendment, invalidation
requests, reading and searching (scoped), the discharge record, documents and bulk lodging. Officer routes
come from control_api.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from douane.audit.service import AuditEvent
from douane.bootstrap import Context
from douane.declarations import control, control_api, discharge, documents, lodging, model, service, wording
from douane.declarations.control_schemas import DischargeOut
from douane.declarations.model import Finding, Status
from douane.declarations.schemas import (
    AmendIn,
    AmendmentOut,
    BulkError,
    BulkIn,
    BulkOut,
    BulkOutcome,
    DeclarationIn,
    DeclarationOut,
    DeclarationSummary,
    DocumentOut,
    DraftUpdateIn,
    EventOut,
    FindingOut,
    FindingsOut,
    InvalidationRequestOut,
    PartyOut,
    ReasonIn,
    VersionIn,
    VersionOut,
)
from douane.declarations.tables import (
    ControlResultRow,
    DeclarationDocumentRow,
    DeclarationRow,
    DeclarationVersionRow,
)
from douane.i18n import translate
from douane.identity.guards import Credentials, requires, requires_on_worker
from douane.identity.model import Actor, Permission
from douane.kernel.clock import Clock
from douane.kernel.errors import InvalidInput, NotFound
from douane.kernel.numbers import whole_number
from douane.web.deps import UnitOfWork, get_context, in_lodging_slot, in_shared_lodging_slot
from douane.web.json_bodies import CheckedBodyRoute
from douane.web.pagination import Page, PageRequest, page_request
from douane.web.problems import domain_text, problem, request_language, word_with
from douane.web.responses import model_json

router = APIRouter(prefix="/api/v1", tags=["declarations"])
lodging_router = APIRouter(prefix="/api/v1", tags=["declarations"], route_class=CheckedBodyRoute)
"""The two lodging routes, the busiest of all: the application matches them before any other route (a
request walks the routes in order; /bulk, last of the declarations' 29, took 60 microseconds to find).
Their bodies are looked over for control characters at once (`CheckedBodyRoute`): a hundred declarations'
walk over every text field cost more than the look."""
P = Permission
Id = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
BASE = "/declarations"

# A refused action says which, as its button names it, the status as the pages show it, a field as labelled.
for _code in wording.WORDED_CODES:
    word_with(_code, wording.in_words)

# The officer routes (control_api) go first, so that e.g. /declarations/queue is not read as /{id}.
control_api.include_in(router)


def _clock(request: Request) -> Clock:
    return get_context(request).clock


def _finding_out(finding: Finding | dict[str, object], language: str) -> FindingOut:
    data = finding.to_dict() if isinstance(finding, Finding) else dict(finding)
    raw_params = data.get("params")
    params: dict[str, Any] = dict(raw_params) if isinstance(raw_params, dict) else {}
    return FindingOut(
        code=str(data["code"]), path=str(data["path"]), severity=model.Severity(str(data["severity"])),
        message=translate(str(data["message"]), language, **wording.worded(params, language)), params=params,
    )  # fmt: skip


def _findings_out(findings: Sequence[Finding], language: str) -> FindingsOut:
    blocking = sum(1 for f in findings if f.blocking)
    return FindingsOut(
        findings=[_finding_out(f, language) for f in findings],
        blocking=blocking,
        warnings=len(findings) - blocking,
    )


def _document_out(row: DeclarationDocumentRow) -> DocumentOut:
    return DocumentOut(
        id=row.id, type_code=row.type_code, number=row.number, issuer=row.issuer, issued_on=row.issued_on,
        filename=row.filename, content_type=row.content_type, size_bytes=row.size_bytes, sha256=row.sha256,
        uploaded_at=row.uploaded_at, has_file=row.stored_path is not None,
    )  # fmt: skip


def _amount(value: object) -> object:
    return getattr(value, "amount", None)


def summary_out(row: DeclarationRow) -> DeclarationSummary:
    return DeclarationSummary(
        id=row.id, number=row.number, status=Status(row.status), type=model.DeclarationType(row.type),
        regime=model.Regime(row.regime), office_code=row.office_code, broker_id=row.broker_id,
        operator_nif=row.operator_nif, channel=model.Channel(row.channel) if row.channel else None,
        total_due=_amount(row.total_due), created_at=row.created_at, registered_at=row.registered_at,
    )  # fmt: skip


def declaration_out(
    session: UnitOfWork, actor: Actor, row: DeclarationRow, language: str, *, with_history: bool = True
) -> DeclarationOut:
    officer = service.is_officer(actor)
    channel = model.Channel(row.channel) if row.channel else None
    history = service.history(session, actor, row.id) if with_history else []
    base = summary_out(row).model_dump()
    return DeclarationOut(
        **base, version=row.version, current_version=row.current_version,
        regime_label=model.regime_label(model.Regime(row.regime), language),
        declarant_name=row.declarant_name,
        operator_id=row.operator_id, consignor=PartyOut(**row.consignor) if row.consignor else None,
        consignee=PartyOut(**row.consignee) if row.consignee else None, dispatch_country=row.dispatch_country,
        destination_country=row.destination_country,
        transport_mode=model.TransportMode(row.transport_mode) if row.transport_mode else None,
        transport_means=row.transport_means, manifest_reference=row.manifest_reference,
        bill_of_lading=row.bill_of_lading, containers=list(row.containers or ()),
        invoice_currency=row.invoice_currency,
        invoice_total=row.invoice_total, incoterm=model.Incoterm(row.incoterm), freight=row.freight,
        insurance=row.insurance, other_costs=row.other_costs, costs_currency=row.costs_currency,
        domiciliation_reference=row.domiciliation_reference, post_clearance_audit=row.post_clearance_audit,
        customs_value=_amount(row.customs_value), assessment=service.readable_breakdown(row.assessment),
        findings=[_finding_out(f, language) for f in row.findings or []],
        items=[
            {**_item_fields(i), "assessed_customs_value": _amount(i.assessed_customs_value),
             "assessed_taxes": _amount(i.assessed_taxes)}
            for i in row.items
        ],
        documents=[_document_out(d) for d in row.documents], lodged_at=row.lodged_at,
        released_at=row.released_at, exited_at=row.exited_at,
        allowed_actions=[a.value for a in model.allowed_actions(Status(row.status), channel, row.regime)],
        history=[_event_out(e, row, officer) for e in history],
        channel_reasons=row.channel_reasons if officer else None,
        inspector_officer_id=row.inspector_officer_id if officer else None,
        control_amendments=_amendments_out(control.control_results(session, row.id)),
    )  # fmt: skip


def _amendments_out(results: Sequence[ControlResultRow]) -> list[AmendmentOut]:
    return [
        AmendmentOut(
            recorded_at=result.recorded_at, item=change.get("item"), field=str(change.get("field", "")),
            before=_text_or_none(change.get("from")), after=_text_or_none(change.get("to")),
            reason=str(change.get("reason") or ""),
        )
        for result in results for change in result.item_amendments or ()
    ]  # fmt: skip


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _item_fields(item: object) -> dict[str, object]:
    names = (
        "number", "line_code", "description", "origin_country", "invoice_amount", "net_mass_kg",
        "gross_mass_kg",
        "packages", "package_kind", "preference", "supplementary_quantity", "supplementary_unit",
        "customs_value_dzd",
    )  # fmt: skip
    return {name: getattr(item, name) for name in names}


def _event_out(event: AuditEvent, row: DeclarationRow, officer: bool) -> EventOut:
    shown = officer or event.actor_id == row.declarant_user_id or event.actor_id is None
    to_state = event.to_state
    if not officer and to_state and to_state.startswith(INSPECTOR_STATE):
        to_state = None  # which inspector was drawn is the officers' business
    return EventOut(
        at=event.at, action=event.action, from_state=event.from_state, to_state=to_state,
        reason=event.reason, actor_name=event.actor_name if shown else "customs",
    )  # fmt: skip


INSPECTOR_STATE = "inspector:"  # the draw's audit event: "inspector:<officer id>"


def _expected_version(if_match: str | None, body_version: int | None) -> int | None:
    if body_version is not None:
        return body_version
    if not if_match:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    version = whole_number(text)
    if version is None:
        raise InvalidInput("declarations.invalid_if_match", "If-Match must carry the version number")
    return version


def _blocking_problem(request: Request, exc: service.BlockingFindings) -> JSONResponse:
    language = request_language(request)
    return problem(
        request, exc.status, exc.code, domain_text(exc, "en"), domain_text(exc, language),
        findings=[_finding_out(f, language).model_dump(mode="json") for f in exc.findings],
    )  # fmt: skip


# --- drafts, validation, lodging ----------------------------------------------------------------


@router.post(BASE, response_model=DeclarationOut, status_code=201)
def create_draft(
    session: UnitOfWork,
    request: Request,
    body: DeclarationIn,
    actor: Actor = Depends(requires(P.DECLARATIONS_LODGE)),
) -> DeclarationOut:
    row = service.create_draft(session, _clock(request), actor, body.to_model())
    return declaration_out(session, actor, row, request_language(request))


@router.put(BASE + "/{declaration_id}", response_model=DeclarationOut)
def update_draft(
    session: UnitOfWork,
    request: Request,
    declaration_id: Id,
    body: DraftUpdateIn,
    if_match: str | None = Header(None),
    actor: Actor = Depends(requires(P.DECLARATIONS_LODGE)),
) -> DeclarationOut:
    content = DeclarationIn.model_validate(body.model_dump(exclude={"version"})).to_model()
    row = service.update_draft(
        session, _clock(request), actor, declaration_id, content,
        expected_version=_expected_version(if_match, body.version),
    )  # fmt: skip
    return declaration_out(session, actor, row, request_language(request))


@router.post(BASE + "/{declaration_id}/validate", response_model=FindingsOut)
def validate(
    session: UnitOfWork,
    request: Request,
    declaration_id: Id,
    actor: Actor = Depends(requires(P.DECLARATIONS_READ)),
) -> FindingsOut:
    findings = service.validate(session, _clock(request), actor, declaration_id)
    return _findings_out(findings, request_language(request))


@lodging_router.post(BASE + "/{declaration_id}/lodge", response_model=DeclarationOut)
async def lodge(
    request: Request,
    declaration_id: Id,
    body: VersionIn | None = None,
    if_match: str | None = Header(None),
    caller: Credentials = Depends(requires_on_worker(P.DECLARATIONS_LODGE)),
) -> DeclarationOut | JSONResponse:
    language = request_language(request)

    def lodge_draft(session: Session, actor: Actor) -> DeclarationOut:
        expected = _expected_version(if_match, body.version if body else None)  # once the caller is known
        row = lodging.lodge(session, _clock(request), actor, declaration_id, expected_version=expected)
        return declaration_out(session, actor, row, language)

    try:
        return await in_lodging_slot(request, caller.actor_in, lodge_draft)
    except service.BlockingFindings as exc:
        return _blocking_problem(request, exc)  # nothing was written: the draft stays as it was


@router.post(BASE + "/{declaration_id}/amend", response_model=DeclarationOut)
def amend(
    session: UnitOfWork,
    request: Request,
    declaration_id: Id,
    body: AmendIn,
    if_match: str | None = Header(None),
    actor: Actor = Depends(requires(P.DECLARATIONS_LODGE)),
) -> DeclarationOut | JSONResponse:
    try:
        row = lodging.amend(
            session, _clock(request), actor, declaration_id, body.declaration.to_model(), reason=body.reason,
            expected_version=_expected_version(if_match, body.version),
        )  # fmt: skip
    except service.BlockingFindings as exc:
        return _blocking_problem(request, exc)
    return declaration_out(session, actor, row, request_language(request))


@router.post(
    BASE + "/{declaration_id}/invalidation-request", response_model=InvalidationRequestOut, status_code=201
)
def request_invalidation(
    session: UnitOfWork,
    request: Request,
    declaration_id: Id,
    body: ReasonIn,
    actor: Actor = Depends(requires(P.DECLARATIONS_LODGE)),
) -> InvalidationRequestOut:
    row = service.request_invalidation(session, _clock(request), actor, declaration_id, reason=body.reason)
    return InvalidationRequestOut.model_validate(row)


# --- reading ------------------------------------------------------------------------------------


@router.get(BASE, response_model=Page[DeclarationSummary])
def search(
    session: UnitOfWork,
    status: Status | None = None,
    office: str | None = Query(None, pattern=r"^[0-9]{5}$"),
    broker_id: int | None = Query(None, ge=1, le=2**63 - 1),
    operator_id: int | None = Query(None, ge=1, le=2**63 - 1),
    registered_from: date | None = None,
    registered_to: date | None = None,
    number: str | None = Query(None, max_length=24, pattern=r"^[0-9٠-٩۰-۹/]+$"),
    paging: PageRequest = Depends(page_request),
    actor: Actor = Depends(requires(P.DECLARATIONS_READ)),
) -> Page[DeclarationSummary]:
    rows, total = service.search(
        session, actor, status=status, office_code=office, broker_id=broker_id, operator_id=operator_id,
        registered_from=registered_from, registered_to=registered_to, number=number, offset=paging.offset,
        limit=paging.page_size,
    )  # fmt: skip
    return paging.page_of([summary_out(r) for r in rows], total)


@router.get(BASE + "/by-number/{office}/{year}/{sequence}", response_model=DeclarationOut)
def by_number(
    session: UnitOfWork,
    request: Request,
    office: str = PathParam(max_length=5),
    year: str = PathParam(max_length=4),
    sequence: str = PathParam(max_length=9),
    actor: Actor = Depends(requires(P.DECLARATIONS_READ)),
) -> DeclarationOut:
    """The parts as typed, in ASCII or Arabic digits (`numbering.parse_number` reads and checks them)."""
    row = service.get_by_number(session, actor, f"{office}/{year}/{sequence}")
    return declaration_out(session, actor, row, request_language(request))


@router.get(BASE + "/{declaration_id}", response_model=DeclarationOut)
def read(
    session: UnitOfWork,
    request: Request,
    declaration_id: Id,
    actor: Actor = Depends(requires(P.DECLARATIONS_READ)),
) -> DeclarationOut:
    row = service.get(session, actor, declaration_id)
    return declaration_out(session, actor, row, request_language(request))


@router.get(BASE + "/{declaration_id}/versions", response_model=list[VersionOut])
def versions(
    session: UnitOfWork, declaration_id: Id, actor: Actor = Depends(requires(P.DECLARATIONS_READ))
) -> list[VersionOut]:
    return [_version_out(v) for v in service.versions(session, actor, declaration_id)]


def _version_out(version: DeclarationVersionRow) -> VersionOut:
    shown = VersionOut.model_validate(version)
    return shown.model_copy(update={"assessment": service.readable_breakdown(version.assessment)})


@router.get(BASE + "/{declaration_id}/invalidation-requests", response_model=list[InvalidationRequestOut])
def invalidation_requests(
    session: UnitOfWork, declaration_id: Id, actor: Actor = Depends(requires(P.DECLARATIONS_READ))
) -> list[InvalidationRequestOut]:
    rows = service.invalidation_requests(session, actor, declaration_id)
    return [InvalidationRequestOut.model_validate(r) for r in rows]


@router.get(BASE + "/{declaration_id}/discharge", response_model=DischargeOut)
def discharge_record(
    session: UnitOfWork, declaration_id: Id, actor: Actor = Depends(requires(P.DECLARATIONS_READ))
) -> DischargeOut:
    """How the declaration's suspensive regime was discharged (404 `declarations.not_discharged` before)."""
    row = service.get(session, actor, declaration_id)
    record = discharge.discharge_of(session, row.id)
    if record is None:
        raise NotFound("declarations.not_discharged", "The regime of this declaration is not discharged")
    shown = DischargeOut.of(record)
    if service.is_officer(actor):
        return shown
    return shown.model_copy(update={"officer_name": "customs"})  # as the history names officers to declarants


# --- documents ----------------------------------------------------------------------------------


@router.post(BASE + "/{declaration_id}/documents", response_model=DocumentOut, status_code=201)
async def upload_document(
    session: UnitOfWork,
    request: Request,
    declaration_id: Id,
    file: UploadFile = File(...),
    type_code: str = Form(..., min_length=1, max_length=8),
    number: str = Form(..., min_length=1, max_length=60),
    issuer: str | None = Form(None, max_length=200),
    issued_on: date | None = Form(None),
    actor: Actor = Depends(requires(P.DECLARATIONS_LODGE)),
) -> DocumentOut:
    data = await file.read(documents.MAX_DOCUMENT_BYTES + 1)
    ctx = get_context(request)
    row = service.add_document(
        session, ctx.clock, actor, declaration_id, data_dir=ctx.settings.data_dir, data=data,
        filename=file.filename, type_code=type_code, number=number, issuer=issuer, issued_on=issued_on,
    )  # fmt: skip
    return _document_out(row)


@router.get(BASE + "/{declaration_id}/documents", response_model=list[DocumentOut])
def list_documents(
    session: UnitOfWork, declaration_id: Id, actor: Actor = Depends(requires(P.DECLARATIONS_READ))
) -> list[DocumentOut]:
    return [_document_out(d) for d in service.get(session, actor, declaration_id).documents]


@router.get(BASE + "/{declaration_id}/documents/{document_id}")
def download_document(
    session: UnitOfWork,
    request: Request,
    declaration_id: Id,
    document_id: Id,
    actor: Actor = Depends(requires(P.DECLARATIONS_READ)),
) -> Response:
    row, data = service.document_content(
        session, actor, declaration_id, document_id, data_dir=get_context(request).settings.data_dir
    )
    filename = f"{row.type_code}-{row.id}"
    return Response(
        data, media_type=row.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )  # fmt: skip


# --- bulk ---------------------------------------------------------------------------------------


@lodging_router.post(BASE + "/bulk", response_model=BulkOut)
async def bulk_lodge(
    request: Request,
    body: BulkIn,
    caller: Credentials = Depends(requires_on_worker(P.DECLARATIONS_LODGE)),
) -> Response:
    """Lodge up to 100 declarations; each gets its own outcome (partial success is normal)."""
    language = request_language(request)
    size = len(body.declarations)
    outcomes = await in_shared_lodging_slot(request, caller.actor_in, body, size, _lodge_bulks)
    result = [_bulk_outcome(o, language) for o in outcomes]
    lodged = sum(1 for o in outcomes if o.lodged)
    return model_json(BulkOut(lodged=lodged, failed=len(outcomes) - lodged, outcomes=result))


def _lodge_bulks(
    ctx: Context, session: Session, bulks: Sequence[tuple[Actor, BulkIn]]
) -> list[list[lodging.LodgingOutcome]]:
    """Bulk requests lodged together (`in_shared_lodging_slot`), each as its caller's."""
    requests = [(actor, [d.to_model() for d in body.declarations]) for actor, body in bulks]
    return lodging.lodge_for_each(session, ctx.clock, requests)


def _bulk_outcome(outcome: lodging.LodgingOutcome, language: str) -> BulkOutcome:
    row = outcome.row
    error = outcome.error
    return BulkOutcome(
        index=outcome.index, id=row.id if row else None, status=Status(row.status) if row else None,
        number=row.number if row else None,
        channel=model.Channel(row.channel) if row and row.channel else None,
        total_due=_amount(row.total_due) if row else None,
        findings=[_finding_out(f, language) for f in outcome.findings],
        error=BulkError(code=error.code, message=domain_text(error, language))
        if error else None,
    )  # fmt: skip
