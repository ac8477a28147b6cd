"""Administration pages of the registry: customs offices, economic operators (with the registration form),
customs brokers and officers. Lists come from the same service functions as the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from douane.i18n import translate
from douane.identity.model import Permission
from douane.kernel.clock import local_date
from douane.kernel.errors import DouaneError
from douane.registry import service
from douane.registry.model import Grade
from douane.web.deps import UnitOfWork, get_context
from douane.web.formats import Formats
from douane.web.pages import PAGE_SIZE, CreateForm, Field, admin_list, attempt, optional_date, see_other
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


OFFICE_KINDS = (
    ("sea_port", "Sea port"),
    ("airport", "Airport"),
    ("land_border", "Land border"),
    ("inland", "Inland office"),
)


def _office_fields(session: Session) -> tuple[Field, ...]:
    directorates = tuple((d.code, f"{d.code} · {d.name_fr}") for d in service.list_directorates(session))
    return (
        ("code", "Code (5 digits)", "text", ()),
        ("name_fr", "Name (French)", "text", ()),
        ("name_ar", "Name (Arabic)", "text", ()),
        ("name_en", "Name (English)", "text", ()),
        ("kind", "Kind", "select", OFFICE_KINDS),
        ("regional_directorate", "Regional directorate", "select", directorates),
        ("unlocode", "UN/LOCODE (optional)", "text", ()),
        ("collection_office", "Collection office code (optional)", "text", ()),
        ("regimes", "Regimes handled (e.g. IM4 EX1)", "text", ()),
    )


def _offices_page(
    request: Request, session: Session, viewer: Viewer, q: str, page: int, **extra: Any
) -> Response:
    found, total = service.list_offices(session, q=q or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    rows = [
        [
            o.code,
            office_name(o, viewer.language),
            _label(OFFICE_KINDS, o.kind, viewer.language),
            o.regional_directorate_code,
            o.collection_office_code or "",
        ]
        for o in found
    ]
    columns = ("Code", "Office name", "Kind", "Regional directorate", "Collection office")
    values = extra.pop("values", {})
    forms = (
        [CreateForm("Create a customs office", _office_fields(session), values=values)]
        if viewer.can(P.OFFICES_MANAGE)
        else []
    )
    return admin_list(request, "Customs offices", columns, rows, total, page, q, forms=forms, **extra)


@router.get(ADMIN + "/offices")
def offices(
    request: Request,
    session: UnitOfWork,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1),
    viewer: Viewer = Depends(page_requires(P.OFFICES_READ)),
) -> Response:
    return _offices_page(request, session, viewer, q, page)


def _regimes(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").upper().split() if part]


@router.post(ADMIN + "/offices", dependencies=[Depends(csrf_protected)])
def create_office(
    request: Request,
    code: str = Form("", max_length=10),
    name_fr: str = Form("", max_length=150),
    name_ar: str = Form("", max_length=150),
    name_en: str = Form("", max_length=150),
    kind: str = Form("", max_length=20),
    regional_directorate: str = Form("", max_length=8),
    unlocode: str = Form("", max_length=10),
    collection_office: str = Form("", max_length=10),
    regimes: str = Form("", max_length=500),
    viewer: Viewer = Depends(page_requires(P.OFFICES_MANAGE)),
) -> Response:
    values = {"code": code, "name_fr": name_fr, "name_ar": name_ar, "name_en": name_en, "kind": kind,
              "regional_directorate": regional_directorate, "unlocode": unlocode,
              "collection_office": collection_office, "regimes": regimes}  # fmt: skip
    clock = get_context(request).clock
    fields = {**values, "unlocode": unlocode or None, "collection_office": collection_office or None,
              "regimes": _regimes(regimes)}  # fmt: skip
    fields.pop("code")
    outcome = attempt(
        request, lambda s: service.create_office(s, clock, code=code, by=viewer.actor, **fields).code
    )
    if outcome.ok:
        return see_other(ADMIN + f"/offices?q={outcome.value}", "created")
    assert outcome.error is not None
    with get_context(request).db.transaction() as session:
        return _offices_page(
            request, session, viewer, "", 1, values=values, **_refusal(outcome.error, viewer)
        )


def _refusal(error: DouaneError, viewer: Viewer) -> dict[str, Any]:
    return {"status_code": error.status, "error": domain_message(error, viewer.language)}


def _operators_page(
    request: Request, session: Session, viewer: Viewer, q: str, page: int, **extra: Any
) -> Response:
    found, total = service.search_operators(
        session, q=q or None, viewer=viewer.actor, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    rows = [
        [
            o.nif,
            o.legal_name_fr,
            o.legal_name_ar or "",
            o.wilaya,
            _label(OPERATOR_STATUSES, o.status, viewer.language),
        ]
        for o in found
    ]
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


BROKER_FIELDS: tuple[Field, ...] = (
    ("licence_number", "Licence number", "text", ()),
    ("firm_name", "Firm", "text", ()),
    ("holder_name", "Licence holder", "text", ()),
    ("nif", "NIF", "text", ()),
    ("licence_valid_from", "Licence valid from", "date", ()),
    ("licence_valid_to", "Licence valid until (optional)", "date", ()),
)


def _brokers_page(
    request: Request, session: Session, viewer: Viewer, q: str, page: int, **extra: Any
) -> Response:
    found, total = service.list_brokers(session, q=q or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    rows = [
        [
            b.licence_number,
            b.firm_name,
            b.holder_name,
            b.nif,
            _label(BROKER_STATUSES, b.status, viewer.language),
        ]
        for b in found
    ]
    values = extra.pop("values", {})
    forms = (
        [CreateForm("Register a customs broker", BROKER_FIELDS, values=values)]
        if viewer.can(P.BROKERS_MANAGE)
        else []
    )
    columns = ("Licence", "Firm", "Holder", "NIF", "Status")
    return admin_list(request, "Customs brokers", columns, rows, total, page, q, forms=forms, **extra)


@router.get(ADMIN + "/brokers")
def brokers(
    request: Request,
    session: UnitOfWork,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1),
    viewer: Viewer = Depends(page_requires(P.BROKERS_READ)),
) -> Response:
    return _brokers_page(request, session, viewer, q, page)


@router.post(ADMIN + "/brokers", dependencies=[Depends(csrf_protected)])
def register_broker(
    request: Request,
    licence_number: str = Form("", max_length=40),
    firm_name: str = Form("", max_length=200),
    holder_name: str = Form("", max_length=200),
    nif: str = Form("", max_length=20),
    licence_valid_from: str = Form("", max_length=10),
    licence_valid_to: str = Form("", max_length=10),
    viewer: Viewer = Depends(page_requires(P.BROKERS_MANAGE)),
) -> Response:
    values = {"licence_number": licence_number, "firm_name": firm_name, "holder_name": holder_name,
              "nif": nif, "licence_valid_from": licence_valid_from,
              "licence_valid_to": licence_valid_to}  # fmt: skip
    clock = get_context(request).clock
    starts = optional_date(licence_valid_from) or local_date(clock.now())
    outcome = attempt(
        request,
        lambda s: (
            service.register_broker(
                s,
                clock,
                licence_number=licence_number,
                firm_name=firm_name,
                holder_name=holder_name,
                nif=nif,
                licence_valid_from=starts,
                licence_valid_to=optional_date(licence_valid_to),
                by=viewer.actor,
            ).licence_number
        ),
    )
    if outcome.ok:
        return see_other(ADMIN + f"/brokers?q={quote(str(outcome.value))}", "created")
    assert outcome.error is not None
    with get_context(request).db.transaction() as session:
        return _brokers_page(
            request, session, viewer, "", 1, values=values, **_refusal(outcome.error, viewer)
        )


GRADES = (
    (Grade.INSPECTEUR_DIVISIONNAIRE.value, "Divisional inspector"),
    (Grade.INSPECTEUR_PRINCIPAL.value, "Principal inspector"),
    (Grade.INSPECTEUR.value, "Inspector"),
    (Grade.OFFICIER_DE_CONTROLE_PRINCIPAL.value, "Principal control officer"),
    (Grade.OFFICIER_DE_CONTROLE.value, "Control officer"),
    (Grade.AGENT_DE_CONSTATATION_PRINCIPAL.value, "Principal examining agent"),
    (Grade.AGENT_DE_CONSTATATION.value, "Examining agent"),
    (Grade.AGENT_DE_BRIGADE.value, "Brigade agent"),
)
OPERATOR_STATUSES = (
    ("active", "In activity"),
    ("suspended", "Activity suspended"),
    ("struck_off", "Struck off"),
)
BROKER_STATUSES = (
    ("approved", "Licence in force"),
    ("suspended", "Licence suspended"),
    ("withdrawn", "Licence withdrawn"),
)


def _label(choices: tuple[tuple[str, str], ...], code: str, language: str) -> str:
    """A code as the page names it (the code itself when the choices do not know it)."""
    return translate(dict(choices).get(code, code), language)


POSTING_ROLES = (
    ("inspector", "Inspector"),
    ("liquidation_inspector", "Liquidation inspector"),
    ("cashier", "Cashier"),
    ("risk_analyst", "Risk analyst"),
    ("office_chief", "Office chief"),
    ("auditor", "Auditor"),
)
OFFICER_FIELDS: tuple[Field, ...] = (
    ("service_number", "Service number", "text", ()),
    ("full_name", "Full name", "text", ()),
    ("grade", "Grade", "select", GRADES),
    ("on_duty", "On duty", "select", (("yes", "Yes"), ("no", "No"))),
)


def _posting_fields(session: Session, language: str) -> tuple[Field, ...]:
    offices, _total = service.list_offices(session, active=True, limit=500)
    choices = tuple((o.code, f"{o.code} · {office_name(o, language)}") for o in offices)
    return (
        ("service_number", "Service number", "text", ()),
        ("office_code", "Office", "select", choices),
        ("role", "Role at the office", "select", POSTING_ROLES),
        ("valid_from", "From", "date", ()),
        ("valid_to", "Until (optional)", "date", ()),
    )


def _postings_text(session: Session, officer_id: int, language: str) -> str:
    dates = Formats(language)
    return "; ".join(
        f"{p.office.code} {_label(POSTING_ROLES, p.role, language)} {dates.date(p.valid_from)} – "
        f"{dates.date(p.valid_to) if p.valid_to else '…'}"
        for p in service.officer_postings(session, officer_id)
    )


def _staff_page(
    request: Request, session: Session, viewer: Viewer, q: str, page: int, **extra: Any
) -> Response:
    found, total = service.list_officers(session, q=q or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    rows = [
        [
            o.service_number,
            o.full_name,
            _label(GRADES, o.grade, viewer.language),
            "✓" if o.on_duty else "",
            _postings_text(session, o.id, viewer.language),
        ]
        for o in found
    ]
    officer_values, posting_values = extra.pop("officer_values", {}), extra.pop("posting_values", {})
    forms = []
    if viewer.can(P.STAFF_MANAGE):
        forms = [
            CreateForm("Add an officer", OFFICER_FIELDS, values=officer_values),
            CreateForm(
                "Post an officer to an office",
                _posting_fields(session, viewer.language),
                action=ADMIN + "/staff/postings",
                values=posting_values,
                form_id="posting-form",
                button="Post the officer",
            ),
        ]
    columns = ("Service number", "Full name", "Grade", "On duty", "Postings")
    return admin_list(request, "Officers", columns, rows, total, page, q, forms=forms, **extra)


@router.get(ADMIN + "/staff")
def staff(
    request: Request,
    session: UnitOfWork,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1),
    viewer: Viewer = Depends(page_requires(P.STAFF_READ)),
) -> Response:
    return _staff_page(request, session, viewer, q, page)


@router.post(ADMIN + "/staff", dependencies=[Depends(csrf_protected)])
def create_officer(
    request: Request,
    service_number: str = Form("", max_length=20),
    full_name: str = Form("", max_length=200),
    grade: str = Form("", max_length=40),
    on_duty: str = Form("no", max_length=3),
    viewer: Viewer = Depends(page_requires(P.STAFF_MANAGE)),
) -> Response:
    values = {"service_number": service_number, "full_name": full_name, "grade": grade, "on_duty": on_duty}
    clock = get_context(request).clock
    outcome = attempt(
        request,
        lambda s: (
            service.create_officer(
                s,
                clock,
                service_number=service_number,
                full_name=full_name,
                grade=grade,
                on_duty=on_duty == "yes",
                by=viewer.actor,
            ).service_number
        ),
    )
    if outcome.ok:
        return see_other(ADMIN + f"/staff?q={quote(str(outcome.value))}", "created")
    assert outcome.error is not None
    with get_context(request).db.transaction() as session:
        return _staff_page(
            request, session, viewer, "", 1, officer_values=values, **_refusal(outcome.error, viewer)
        )


@router.post(ADMIN + "/staff/postings", dependencies=[Depends(csrf_protected)])
def post_officer(
    request: Request,
    service_number: str = Form("", max_length=20),
    office_code: str = Form("", max_length=10),
    role: str = Form("", max_length=30),
    valid_from: str = Form("", max_length=10),
    valid_to: str = Form("", max_length=10),
    viewer: Viewer = Depends(page_requires(P.STAFF_MANAGE)),
) -> Response:
    values = {"service_number": service_number, "office_code": office_code, "role": role,
              "valid_from": valid_from, "valid_to": valid_to}  # fmt: skip
    clock = get_context(request).clock
    starts = optional_date(valid_from) or local_date(clock.now())

    def post(session: Session) -> str:
        officer = service.get_officer_by_service_number(session, service_number)
        service.add_posting(
            session, clock, officer.id, office_code=office_code, role=role, valid_from=starts,
            valid_to=optional_date(valid_to), by=viewer.actor,
        )  # fmt: skip
        return officer.service_number

    outcome = attempt(request, post)
    if outcome.ok:
        return see_other(ADMIN + f"/staff?q={quote(str(outcome.value))}", "posted")
    assert outcome.error is not None
    with get_context(request).db.transaction() as session:
        return _staff_page(
            request, session, viewer, "", 1, posting_values=values, **_refusal(outcome.error, viewer)
        )
