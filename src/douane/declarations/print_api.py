"""The declaration's PDF documents over HTTP: the summary and, once released, the release authorization.

Same read permission and scoping as `GET /api/v1/declarations/{id}`: another firm's declaration answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam

from douane.declarations import printouts, service
from douane.identity.guards import requires
from douane.identity.model import Actor, Permission
from douane.printing.http import (
    PDF_RESPONSE,
    LanguageParam,
    document_language,
    pdf_response,
    verification_link,
)
from douane.web.deps import UnitOfWork, get_context

router = APIRouter(prefix="/api/v1/declarations", tags=["documents (PDF)"])
Id = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
READ = requires(Permission.DECLARATIONS_READ)


@router.get("/{declaration_id}/summary.pdf", response_class=Response, responses=PDF_RESPONSE)
def summary_pdf(
    session: UnitOfWork, request: Request, declaration_id: Id, lang: LanguageParam = None,
    actor: Actor = Depends(READ),
) -> Response:  # fmt: skip
    row = service.get(session, actor, declaration_id)
    data = printouts.summary_pdf(
        session, actor, row, document_language(session, actor, lang), link=verification_link(request),
        printed_at=get_context(request).clock.now(),
    )  # fmt: skip
    return pdf_response(data, f"declaration-{row.number}")


@router.get("/{declaration_id}/release.pdf", response_class=Response, responses=PDF_RESPONSE)
def release_pdf(
    session: UnitOfWork, request: Request, declaration_id: Id, lang: LanguageParam = None,
    actor: Actor = Depends(READ),
) -> Response:  # fmt: skip
    row = service.get(session, actor, declaration_id)
    data = printouts.release_pdf(
        session, actor, row, document_language(session, actor, lang), link=verification_link(request),
        printed_at=get_context(request).clock.now(),
    )  # fmt: skip
    return pdf_response(data, f"release-{row.number}")
