"""Administration pages of the registry: customs offices, economic operators (with the registration form),
customs brokers and officers. Lists come from the same service functions as the API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from douane.identity.model import Permission
from douane.registry import service
from douane.web.deps import UnitOfWork, get_context
from douane.web.pages import PAGE_SIZE, admin_list, attempt, optional_date, see_other
from douane.web.session import Viewer, csrf_protected, domain_message, office_name, page_requires

router = APIRouter(include_in_schema=False)
P = Permission
ADMIN = "/admin"

OPERATOR_FIELDS = (
    ("nif", "NIF", "text", ()),
    ("rc_number", "Trade register number", "text", ()),
    ("legal_name_fr", "Legal name (French)", "text", ()),
    ("legal_name_ar", "Legal name (Arabic)", "text", ()),
    ("address", "Address", "text", ()),
    ("wilaya", "Wilaya (2 digits)", "text", ()),
    ("registered_on", "Registered on", "date", ()),
)


@router.get(ADMIN + "/offices")
def offices(
    request: Request,
    session: UnitOfWork,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1),
    viewer: Viewer = Depends(page_requires(P.OFFICES_READ)),
) -> Response:
    found, total = service.list_offices(session, q=q or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    rows = [
        [
            o.code,
            office_name(o, viewer.language),
            o.kind,
            o.regional_directorate_code,
            o.collection_office_code or "",
        ]
        for o in found
    ]
    columns = ("Code", "Office name", "Kind", "Regional directorate", "Collection office")
    return admin_list(request, "Customs offices", columns, rows, total, page, q)


def _operators_page(
    request: Request, session: Session, viewer: Viewer, q: str, page: int, **extra: Any
) -> Response:
    found, total = service.search_operators(
        session, q=q or None, viewer=viewer.actor, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    rows = [[o.nif, o.legal_name_fr, o.legal_name_ar or "", o.wilaya, o.status] for o in found]
    columns = ("NIF", "Legal name", "Legal name (Arabic)", "Wilaya", "Status")
    create = OPERATOR_FIELDS if viewer.can(P.OPERATORS_MANAGE) else ()
    return admin_list(
        request,
        "Economic operators",
        columns,
        rows,
        total,
        page,
        q,
        create_fields=create,
        create_title="Register an economic operator",
        **extra,
    )


@router.get(ADMIN + "/operators")
def operators(
    request: Request,
    session: UnitOfWork,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1),
    viewer: Viewer = Depends(page_requires(P.OPERATORS_READ)),
) -> Response:
    return _operators_page(request, session, viewer, q, page)


@router.post(ADMIN + "/operators", dependencies=[Depends(csrf_protected)])
def register_operator(
    request: Request,
    nif: str = Form("", max_length=20),
    rc_number: str = Form("", max_length=40),
    legal_name_fr: str = Form("", max_length=200),
    legal_name_ar: str = Form("", max_length=200),
    address: str = Form("", max_length=300),
    wilaya: str = Form("", max_length=2),
    registered_on: str = Form("", max_length=10),
    viewer: Viewer = Depends(page_requires(P.OPERATORS_MANAGE)),
) -> Response:
    clock = get_context(request).clock
    outcome = attempt(
        request,
        lambda s: (
            service.register_operator(
                s,
                clock,
                nif=nif,
                rc_number=rc_number,
                legal_name_fr=legal_name_fr,
                legal_name_ar=legal_name_ar or None,
                address=address or None,
                wilaya=wilaya,
                registered_on=optional_date(registered_on),
                by=viewer.actor,
            ).id
        ),
    )
    if outcome.ok:
        return see_other(ADMIN + f"/operators?q={nif}", "created")
    assert outcome.error is not None
    values = {
        "nif": nif,
        "rc_number": rc_number,
        "legal_name_fr": legal_name_fr,
        "legal_name_ar": legal_name_ar,
        "address": address,
        "wilaya": wilaya,
        "registered_on": registered_on,
    }
    with get_context(request).db.transaction() as session:
        return _operators_page(
            request,
            session,
            viewer,
            "",
            1,
            values=values,
            status_code=outcome.error.status,
            error=domain_message(outcome.error, viewer.language),
        )


@router.get(ADMIN + "/brokers")
def brokers(
    request: Request,
    session: UnitOfWork,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1),
    viewer: Viewer = Depends(page_requires(P.BROKERS_READ)),
) -> Response:
    found, total = service.list_brokers(session, q=q or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    rows = [[b.licence_number, b.firm_name, b.holder_name, b.nif, b.status] for b in found]
    return admin_list(
        request, "Customs brokers", ("Licence", "Firm", "Holder", "NIF", "Status"), rows, total, page, q
    )


@router.get(ADMIN + "/staff")
def staff(
    request: Request,
    session: UnitOfWork,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1),
    viewer: Viewer = Depends(page_requires(P.STAFF_READ)),
) -> Response:
    found, total = service.list_officers(session, q=q or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    rows = [[o.service_number, o.full_name, o.grade, "✓" if o.on_duty else ""] for o in found]
    return admin_list(
        request, "Officers", ("Service number", "Name", "Grade", "On duty"), rows, total, page, q
    )
