"""Payments over HTTP: amounts due, payments at the cashier with receipts, guarantees."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi import Path as PathParam

from douane.identity.guards import requires
from douane.identity.model import Actor, Permission
from douane.kernel.clock import Clock
from douane.kernel.money import Money
from douane.payments import service
from douane.payments.model import AmountDueStatus, GuaranteeStatus
from douane.payments.schemas import (
    AllocationOut,
    AmountDueDetailOut,
    AmountDueOut,
    CoverIn,
    GuaranteeIn,
    GuaranteeOut,
    PaymentIn,
    PaymentOut,
    ReceiptOut,
    ReleaseIn,
)
from douane.payments.tables import AmountDueRow
from douane.web.deps import UnitOfWork, get_context
from douane.web.pagination import Page, PageRequest, page_request

router = APIRouter(prefix="/api/v1", tags=["payments"])
P = Permission
Id = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="1 to 100 visible ASCII characters; the same key and body replay the first payment",
    ),
]


def _clock(request: Request) -> Clock:
    return get_context(request).clock


def _detail(session: UnitOfWork, row: AmountDueRow) -> AmountDueDetailOut:
    return AmountDueDetailOut(
        **AmountDueOut.of(row).model_dump(),
        payments=[PaymentOut.of(p) for p in service.payments_of(session, row.id)],
        allocations=[AllocationOut.of(a) for a in service.allocations_of(session, row.id)],
    )


@router.get("/amounts-due", response_model=Page[AmountDueOut])
def list_amounts_due(
    session: UnitOfWork,
    status: AmountDueStatus | None = None,
    office: str | None = Query(None, pattern=r"^[0-9]{5}$", description="Declaration or collection office"),
    subject_reference: str | None = Query(None, max_length=40, description="e.g. the registration number"),
    operator_id: int | None = Query(None, ge=1, le=2**63 - 1),
    paging: PageRequest = Depends(page_request),
    actor: Actor = Depends(requires(P.PAYMENTS_READ)),
) -> Page[AmountDueOut]:
    rows, total = service.list_amounts_due(
        session, viewer=actor, status=status, office_code=office, subject_reference=subject_reference,
        operator_id=operator_id, offset=paging.offset, limit=paging.page_size,
    )  # fmt: skip
    return paging.page_of([AmountDueOut.of(r) for r in rows], total)


@router.get("/amounts-due/{amount_due_id}", response_model=AmountDueDetailOut)
def get_amount_due(
    session: UnitOfWork, amount_due_id: Id, actor: Actor = Depends(requires(P.PAYMENTS_READ))
) -> AmountDueDetailOut:
    return _detail(session, service.get_amount_due(session, amount_due_id, viewer=actor))


@router.post(
    "/amounts-due/{amount_due_id}/payments",
    response_model=PaymentOut,
    status_code=201,
    responses={200: {"description": "Replay of an earlier request with the same Idempotency-Key"}},
)
def record_payment(
    session: UnitOfWork,
    request: Request,
    response: Response,
    amount_due_id: Id,
    body: PaymentIn,
    idempotency_key: IdempotencyKey,
    actor: Actor = Depends(requires(P.PAYMENTS_COLLECT)),
) -> PaymentOut:
    outcome = service.record_payment(
        session, _clock(request), amount_due_id, amount=Money(body.amount, body.currency),
        method=body.method, method_reference=body.method_reference, payer=body.payer,
        idempotency_key=idempotency_key, by=actor,
    )  # fmt: skip
    if outcome.replayed:
        response.status_code = 200
    response.headers["Location"] = f"/api/v1/payments/{outcome.payment.id}"
    return PaymentOut.of(outcome.payment)


@router.get("/payments/{payment_id}", response_model=PaymentOut)
def get_payment(
    session: UnitOfWork, payment_id: Id, actor: Actor = Depends(requires(P.PAYMENTS_READ))
) -> PaymentOut:
    return PaymentOut.of(service.get_payment(session, payment_id, viewer=actor))


@router.get("/receipts/{number:path}", response_model=ReceiptOut)
def get_receipt(
    session: UnitOfWork,
    number: Annotated[str, PathParam(max_length=20, description="e.g. 16001/2026/000042")],
    actor: Actor = Depends(requires(P.PAYMENTS_READ)),
) -> ReceiptOut:
    return ReceiptOut.of_receipt(service.get_receipt(session, number, viewer=actor))


@router.post("/guarantees", response_model=GuaranteeOut, status_code=201)
def register_guarantee(
    session: UnitOfWork,
    request: Request,
    body: GuaranteeIn,
    actor: Actor = Depends(requires(P.GUARANTEES_MANAGE)),
) -> GuaranteeOut:
    row = service.register_guarantee(
        session, _clock(request), operator_id=body.operator_id, kind=body.kind, reference=body.reference,
        issuer=body.issuer, amount=Money(body.amount, body.currency), valid_from=body.valid_from,
        valid_to=body.valid_to, by=actor,
    )  # fmt: skip
    return GuaranteeOut.of(row)


@router.get("/guarantees", response_model=Page[GuaranteeOut])
def list_guarantees(
    session: UnitOfWork,
    operator_id: int | None = Query(None, ge=1, le=2**63 - 1),
    status: GuaranteeStatus | None = None,
    paging: PageRequest = Depends(page_request),
    actor: Actor = Depends(requires(P.PAYMENTS_READ)),
) -> Page[GuaranteeOut]:
    rows, total = service.list_guarantees(
        session, viewer=actor, operator_id=operator_id, status=status, offset=paging.offset,
        limit=paging.page_size,
    )  # fmt: skip
    return paging.page_of([GuaranteeOut.of(r) for r in rows], total)


@router.get("/guarantees/{guarantee_id}", response_model=GuaranteeOut)
def get_guarantee(
    session: UnitOfWork, guarantee_id: Id, actor: Actor = Depends(requires(P.PAYMENTS_READ))
) -> GuaranteeOut:
    return GuaranteeOut.of(service.get_guarantee(session, guarantee_id, viewer=actor))


@router.post("/guarantees/{guarantee_id}/release", response_model=GuaranteeOut)
def release_guarantee(
    session: UnitOfWork,
    request: Request,
    guarantee_id: Id,
    body: ReleaseIn,
    actor: Actor = Depends(requires(P.GUARANTEES_MANAGE)),
) -> GuaranteeOut:
    """Discharge a guarantee once every declaration it covers is paid or invalidated; a replay answers the
    released guarantee again. Refused with payments.guarantee_in_use while duties it covers are owed."""
    row = service.release_guarantee(
        session, _clock(request), guarantee_id, reason=body.reason, by=actor, expected_version=body.version
    )
    return GuaranteeOut.of(row)


@router.post("/amounts-due/{amount_due_id}/guarantee", response_model=AmountDueDetailOut)
def cover_with_guarantee(
    session: UnitOfWork,
    request: Request,
    amount_due_id: Id,
    body: CoverIn,
    actor: Actor = Depends(requires(P.GUARANTEES_MANAGE)),
) -> AmountDueDetailOut:
    service.cover_with_guarantee(session, _clock(request), amount_due_id, body.guarantee_id, by=actor)
    return _detail(session, service.get_amount_due(session, amount_due_id))
