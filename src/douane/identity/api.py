"""Authentication, users, API keys and the audit log over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import AwareDatetime
from sqlalchemy import func, or_, select

from douane.audit import service as audit
from douane.db import fetch_page
from douane.identity import service
from douane.identity.guards import authenticate, public, requires
from douane.identity.model import Actor, Permission, Role
from douane.identity.schemas import (
    ActiveIn,
    ApiKeyIn,
    ApiKeyOut,
    AuditEventOut,
    MeOut,
    PasswordIn,
    RolesIn,
    TokenOut,
    UserIn,
    UserOut,
)
from douane.identity.tables import UserRoleRow, UserRow
from douane.kernel.errors import DouaneError, Forbidden
from douane.web.deps import UnitOfWork, client_ip, get_context
from douane.web.pagination import Page, PageRequest, page_request

router = APIRouter(prefix="/api/v1", tags=["identity"])
DbId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]


def user_out(user: UserRow) -> UserOut:
    return UserOut(
        id=user.id, username=user.username, full_name=user.full_name, email=user.email,
        language=user.language, roles=sorted(Role(r.role) for r in user.roles), is_active=user.is_active,
        is_system=user.is_system, operator_id=user.operator_id, broker_id=user.broker_id,
        officer_id=user.officer_id, locked_until=user.locked_until, last_login_at=user.last_login_at,
    )  # fmt: skip


@router.post("/auth/token", response_model=TokenOut, dependencies=[Depends(public("login"))], tags=["auth"])
def issue_token(request: Request, form: OAuth2PasswordRequestForm = Depends()) -> TokenOut:
    """OAuth2 password flow: exchange a user name and password for an expiring bearer token."""
    ctx = get_context(request)
    session = ctx.db.sessions()
    try:
        token, _user = service.login(
            session, ctx.clock, ctx.settings, ctx.passwords,
            username=form.username, password=form.password, client_ip=client_ip(request),
        )  # fmt: skip
        session.commit()
    except DouaneError:
        session.commit()  # failed attempts and security events must persist
        raise
    finally:
        session.close()
    expires_in = int((token.expires_at - ctx.clock.now()).total_seconds())
    return TokenOut(access_token=token.token, expires_in=expires_in, expires_at=token.expires_at)


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(session: UnitOfWork, request: Request, actor: Actor = Depends(authenticate)) -> None:
    token = getattr(request.state, "token", None)
    if token:
        service.logout(session, get_context(request).clock, token, actor)


@router.get("/auth/me", response_model=MeOut, tags=["auth"])
def me(session: UnitOfWork, actor: Actor = Depends(authenticate)) -> MeOut:
    user = service.get_user(session, actor.user_id)
    return MeOut(**user_out(user).model_dump(), permissions=sorted(actor.permissions))


@router.get("/users", response_model=Page[UserOut])
def list_users(
    session: UnitOfWork,
    q: str | None = Query(None, max_length=100, description="Search user name or full name"),
    role: Role | None = None,
    active: bool | None = None,
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(requires(Permission.USERS_MANAGE)),
) -> Page[UserOut]:
    query = select(UserRow)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(UserRow.username.like(like), func.lower(UserRow.full_name).like(like)))
    if role:
        query = query.where(UserRow.id.in_(select(UserRoleRow.user_id).where(UserRoleRow.role == role.value)))
    if active is not None:
        query = query.where(UserRow.is_active == active)
    rows, total = fetch_page(session, query, UserRow.username, paging.offset, paging.page_size)
    return paging.page_of([user_out(u) for u in rows], total)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(
    session: UnitOfWork,
    request: Request,
    body: UserIn,
    actor: Actor = Depends(requires(Permission.USERS_MANAGE)),
) -> UserOut:
    ctx = get_context(request)
    user = service.create_user(session, ctx.clock, ctx.passwords, by=actor, **body.model_dump())
    return user_out(user)


@router.get("/users/{user_id}", response_model=UserOut)
def read_user(
    session: UnitOfWork,
    user_id: DbId,
    actor: Actor = Depends(authenticate),
) -> UserOut:
    if user_id != actor.user_id and not actor.can(Permission.USERS_MANAGE):
        raise Forbidden("auth.forbidden", "You do not have the permission {permission}",
                        permission=Permission.USERS_MANAGE.value)  # fmt: skip
    return user_out(service.get_user(session, user_id))


@router.put("/users/{user_id}/roles", response_model=UserOut)
def change_roles(
    session: UnitOfWork,
    request: Request,
    user_id: DbId,
    body: RolesIn,
    actor: Actor = Depends(requires(Permission.USERS_MANAGE)),
) -> UserOut:
    return user_out(
        service.set_roles(session, get_context(request).clock, user_id, set(body.roles), by=actor)
    )


@router.put("/users/{user_id}/active", response_model=UserOut)
def change_active(
    session: UnitOfWork,
    request: Request,
    user_id: DbId,
    body: ActiveIn,
    actor: Actor = Depends(requires(Permission.USERS_MANAGE)),
) -> UserOut:
    return user_out(service.set_active(session, get_context(request).clock, user_id, body.active, by=actor))


@router.post("/users/{user_id}/unlock", response_model=UserOut)
def unlock_user(
    session: UnitOfWork,
    request: Request,
    user_id: DbId,
    actor: Actor = Depends(requires(Permission.USERS_MANAGE)),
) -> UserOut:
    return user_out(service.unlock(session, get_context(request).clock, user_id, by=actor))


@router.put("/users/{user_id}/password", status_code=204)
def change_password(
    session: UnitOfWork,
    request: Request,
    user_id: DbId,
    body: PasswordIn,
    actor: Actor = Depends(authenticate),
) -> None:
    if user_id != actor.user_id and not actor.can(Permission.USERS_MANAGE):
        raise Forbidden("auth.forbidden", "You do not have the permission {permission}",
                        permission=Permission.USERS_MANAGE.value)  # fmt: skip
    ctx = get_context(request)
    service.change_password(session, ctx.clock, ctx.passwords, user_id, body.new_password, by=actor)


@router.post("/users/{user_id}/api-keys", response_model=ApiKeyOut, status_code=201)
def create_api_key(
    session: UnitOfWork,
    request: Request,
    user_id: DbId,
    body: ApiKeyIn,
    actor: Actor = Depends(requires(Permission.API_KEYS_MANAGE)),
) -> ApiKeyOut:
    issued = service.create_api_key(
        session,
        get_context(request).clock,
        user_id=user_id,
        name=body.name,
        by=actor,
        expires_at=body.expires_at,
    )
    return ApiKeyOut(id=issued.id, prefix=issued.prefix, key=issued.key)


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(
    session: UnitOfWork,
    request: Request,
    key_id: DbId,
    actor: Actor = Depends(requires(Permission.API_KEYS_MANAGE)),
) -> None:
    service.revoke_api_key(session, get_context(request).clock, key_id, by=actor)


@router.get("/audit/events", response_model=Page[AuditEventOut], tags=["audit"])
def audit_events(
    session: UnitOfWork,
    category: str | None = Query(None, max_length=32),
    action: str | None = Query(None, max_length=64),
    entity_type: str | None = Query(None, max_length=64),
    entity_id: str | None = Query(None, max_length=64),
    since: AwareDatetime | None = None,
    paging: PageRequest = Depends(page_request),
    _actor: Actor = Depends(requires(Permission.AUDIT_READ)),
) -> Page[AuditEventOut]:
    rows, total = audit.list_events(
        session, category=category, action=action, entity_type=entity_type, entity_id=entity_id,
        since=since, offset=paging.offset, limit=paging.page_size,
    )  # fmt: skip
    return paging.page_of([AuditEventOut.model_validate(r) for r in rows], total)
