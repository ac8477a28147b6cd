"""The payment receipt as a PDF over HTTP, by receipt number or by payment id.

Same read permission and scoping as `GET /api/v1/receipts/{number}`: another firm's receipt answers 404.
Include this router before `payments.api`'s, whose `/receipts/{number:path}` would otherwise take the
`.pdf` path for a receipt number.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam

from douane.identity.guards import requires
from douane.identity.model import Actor, Permission
from douane.payments import printouts, service
from douane.payments.tables import PaymentRow
from douane.printing.http import (
    PDF_RESPONSE,
    LanguageParam,
    document_language,
    pdf_response,
    verification_link,
)
from douane.web.deps import UnitOfWork, get_context

router = APIRouter(prefix="/api/v1", tags=["documents (PDF)"])
Id = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
READ = requires(Permission.PAYMENTS_READ)


def _pdf(
    session: UnitOfWork, request: Request, actor: Actor, payment: PaymentRow, lang: str | None
) -> Response:
    data = printouts.receipt_pdf(
        session, payment, document_language(session, actor, lang), link=verification_link(request),
        printed_at=get_context(request).clock.now(),
    )  # fmt: skip
    return pdf_response(data, f"receipt-{payment.receipt_number}")


@router.get("/receipts/{office}/{year}/{sequence}.pdf", response_class=Response, responses=PDF_RESPONSE)
def receipt_pdf(
    session: UnitOfWork,
    request: Request,
    office: Annotated[str, PathParam(pattern=r"^[0-9]{5}$")],
    year: Annotated[int, PathParam(ge=1900, le=9999)],
    sequence: Annotated[int, PathParam(ge=1, le=999_999)],
    lang: LanguageParam = None,
    actor: Actor = Depends(READ),
) -> Response:
    payment = service.get_receipt(session, f"{office}/{year:04d}/{sequence:06d}", viewer=actor)
    return _pdf(session, request, actor, payment, lang)


@router.get("/payments/{payment_id}/receipt.pdf", response_class=Response, responses=PDF_RESPONSE)
def payment_receipt_pdf(
    session: UnitOfWork, request: Request, payment_id: Id, lang: LanguageParam = None,
    actor: Actor = Depends(READ),
) -> Response:  # fmt: skip
    payment = service.get_payment(session, payment_id, viewer=actor)
    return _pdf(session, request, actor, payment, lang)
