"""What every PDF endpoint shares: the `?lang=` parameter, the verification link, the PDF response."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Request, Response
from sqlalchemy.orm import Session

from douane.i18n import DEFAULT_LANGUAGE, LANGUAGES
from douane.identity import service as identity
from douane.identity.model import Actor
from douane.printing import tokens
from douane.printing.tokens import DocumentRef
from douane.web.deps import get_context

VERIFY_PATH = "/verify/"
LanguageParam = Annotated[
    str | None,
    Query(pattern=r"^(ar|fr|en)$", description="Language of the document; default the user's language"),
]
Link = Callable[[DocumentRef], str]
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document as a PDF file"}
}


def document_language(session: Session, actor: Actor, requested: str | None) -> str:
    """The language asked for, else the user's own (identity's users.language)."""
    if requested in LANGUAGES:
        return str(requested)
    language = identity.get_user(session, actor.user_id).language
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def verification_link(request: Request) -> Link:
    """Builds the public verification URL the QR code carries, on this server's address."""
    key = tokens.signing_key(get_context(request).settings)
    base = str(request.base_url).rstrip("/")
    return lambda reference: f"{base}{VERIFY_PATH}{tokens.sign(reference, key)}"


def pdf_response(data: bytes, name: str) -> Response:
    """Shown in the browser (inline), saved as `name`.pdf; never kept by shared caches."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "document"
    return Response(
        content=data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{safe}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
