"""The public verification page `/verify/{token}`: anyone holding a printed document (a port operator, a bank,
a police officer at a checkpoint) scans its QR code and sees whether customs issued it, with its key fields.

No login. HTML in the language of the browser (Arabic right to left), or JSON with `Accept: application/json`.
A forged, altered or unknown token answers 404 `printing.unknown_document`.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from string import Template
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse

from douane.declarations import printouts as declaration_printouts
from douane.i18n import is_rtl, translate
from douane.identity.guards import public
from douane.payments import printouts as payment_printouts
from douane.printing import tokens
from douane.printing.document import ISSUER
from douane.printing.tokens import DocumentKind
from douane.printing.verification import KIND_LABELS, VALIDITY_LABELS, Verified, Verifier
from douane.web.deps import UnitOfWork, get_context
from douane.web.problems import problem, request_language

router = APIRouter(tags=["verification"])
VERIFIERS: dict[DocumentKind, Verifier] = {**declaration_printouts.VERIFIERS, **payment_printouts.VERIFIERS}
UNKNOWN = "printing.unknown_document"
UNKNOWN_MESSAGE = "No document of the customs matches this verification link"
TEMPLATE = Path(__file__).parent / "templates" / "verify.html"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}
Token = Annotated[str, PathParam(description="The token the document's QR code carries")]


@router.get(
    "/verify/{token}",
    response_class=HTMLResponse,
    dependencies=[Depends(public("anyone holding a printed document checks that customs issued it"))],
    responses={
        200: {"content": {"application/json": {}}, "description": "The document's key fields"},
        404: {"description": f"Problem `{UNKNOWN}`: forged, altered or unknown token"},
    },
)
def verify_document(session: UnitOfWork, request: Request, token: Token) -> Response:
    language = request_language(request)
    reference = tokens.read(token, tokens.signing_key(get_context(request).settings))
    found = VERIFIERS[reference.kind](session, reference, language) if reference else None
    as_json = _wants_json(request)
    if found is None:
        return _unknown(request, language, as_json)
    if as_json:
        return JSONResponse(found.to_json(language), headers=HEADERS)
    return HTMLResponse(_page(found, language), headers=HEADERS)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    return "json" in accept and "text/html" not in accept


def _unknown(request: Request, language: str, as_json: bool) -> Response:
    detail = translate(UNKNOWN_MESSAGE, language)
    if as_json:
        response: Response = problem(request, 404, UNKNOWN, UNKNOWN_MESSAGE, detail)
    else:
        body = _render(language, heading=translate("Document check", language), verdict=detail,
                       valid=False, fields=f'<p class="code">{html.escape(UNKNOWN)}</p>')  # fmt: skip
        response = HTMLResponse(body, status_code=404)
    response.headers.update(HEADERS)
    return response


def _page(found: Verified, language: str) -> str:
    rows = "".join(
        f"<dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd>"
        for label, value in found.shown_fields(language)
    )
    return _render(
        language, heading=translate(KIND_LABELS[found.kind], language),
        verdict=translate(VALIDITY_LABELS[found.validity], language), valid=found.valid,
        fields=f"<dl>{rows}</dl>",
    )  # fmt: skip


def _render(language: str, *, heading: str, verdict: str, valid: bool, fields: str) -> str:
    """`fields` is already escaped HTML; every other value is escaped here."""
    values: dict[str, Any] = {
        "lang": language,
        "dir": "rtl" if is_rtl(language) else "ltr",
        "page_title": html.escape(f"{heading} · {translate('Document check', language)}"),
        "issuer": html.escape(" · ".join(translate(line, language) for line in ISSUER)),
        "heading": html.escape(heading),
        "verdict_class": "valid" if valid else "invalid",
        "verdict": html.escape(verdict),
        "fields": fields,
    }
    return _template().substitute(values)


@cache
def _template() -> Template:
    return Template(TEMPLATE.read_text(encoding="utf-8"))
