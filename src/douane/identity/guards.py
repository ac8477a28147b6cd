"""`requires(permission)`: the FastAPI dependency every protected endpoint declares.

It authenticates the caller (bearer token or `X-API-Key`), then checks the permission.
A test walks every route and fails if an endpoint declares neither this nor `public`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.identity import service
from douane.identity.model import Actor, Permission
from douane.kernel.errors import Forbidden, Unauthorized
from douane.web.deps import client_ip, get_context
from douane.web.problems import CALLER_TO_CHECK

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 (a path, not a secret)
bearer_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


def authenticate(
    request: Request,
    token: str | None = Depends(bearer_scheme),
    api_key: str | None = Depends(api_key_scheme),
) -> Actor:
    ctx = get_context(request)
    ip = client_ip(request)
    bearer_only = bool(token) and not api_key
    actor = _actor_of_token(ctx, str(token), ip) if bearer_only else _actor_of_key(ctx, api_key, ip)
    request.state.actor = actor
    request.state.token = token
    return actor


def _actor_of_token(ctx: Context, token: str, ip: str | None) -> Actor:
    """One read, outside any transaction: a token check writes nothing."""
    with ctx.db.read_sessions() as session:
        return service.actor_for_token(session, ctx.clock, token, ip)


def _actor_of_key(ctx: Context, api_key: str | None, ip: str | None) -> Actor:
    if not api_key:
        raise Unauthorized("auth.required", "Authentication required")
    session = ctx.db.sessions()
    try:
        actor = service.actor_for_api_key(session, ctx.clock, api_key, ip)
        session.commit()
    except Unauthorized:
        session.commit()  # keep the security event of a refused key
        raise
    finally:
        session.close()
    return actor


def requires(*permissions: Permission) -> Callable[..., Awaitable[Actor]]:
    """A dependency that returns the Actor if it holds every permission listed. The check runs on the
    event loop (no database, no thread to wait for); only `authenticate` needs a worker thread."""

    async def guard(actor: Actor = Depends(authenticate)) -> Actor:
        return _holding_all(actor, permissions)

    guard.douane_permissions = permissions  # type: ignore[attr-defined]
    return guard


def _holding_all(actor: Actor, permissions: tuple[Permission, ...]) -> Actor:
    missing = [p for p in permissions if not actor.can(p)]
    if missing:
        raise Forbidden(
            "auth.forbidden", "You do not have the permission {permission}", permission=missing[0].value
        )
    return actor


@dataclass(frozen=True)
class Credentials:
    """What a request presents (a bearer token or an API key) and the permissions its route requires,
    not yet checked: `actor()` checks them, on the worker thread that does the route's work."""

    request: Request
    token: str | None
    api_key: str | None
    permissions: tuple[Permission, ...]

    def actor(self) -> Actor:
        """The caller, if the credentials hold and grant every permission (else Unauthorized/Forbidden);
        reads the database, so call it off the event loop."""
        return _holding_all(authenticate(self.request, self.token, self.api_key), self.permissions)

    def actor_in(self, session: Session) -> Actor:
        """`actor`, a bearer token read in the caller's unit of work (no connection of its own: a lodging
        saves a pool checkout). An API key keeps its own transaction, which records a refused key even
        though the unit of work is then rolled back."""
        if not self.token or self.api_key:
            return self.actor()
        ctx = get_context(self.request)
        actor = service.actor_for_token(session, ctx.clock, self.token, client_ip(self.request))
        self.request.state.actor, self.request.state.token = actor, self.token
        return _holding_all(actor, self.permissions)


def requires_on_worker(*permissions: Permission) -> Callable[..., Awaitable[Credentials]]:
    """`requires` for a route that hands its whole work to one worker thread (lodging): the caller's
    credentials are checked first thing on that thread (`Credentials.actor`) instead of on a thread of
    their own, which saves a thread hop per request. A request presenting no credentials at all is
    still refused here, before its body is validated; one whose path, body or headers are not valid has
    its credentials checked before that is answered (`web.problems.CALLER_TO_CHECK`), so that a refused
    caller hears 401 or 403, as on every other route, and a refused API key is audited."""

    async def guard(
        request: Request,
        token: str | None = Depends(bearer_scheme),
        api_key: str | None = Depends(api_key_scheme),
    ) -> Credentials:
        if not token and not api_key:
            raise Unauthorized("auth.required", "Authentication required")
        credentials = Credentials(request, token, api_key, permissions)
        setattr(request.state, CALLER_TO_CHECK, credentials.actor)
        return credentials

    guard.douane_permissions = permissions  # type: ignore[attr-defined]
    return guard


def requires_any(*permissions: Permission) -> Callable[..., Awaitable[Actor]]:
    """A dependency that returns the Actor if it holds at least one of the permissions listed."""

    async def guard(actor: Actor = Depends(authenticate)) -> Actor:
        if not any(actor.can(p) for p in permissions):
            raise Forbidden(
                "auth.forbidden",
                "You do not have the permission {permission}",
                permission=permissions[0].value,
            )
        return actor

    guard.douane_permissions = permissions  # type: ignore[attr-defined]
    return guard


def public(reason: str) -> Callable[..., Awaitable[None]]:
    """Marks an endpoint as deliberately open (health, login, public verification)."""

    async def marker() -> None:
        return None

    marker.douane_public = reason  # type: ignore[attr-defined]
    return marker


def declared_access(dependant: Any) -> list[Any]:
    """Every `requires`/`public` marker found in a route's dependency tree."""
    found = []
    for dep in dependant.dependencies:
        call = dep.call
        if hasattr(call, "douane_permissions") or hasattr(call, "douane_public"):
            found.append(call)
        found.extend(declared_access(dep))
    return found
