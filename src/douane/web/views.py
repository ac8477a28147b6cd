"""The pages every user meets: login, logout, the language switch, `/` (to the role's home), plus the
page-side error handling and the static files. `install(app)` wires them and every context's page router.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from douane.i18n import LANGUAGES
from douane.identity import service as identity
from douane.kernel.errors import DouaneError
from douane.refusals import REFUSED_WRITES, refusal_of
from douane.web import problems
from douane.web.deps import client_ip, get_context
from douane.web.middleware import VisitorCookieMiddleware
from douane.web.navigation import home_of
from douane.web.session import (
    LANGUAGE_COOKIE,
    LoginRequired,
    PageForbidden,
    Viewer,
    clear_session_cookie,
    csrf_protected,
    domain_message,
    page_context,
    page_public,
    page_requires,
    set_session_cookie,
    wants_secure_cookie,
)
from douane.web.templating import PACKAGE_ROOT, render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: no scheme, no host, no `//evil` or `/\\evil`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    return target


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/", dependencies=[Depends(page_public("entry point: the login form or the user's home"))])
def index(request: Request) -> RedirectResponse:
    viewer = request.state.viewer
    return see_other(home_of(viewer) if viewer else "/login")


@router.get("/login")
def login_form(
    request: Request, next: str | None = None, viewer: Viewer | None = Depends(page_public("login form"))
) -> Response:
    if viewer is not None:
        return see_other(safe_next(next, home_of(viewer)))
    return render(request, "web/login.html", next=safe_next(next, ""), error=None, username="")


@router.post("/login", dependencies=[Depends(page_public("login")), Depends(csrf_protected)])
def login(
    request: Request,
    username: str = Form("", max_length=150),
    password: str = Form("", max_length=500),
    next: str = Form("", max_length=500),
) -> Response:
    ctx = get_context(request)
    session = ctx.db.sessions()
    try:
        token, _user = identity.login(
            session,
            ctx.clock,
            ctx.settings,
            ctx.passwords,
            username=username,
            password=password,
            client_ip=client_ip(request),
        )
        session.commit()
    except DouaneError as exc:
        session.commit()  # failed attempts and security events persist
        message = domain_message(exc, request.state.page_language)
        return render(
            request,
            "web/login.html",
            status_code=exc.status,
            next=safe_next(next, ""),
            error=message,
            username=username,
        )
    finally:
        session.close()
    response = see_other(safe_next(next, "/"))
    max_age = int((token.expires_at - ctx.clock.now()).total_seconds())
    set_session_cookie(request, response, token.token, max_age)
    return response


@router.post("/logout", dependencies=[Depends(csrf_protected)])
def logout(request: Request, viewer: Viewer = Depends(page_requires())) -> Response:
    ctx = get_context(request)
    with ctx.db.transaction() as session:
        identity.logout(session, ctx.clock, viewer.token, viewer.actor)
    response = see_other("/login")
    clear_session_cookie(response)
    return response


@router.post("/language", dependencies=[Depends(page_public("language switch")), Depends(csrf_protected)])
def switch_language(
    request: Request, language: str = Form(..., max_length=5), next: str = Form("/", max_length=500)
) -> Response:
    response = see_other(safe_next(next))
    if language not in LANGUAGES:
        return response
    viewer: Viewer | None = request.state.viewer
    if viewer is not None:
        ctx = get_context(request)
        with ctx.db.transaction() as session:
            identity.set_language(session, ctx.clock, viewer.actor.user_id, language, by=viewer.actor)
    response.set_cookie(
        LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax", secure=wants_secure_cookie(request)
    )
    return response


# --- errors on pages ----------------------------------------------------------------------------


def _is_page(request: Request) -> bool:
    return bool(getattr(request.state, "is_page", False))


def _ensure_page_state(request: Request) -> None:
    if not _is_page(request):
        page_context(request)


async def _on_login_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": f"/login?next={quote(target)}"})
    return render(request, "web/login.html", status_code=401, next=target, error=None, username="")


async def _on_page_forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageForbidden)
    _ensure_page_state(request)
    return render(request, "web/error.html", status_code=403, message_id=exc.message, message=None)


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DouaneError)
    if not _is_page(request):
        return await problems._on_domain_error(request, exc)
    message = domain_message(exc, request.state.page_language)
    return render(request, "web/error.html", status_code=exc.status, message=message, message_id=None)


def _wants_page(request: Request) -> bool:
    """A browser asking for a page or a part of one (htmx says so by its header, not by Accept), not for the
    API, static files or the API's documentation."""
    path = request.url.path
    if path.startswith(("/api/", "/static/", "/docs", "/redoc", "/openapi")):
        return False
    return request.headers.get("HX-Request") == "true" or "text/html" in (request.headers.get("accept") or "")


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not _wants_page(request):
        return await problems._on_http_error(request, exc)
    if exc.status_code == 405 and request.method == "GET" and (page := _page_of_action(request)):
        return see_other(page)  # an action's address, reached again after its form answered there
    _ensure_page_state(request)
    message_id = "This page does not exist" if exc.status_code == 404 else "This request is not allowed"
    return render(request, "web/error.html", status_code=exc.status_code, message_id=message_id, message=None)


def _page_of_action(request: Request) -> str | None:
    """The page an action's address belongs to: the nearest address above it that a page answers
    (/amounts-due/7/pay -> /amounts-due/7, /declarations/7/invalidation/approve -> /declarations/7). A form
    whose input is refused answers at its action's address; switching the language or reloading there asks
    for that address again, with GET."""
    path = request.url.path.rstrip("/")
    while path.count("/") > 1:
        path = path.rsplit("/", 1)[0]
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            return path
    return None


async def _on_invalid_request(request: Request, exc: Exception) -> Response:
    """A page address that cannot be read (/declarations/abc, ?page=0): no such page, or a bad request."""
    assert isinstance(exc, RequestValidationError)
    if not _wants_page(request):
        return await problems._on_validation_error(request, exc)
    _ensure_page_state(request)
    in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
    if in_path:
        return render(request, "web/error.html", status_code=404, message_id="This page does not exist",
                      message=None)  # fmt: skip
    return render(request, "web/error.html", status_code=422, message=None,
                  message_id="This address asks for something the page cannot show")  # fmt: skip


async def _on_refused_write(request: Request, exc: Exception) -> Response:
    """The database refused a value a page sent (a number beyond its column): said on a page, as the API
    says it in a problem."""
    refusal = refusal_of(exc)
    if refusal is None or not _wants_page(request):
        return await problems._on_refused_write(request, exc)
    _ensure_page_state(request)
    message = domain_message(refusal, request.state.page_language)
    return render(request, "web/error.html", status_code=refusal.status, message=message, message_id=None)


# --- wiring --------------------------------------------------------------------------------------


def page_routers() -> list[APIRouter]:
    from douane.declarations import views as declaration_views
    from douane.identity import views as identity_views
    from douane.payments import views as payment_views
    from douane.reference import views as reference_views
    from douane.registry import views as registry_views
    from douane.risk import views as risk_views
    from douane.risk.targeting import views as targeting_views

    return [
        router,
        identity_views.router,
        registry_views.router,
        reference_views.router,
        declaration_views.router,
        payment_views.router,
        targeting_views.router,
        risk_views.router,
    ]


def install(app: FastAPI) -> None:
    """Static files, the page routers, the visitor cookie and HTML error pages for page requests."""
    app.mount("/static", StaticFiles(directory=PACKAGE_ROOT / "web" / "static"), name="static")
    for page_router in page_routers():
        app.include_router(page_router)
    app.add_exception_handler(LoginRequired, _on_login_required)
    app.add_exception_handler(PageForbidden, _on_page_forbidden)
    app.add_exception_handler(DouaneError, _on_domain_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    for refused in REFUSED_WRITES:
        app.add_exception_handler(refused, _on_refused_write)

    app.add_middleware(VisitorCookieMiddleware)
