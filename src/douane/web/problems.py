"""RFC 9457 problem+json for every error, with a stable `code` and a translated `detail`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg import InterfaceError as DriverInterfaceError
from psycopg import OperationalError as DriverOperationalError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from douane.i18n import negotiate, translate
from douane.kernel.errors import DouaneError, ImportRejected, TooManyRequests
from douane.refusals import REFUSED_WRITES, refusal_of

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("douane.web")


def request_language(request: Request) -> str:
    return getattr(request.state, "language", None) or negotiate(request.headers.get("accept-language"))


def problem(request: Request, status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.url.path,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


# Parameters holding a name the user typed (a rule's field or function): shown as typed even when the name
# happens to be a catalog word too (the rule field `operator`).
VERBATIM_PARAMS = frozenset({"name"})


def domain_text(exc: DouaneError, language: str, *, params: Mapping[str, Any] | None = None) -> str:
    """A domain error's message in `language` (with `params` instead of its own, when given). A parameter
    that is itself a catalog word (a type such as "number", what a parser expected such as "the end of the
    rule") is translated too; identifiers, codes and numbers are not msgids, so they stay as they are."""
    params = {
        key: translate(value, language) if isinstance(value, str) and key not in VERBATIM_PARAMS else value
        for key, value in (exc.params if params is None else params).items()
    }
    return translate(exc.message, language, **params)


Wording = Callable[[DouaneError, str], DouaneError]
"""Rewrites a domain error's parameters in words for people in a language (codes to names)."""
_WORDINGS: dict[str, Wording] = {}


def word_with(code: str, wording: Wording) -> None:
    """Write the title and detail of the errors of `code` with `wording`, which names for people what their
    parameters name by code; the problem's `params` keep the codes, for programs."""
    _WORDINGS[code] = wording


def _worded(exc: DouaneError, language: str) -> str:
    wording = _WORDINGS.get(exc.code)
    return domain_text(exc if wording is None else wording(exc, language), language)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DouaneError)
    language = request_language(request)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, ImportRejected):
        extra["errors"] = [{"line": e.line, "field": e.field, "reason": e.reason} for e in exc.errors[:1000]]
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if exc.params:
        extra["params"] = {k: v for k, v in exc.params.items() if isinstance(v, str | int | float | bool)}
    response = problem(request, exc.status, exc.code, _worded(exc, "en"), _worded(exc, language), **extra)
    response.headers.update(headers)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


CALLER_TO_CHECK = "caller_to_check"
"""`request.state` attribute of a route that checks its caller only on the worker thread doing its work
(`identity.guards.requires_on_worker`): what checks the caller, raising Unauthorized or Forbidden."""


async def _refusal_of_unchecked_caller(request: Request) -> JSONResponse | None:
    """The caller's refusal, for a request found invalid before its route checked its caller: a refused
    caller hears 401 or 403, as on every other route, before anything about the request itself."""
    check = getattr(request.state, CALLER_TO_CHECK, None)
    if check is None:
        return None
    try:
        await run_in_threadpool(check)
    except DouaneError as refused:
        return await _on_domain_error(request, refused)
    except DATABASE_UNREACHABLE as broken:
        return await _on_database_unreachable(request, broken)
    return None


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    refused = await _refusal_of_unchecked_caller(request)
    if refused is not None:
        return refused
    language = request_language(request)
    errors = [
        {"path": _field_path(err.get("loc", ())), "message": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    message = "The request is not valid: see errors"
    return problem(request, 422, "request.invalid", message, translate(message, language), errors=errors)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    language = request_language(request)
    message = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, str(exc.detail))
    response = problem(
        request, exc.status_code, f"http.{exc.status_code}", message, translate(message, language)
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _on_refused_write(request: Request, exc: Exception) -> JSONResponse:
    """The database refused a value or a row: a broken constraint the service did not foresee (a concurrent
    insert), a NUL character, a number beyond its column; or a date or number beyond what Python or the
    driver represents (9999-12-31 at UTC-12, 2**70)."""
    refusal = refusal_of(exc)
    if refusal is None:
        return await _on_unexpected_error(request, exc)
    log.info("%s on %s %s: %s", refusal.code, request.method, request.url.path, exc)
    language = request_language(request)
    return problem(
        request, refusal.status, refusal.code, refusal.message, translate(refusal.message, language)
    )


async def _on_database_unreachable(request: Request, exc: Exception) -> JSONResponse:
    """The connection to the database broke (a restart, a network cut) or a statement was cancelled: the
    pool renews its connections, so the same request sent again a moment later goes through."""
    log.warning("database unreachable on %s %s: %s", request.method, request.url.path, exc)
    message = "The database cannot be reached at the moment; try again in a few seconds"
    response = problem(
        request, 503, "service.database_unavailable", message, translate(message, request_language(request))
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


DATABASE_RETRY_AFTER_SECONDS = 2
DATABASE_UNREACHABLE = (OperationalError, InterfaceError, DriverOperationalError, DriverInterfaceError)


async def _on_stale_data(request: Request, exc: Exception) -> JSONResponse:
    message = "Someone else changed this record meanwhile; reload it and try again"
    return problem(request, 409, "conflict.stale", message, translate(message, request_language(request)))


async def _on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    language = request_language(request)
    message = "An unexpected error occurred; it has been logged"
    return problem(request, 500, "internal.error", message, translate(message, language))


def install(app: FastAPI) -> None:
    app.add_exception_handler(DouaneError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(StaleDataError, _on_stale_data)
    # rows written through the driver itself (douane.db.insert_rows, COPY) fail with its own errors
    for refused in REFUSED_WRITES:
        app.add_exception_handler(refused, _on_refused_write)
    for unreachable in DATABASE_UNREACHABLE:
        app.add_exception_handler(unreachable, _on_database_unreachable)
    app.add_exception_handler(Exception, _on_unexpected_error)
