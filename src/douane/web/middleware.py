"""Plain ASGI middlewares: they wrap `send` instead of buffering the response the way Starlette's
BaseHTTPMiddleware (`@app.middleware("http")`) does, which cost every API request a task and a stream."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from douane.i18n import negotiate
from douane.web.session import VISITOR_COOKIE, ensure_visitor_seed, wants_secure_cookie

UNTOUCHED_BY_VISITOR_COOKIE = ("/api/", "/static/")


class LanguageMiddleware:
    """The language of the answer from Accept-Language, in `request.state.language` for the handlers; the
    response says the language it ended in (a page may switch it) in Content-Language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["language"] = negotiate(_header(scope, b"accept-language"))

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("Content-Language", state["language"])
            await send(message)

        await self.app(scope, receive, send_with_language)


class VisitorCookieMiddleware:
    """Pages (not the API, not static files) get the visitor seed their pre-login CSRF tokens are keyed by,
    and the headers that keep them out of other sites' frames."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNTOUCHED_BY_VISITOR_COOKIE):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        new_seed = ensure_visitor_seed(request)
        cookie = _visitor_cookie(new_seed, request) if new_seed else None

        async def send_with_page_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if cookie:
                    headers.append("set-cookie", cookie)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_page_headers)


def _visitor_cookie(seed: str, request: Request) -> str:
    carrier = Response()
    carrier.set_cookie(
        VISITOR_COOKIE, seed, httponly=True, samesite="lax", secure=wants_secure_cookie(request)
    )
    return carrier.headers["set-cookie"]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
