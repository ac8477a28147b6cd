"""Administration pages of identity: the administrator's home and the users (list and creation)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from douane.i18n import LANGUAGE_NAMES, translate
from douane.identity import service
from douane.identity.model import Permission, Role
from douane.kernel.numbers import whole_number
from douane.web.deps import UnitOfWork, get_context
from douane.web.pages import PAGE_SIZE, admin_list, attempt, see_other
from douane.web.session import ROLE_LABELS, Viewer, csrf_protected, domain_message, page_requires
from douane.web.templating import render

router = APIRouter(include_in_schema=False)
USERS = page_requires(Permission.USERS_MANAGE)
ROLE_WORDS = {role.value: label for role, label in ROLE_LABELS.items()}
PERSON_ROLES = [r for r in ROLE_LABELS if r not in (Role.BROKER, Role.TRADER)] + [Role.BROKER, Role.TRADER]
USER_FIELDS = (
    ("username", "User name", "text", ()),
    ("full_name", "Full name", "text", ()),
    ("password", "Initial password", "password", ()),
    ("role", "Role", "select", tuple((r.value, ROLE_LABELS[r]) for r in PERSON_ROLES)),
    ("language", "Language", "select", (("fr", "French"), ("ar", "Arabic"), ("en", "English"))),
    ("officer_id", "Officer id (officers)", "text", ()),
    ("broker_id", "Broker firm id (brokers)", "text", ()),
    ("operator_id", "Operator id (traders)", "text", ()),
)


@router.get("/admin")
def admin_home(request: Request, viewer: Viewer = Depends(USERS)) -> Response:
    return render(request, "identity/admin.html")


def _users_page(
    request: Request, session: UnitOfWork, language: str, q: str, page: int, **extra: object
) -> Response:
    found, total = service.search_users(session, q or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    rows = [
        [
            u.username,
            u.full_name,
            ", ".join(sorted(translate(ROLE_WORDS.get(r.role, r.role), language) for r in u.roles)),
            LANGUAGE_NAMES.get(u.language, u.language),
            "✓" if u.is_active else "",
        ]
        for u in found
    ]
    columns = ("User name", "Full name", "Roles", "Language", "Active")
    return admin_list(
        request,
        "Users",
        columns,
        rows,
        total,
        page,
        q,
        create_fields=USER_FIELDS,
        create_title="Create a user",
        **extra,
    )


@router.get("/admin/users")
def users(
    request: Request,
    session: UnitOfWork,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1),
    viewer: Viewer = Depends(USERS),
) -> Response:
    return _users_page(request, session, viewer.language, q, page)


def _link(text: str) -> int | None:
    return whole_number(text)


@router.post("/admin/users", dependencies=[Depends(csrf_protected)])
def create_user(
    request: Request,
    username: str = Form("", max_length=150),
    full_name: str = Form("", max_length=200),
    password: str = Form("", max_length=200),
    role: str = Form("", max_length=32),
    language: str = Form("fr", max_length=5),
    officer_id: str = Form("", max_length=19),
    broker_id: str = Form("", max_length=19),
    operator_id: str = Form("", max_length=19),
    viewer: Viewer = Depends(USERS),
) -> Response:
    ctx = get_context(request)
    roles = {Role(role)} if role in {r.value for r in Role} else set()
    outcome = attempt(
        request,
        lambda s: (
            service.create_user(
                s,
                ctx.clock,
                ctx.passwords,
                username=username,
                full_name=full_name or username,
                password=password or None,
                roles=roles,
                language=language,
                officer_id=_link(officer_id),
                broker_id=_link(broker_id),
                operator_id=_link(operator_id),
                by=viewer.actor,
            ).id
        ),
    )
    if outcome.ok:
        return see_other(f"/admin/users?q={username}", "created")
    assert outcome.error is not None
    values = {
        "username": username,
        "full_name": full_name,
        "role": role,
        "language": language,
        "officer_id": officer_id,
        "broker_id": broker_id,
        "operator_id": operator_id,
    }
    with ctx.db.transaction() as session:
        return _users_page(
            request,
            session,
            viewer.language,
            "",
            1,
            values=values,
            status_code=outcome.error.status,
            error=domain_message(outcome.error, viewer.language),
        )
