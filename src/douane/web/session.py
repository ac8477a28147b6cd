"""Browser sessions for the pages: the session cookie, the signed-in viewer, page guards and CSRF.

The session cookie carries identity's login token (the same opaque token as the API's bearer token, so
expiry, logout and deactivation work alike). Every POST form and HTMX request carries a CSRF token: an
HMAC, under the app's secret key (the one that signs verification links), of the session token (or, before
login, of a random per-browser value in its own cookie), so another site can neither read nor forge it, and
any web worker sharing the key can check it without shared state.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from douane.i18n import LANGUAGES, negotiate
from douane.identity import service as identity
from douane.identity.model import Actor, Permission, Role
from douane.kernel.clock import local_date
from douane.kernel.errors import DouaneError, Unauthorized
from douane.printing import tokens
from douane.registry import service as registry
from douane.web.deps import client_ip, get_context
from douane.web.formats import readable_params
from douane.web.problems import domain_text

SESSION_COOKIE = "douane_session"
VISITOR_COOKIE = "douane_visitor"  # keys the CSRF token of forms shown before login
LANGUAGE_COOKIE = "douane_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
ROLE_ORDER = (
    Role.ADMIN,
    Role.OFFICE_CHIEF,
    Role.INSPECTOR,
    Role.LIQUIDATION_INSPECTOR,
    Role.CASHIER,
    Role.RISK_ANALYST,
    Role.AUDITOR,
    Role.BROKER,
    Role.TRADER,
)
ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.OFFICE_CHIEF: "Office chief",
    Role.INSPECTOR: "Inspector",
    Role.LIQUIDATION_INSPECTOR: "Liquidation inspector",
    Role.CASHIER: "Cashier",
    Role.RISK_ANALYST: "Risk analyst",
    Role.AUDITOR: "Auditor",
    Role.BROKER: "Customs broker",
    Role.TRADER: "Trader",
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the pages show them: name, main role, office or firm, language."""

    actor: Actor
    token: str
    full_name: str
    language: str
    role: Role
    office_code: str | None = None
    office_name: str | None = None
    organisation: str | None = None

    def can(self, *permissions: Permission) -> bool:
        return any(self.actor.can(p) for p in permissions)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role.value)


class LoginRequired(Exception):
    """A protected page was asked for without a valid session: show the login form."""


class PageForbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def csrf_token_for(seed: str, key: bytes) -> str:
    """The form token of one session (or visitor): an HMAC under the app's secret key, so knowing a session
    token alone is not enough to make it, and every worker sharing the key computes the same one."""
    return hmac.new(key, b"douane-csrf-v2\x00" + seed.encode(), hashlib.sha256).hexdigest()


def main_role(roles: frozenset[Role]) -> Role:
    return next((r for r in ROLE_ORDER if r in roles), next(iter(sorted(roles))))


def _office_of(session: Session, actor: Actor, language: str, today: Any) -> tuple[str | None, str | None]:
    if actor.officer_id is None:
        return None, None
    postings = [
        p
        for p in registry.officer_postings(session, actor.officer_id)
        if p.valid_from <= today and (p.valid_to is None or p.valid_to >= today)
    ]
    if not postings:
        return None, None
    office = postings[-1].office
    return office.code, office_name(office, language)


def office_name(office: Any, language: str) -> str:
    return str(getattr(office, f"name_{language}", None) or office.name_fr)


def _organisation(session: Session, actor: Actor) -> str | None:
    if actor.broker_id is not None:
        return registry.get_broker(session, actor.broker_id).firm_name
    if actor.operator_id is not None:
        return registry.get_operator(session, actor.operator_id).legal_name_fr
    return None


def _load_viewer(request: Request, token: str) -> Viewer | None:
    ctx = get_context(request)
    with ctx.db.transaction() as session:
        try:
            actor = identity.actor_for_token(session, ctx.clock, token, client_ip(request))
        except Unauthorized:
            return None
        user = identity.get_user(session, actor.user_id)
        language = user.language if user.language in LANGUAGES else negotiate(None)
        office_code, office = _office_of(session, actor, language, local_date(ctx.clock.now()))
        return Viewer(
            actor=actor,
            token=token,
            full_name=user.full_name,
            language=language,
            role=main_role(actor.roles),
            office_code=office_code,
            office_name=office,
            organisation=_organisation(session, actor),
        )


def visitor_language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return negotiate(request.headers.get("accept-language"), chosen)


def page_context(request: Request) -> Viewer | None:
    """Resolve the viewer (or none), the page language and the CSRF token once per request."""
    token = request.cookies.get(SESSION_COOKIE)
    viewer = _load_viewer(request, token) if token else None
    request.state.viewer = viewer
    request.state.is_page = True
    request.state.page_language = viewer.language if viewer else visitor_language(request)
    request.state.language = request.state.page_language
    seed = viewer.token if viewer else getattr(request.state, "visitor_seed", "")
    key = tokens.signing_key(get_context(request).settings)
    request.state.csrf_token = csrf_token_for(seed, key) if seed else ""
    return viewer


def page_requires(*permissions: Permission) -> Callable[..., Viewer]:
    """A page dependency: the signed-in viewer holding at least one of `permissions` (none: any user)."""

    def guard(viewer: Viewer | None = Depends(page_context)) -> Viewer:
        if viewer is None:
            raise LoginRequired()
        if permissions and not viewer.can(*permissions):
            raise PageForbidden("You do not have access to this page")
        return viewer

    guard.douane_permissions = permissions  # type: ignore[attr-defined]
    return guard


def page_public(reason: str) -> Callable[..., Viewer | None]:
    """A page open without login (the login form itself); still resolves the viewer if there is one."""

    def visitor(viewer: Viewer | None = Depends(page_context)) -> Viewer | None:
        return viewer

    visitor.douane_public = reason  # type: ignore[attr-defined]
    return visitor


FORM_FIELDS_AT_MOST = 20_000
"""The fields a page's form may post (Starlette's default of 1,000 held a declaration of about 120 items;
the declaration form asks for what 999 items need, `declarations.views.MAX_FORM_FIELDS`)."""


async def csrf_protected(request: Request, _viewer: Viewer | None = Depends(page_context)) -> None:
    """Refuse a POST whose CSRF token (form field or HTMX header) is missing or wrong."""
    expected = getattr(request.state, "csrf_token", "")
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form(max_fields=FORM_FIELDS_AT_MOST)  # read once: the page's handler gets it
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise PageForbidden("This form has expired; reload the page and try again")


def wants_secure_cookie(request: Request) -> bool:
    return request.url.scheme == "https" or get_context(request).settings.secure_cookies


def set_session_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=wants_secure_cookie(request),
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def ensure_visitor_seed(request: Request) -> str | None:
    """The per-browser random value for pre-login CSRF tokens; returns a new one to set, if needed."""
    seed = request.cookies.get(VISITOR_COOKIE)
    if seed and 20 <= len(seed) <= 100:
        request.state.visitor_seed = seed
        return None
    seed = secrets.token_urlsafe(32)
    request.state.visitor_seed = seed
    return seed


def domain_message(exc: DouaneError, language: str) -> str:
    """A domain error as a page says it: translated, its amounts and dates written for the reader."""
    return domain_text(exc, language, params=readable_params(exc.params, language))
