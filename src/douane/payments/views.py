"""Payment pages: amounts due (the cashier's desk at the collection office; a declarant's own), one
amount due with its tax lines and payments, recording a payment, and the receipt.

A payment form carries an idempotency key generated when the form is shown: submitting it twice (a double
click, a reload) records one payment, as the API's `Idempotency-Key` does.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from sqlalchemy.orm import Session

from douane.i18n import translate
from douane.identity.model import Permission
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import DouaneError, InvalidInput
from douane.kernel.money import Money
from douane.kernel.numbers import typed_amount, untyped_amount_reason, whole_number
from douane.payments import printouts, service
from douane.payments.model import (
    AmountDueKind,
    AmountDueStatus,
    GuaranteeKind,
    GuaranteeStatus,
    PaymentMethod,
)
from douane.payments.tables import GuaranteeRow
from douane.printing.http import pdf_response, verification_link
from douane.registry import service as registry
from douane.web.deps import UnitOfWork, get_context
from douane.web.pages import PAGE_SIZE, attempt, notice, optional_date, page_url, see_other
from douane.web.session import Viewer, csrf_protected, domain_message, page_requires
from douane.web.templating import render

router = APIRouter(include_in_schema=False)
P = Permission
READ = page_requires(P.PAYMENTS_READ)
COLLECT = page_requires(P.PAYMENTS_COLLECT)
GUARANTEE = page_requires(P.GUARANTEES_MANAGE)

STATUS_LABELS = {
    AmountDueStatus.OPEN: "Unpaid",
    AmountDueStatus.PARTIALLY_PAID: "Partially paid",
    AmountDueStatus.PAID: "Paid in full",
    AmountDueStatus.GUARANTEED: "Covered by a guarantee",
    AmountDueStatus.CANCELLED: "Cancelled",
    AmountDueStatus.DISCHARGED: "Regime discharged",
}
METHOD_LABELS = {
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
}
GUARANTEE_KIND_LABELS = {
    GuaranteeKind.BANK_SURETY: "Bank surety",
    GuaranteeKind.CASH_DEPOSIT: "Cash deposit",
    GuaranteeKind.GLOBAL: "Global guarantee",
}
PAYABLE_ON_PAGE = frozenset({"open", "partially_paid", "guaranteed"})
LABELS: dict[str, Any] = {
    "due_labels": STATUS_LABELS,
    "method_labels": METHOD_LABELS,
    "guarantee_kind_labels": GUARANTEE_KIND_LABELS,
}


def _list_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    title: str,
    status: str,
    reference: str,
    page: int,
    office: str | None,
) -> Response:
    chosen = AmountDueStatus(status) if status in {s.value for s in AmountDueStatus} else None
    rows, total = service.list_amounts_due(
        session,
        viewer=viewer.actor,
        status=chosen,
        office_code=office,
        subject_reference=reference or None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    return render(
        request,
        "payments/list.html",
        title=title,
        rows=rows,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        page_url=page_url(request),
        filters={"status": status, "reference": reference},
        statuses=list(AmountDueStatus),
        base_path=request.url.path,
        **LABELS,
    )


@router.get("/cashier")
def cashier_desk(
    request: Request,
    session: UnitOfWork,
    status: str = Query("open", max_length=20),
    reference: str = Query("", max_length=40),
    page: int = Query(1, ge=1, le=100_000),
    viewer: Viewer = Depends(COLLECT),
) -> Response:
    """Amounts due at the cashier's collection office (all offices when the cashier is not posted)."""
    return _list_page(
        request,
        session,
        viewer,
        title="Cashier desk",
        status=status,
        reference=reference,
        page=page,
        office=viewer.office_code,
    )


@router.get("/amounts-due")
def amounts_due(
    request: Request,
    session: UnitOfWork,
    status: str = Query("", max_length=20),
    reference: str = Query("", max_length=40),
    page: int = Query(1, ge=1, le=100_000),
    viewer: Viewer = Depends(READ),
) -> Response:
    """A declarant's amounts due (its own or its firm's; the service scopes them), or any for officers."""
    return _list_page(
        request,
        session,
        viewer,
        title="Amounts due",
        status=status,
        reference=reference,
        page=page,
        office=None,
    )


def _detail_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    amount_due_id: int,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    guarantee_form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    due = service.get_amount_due(session, amount_due_id, viewer=viewer.actor)
    suspended = due.kind == AmountDueKind.SUSPENDED.value
    # A guaranteed amount is still paid at the cashier; the payment then frees the guarantee's cover.
    payable = viewer.can(P.PAYMENTS_COLLECT) and due.status in PAYABLE_ON_PAGE and not suspended
    coverable = viewer.can(P.GUARANTEES_MANAGE) and due.status in {"open", "partially_paid"}
    values = form or {"amount": format(due.outstanding.amount, "f"), "method": "cash", "payer": ""}
    return render(
        request,
        "payments/detail.html",
        status_code=status_code,
        due=due,
        payments=service.payments_of(session, due.id),
        payable=payable,
        suspended=suspended,
        coverable=coverable,
        guarantees=_usable_guarantees(session, viewer, due.operator_id) if coverable else [],
        allocations=service.allocations_of(session, due.id),
        guarantee_links=service.reads_guarantees(viewer.actor),
        guarantee_values=guarantee_form or _blank_guarantee(get_context(request).clock),
        guarantee_kinds=list(GuaranteeKind),
        values=values,
        idempotency_key=(form or {}).get("idempotency_key") or secrets.token_urlsafe(18),
        error=error,
        notice=notice(request),
        methods=list(PaymentMethod),
        **LABELS,
    )


def _usable_guarantees(session: Session, viewer: Viewer, operator_id: int | None) -> list[GuaranteeRow]:
    """The debtor's active guarantees with something left to cover."""
    if operator_id is None:
        return []
    rows, _total = service.list_guarantees(
        session, viewer=viewer.actor, operator_id=operator_id, status=GuaranteeStatus.ACTIVE, limit=100
    )
    return [row for row in rows if row.available.amount > 0]


def _blank_guarantee(clock: Clock) -> dict[str, str]:
    return {"kind": GuaranteeKind.BANK_SURETY.value, "valid_from": local_date(clock.now()).isoformat()}


@router.get("/amounts-due/{amount_due_id}")
def amount_due_page(
    request: Request, session: UnitOfWork, amount_due_id: int, viewer: Viewer = Depends(READ)
) -> Response:
    return _detail_page(request, session, viewer, amount_due_id)


@router.post("/amounts-due/{amount_due_id}/pay", dependencies=[Depends(csrf_protected)])
def record_payment(
    request: Request,
    amount_due_id: int,
    amount: str = Form(..., max_length=30),
    method: str = Form(..., max_length=20),
    method_reference: str = Form("", max_length=64),
    payer: str = Form("", max_length=200),
    idempotency_key: str = Form(..., min_length=1, max_length=100),
    viewer: Viewer = Depends(COLLECT),
) -> Response:
    form = {
        "amount": amount,
        "method": method,
        "method_reference": method_reference,
        "payer": payer,
        "idempotency_key": idempotency_key,
    }
    value = typed_amount(amount, viewer.language)
    clock = get_context(request).clock
    if value is None:
        outcome_error = translate(untyped_amount_reason(amount, viewer.language), viewer.language)
    else:
        outcome = attempt(
            request,
            lambda s: (
                service.record_payment(
                    s,
                    clock,
                    amount_due_id,
                    amount=Money.of(value),
                    method=method,
                    method_reference=method_reference or None,
                    payer=payer,
                    idempotency_key=idempotency_key,
                    by=viewer.actor,
                ).payment.receipt_number
            ),
        )
        if outcome.ok:
            return see_other(f"/receipts/{outcome.value}")
        assert outcome.error is not None
        outcome_error = domain_message(outcome.error, viewer.language)
    with get_context(request).db.transaction() as session:
        return _detail_page(
            request, session, viewer, amount_due_id, error=outcome_error, form=form, status_code=422
        )


@router.post("/amounts-due/{amount_due_id}/guarantee", dependencies=[Depends(csrf_protected)])
def cover_with_guarantee(
    request: Request,
    amount_due_id: int,
    guarantee_id: str = Form("", max_length=19),
    viewer: Viewer = Depends(GUARANTEE),
) -> Response:
    """Set what is still to pay against one of the debtor's guarantees (the same use case as the API)."""
    clock = get_context(request).clock
    chosen = whole_number(guarantee_id) or 0
    outcome = attempt(
        request,
        lambda s: service.cover_with_guarantee(s, clock, amount_due_id, chosen, by=viewer.actor).id,
    )
    if outcome.ok:
        return see_other(f"/amounts-due/{amount_due_id}", "guaranteed")
    assert outcome.error is not None
    return _refused(request, viewer, amount_due_id, outcome.error)


@router.post("/amounts-due/{amount_due_id}/guarantees", dependencies=[Depends(csrf_protected)])
def register_guarantee(
    request: Request,
    amount_due_id: int,
    kind: str = Form("", max_length=20),
    reference: str = Form("", max_length=64),
    issuer: str = Form("", max_length=200),
    amount: str = Form("", max_length=30),
    valid_from: str = Form("", max_length=10),
    valid_to: str = Form("", max_length=10),
    viewer: Viewer = Depends(GUARANTEE),
) -> Response:
    """Register a guarantee of the amount due's debtor (bank surety, cash deposit or global guarantee)."""
    form = {"kind": kind, "reference": reference, "issuer": issuer, "amount": amount,
            "valid_from": valid_from, "valid_to": valid_to}  # fmt: skip
    clock = get_context(request).clock
    value, starts = typed_amount(amount, viewer.language), optional_date(valid_from)
    if value is None or starts is None:
        reason = untyped_amount_reason(amount, viewer.language)
        message = reason if value is None else "The start date is not a date"
        return _refused(request, viewer, amount_due_id, translate(message, viewer.language), form)

    def register(session: Session) -> int:
        due = service.get_amount_due(session, amount_due_id, viewer=viewer.actor)
        if due.operator_id is None:
            raise InvalidInput(
                "payments.no_debtor", "This amount due has no economic operator to guarantee it"
            )
        return service.register_guarantee(
            session, clock, operator_id=due.operator_id, kind=kind, reference=reference,
            issuer=issuer or None, amount=Money.of(value), valid_from=starts,
            valid_to=optional_date(valid_to), by=viewer.actor,
        ).id  # fmt: skip

    outcome = attempt(request, register)
    if outcome.ok:
        return see_other(f"/amounts-due/{amount_due_id}", "guarantee_registered")
    assert outcome.error is not None
    return _refused(request, viewer, amount_due_id, outcome.error, form)


def _refused(
    request: Request,
    viewer: Viewer,
    amount_due_id: int,
    error: DouaneError | str,
    guarantee_form: dict[str, str] | None = None,
) -> Response:
    message = error if isinstance(error, str) else domain_message(error, viewer.language)
    status_code = 422 if isinstance(error, str) else error.status
    with get_context(request).db.transaction() as session:
        return _detail_page(
            request, session, viewer, amount_due_id, error=message, guarantee_form=guarantee_form,
            status_code=status_code,
        )  # fmt: skip


GuaranteeId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]


def _guarantee_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    guarantee_id: int,
    *,
    error: str | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response:
    guarantee = service.get_guarantee(session, guarantee_id, viewer=viewer.actor)
    debtor = registry.get_operator(session, guarantee.operator_id)
    return render(
        request,
        "payments/guarantee.html",
        status_code=status_code,
        guarantee=guarantee,
        operator_name=(viewer.language == "ar" and debtor.legal_name_ar) or debtor.legal_name_fr,
        cover=service.cover_of_guarantee(session, guarantee.id),
        still_owed=service.still_owed_under(session, guarantee.id),
        may_release=viewer.can(P.GUARANTEES_MANAGE),
        released_now=request.query_params.get("done") == "guarantee_released",
        reason=reason,
        error=error,
        **LABELS,
    )


@router.get("/guarantees/{guarantee_id}")
def guarantee_page(
    request: Request, session: UnitOfWork, guarantee_id: GuaranteeId, viewer: Viewer = Depends(READ)
) -> Response:
    """A guarantee, what it covers and, for a cashier or chief, the form that releases it."""
    return _guarantee_page(request, session, viewer, guarantee_id)


@router.post("/guarantees/{guarantee_id}/release", dependencies=[Depends(csrf_protected)])
def release_guarantee(
    request: Request,
    guarantee_id: GuaranteeId,
    reason: str = Form("", max_length=500),
    version: str = Form("", max_length=10),
    viewer: Viewer = Depends(GUARANTEE),
) -> Response:
    """Give the guarantee back (the same use case as the API), refused if the page shown was out of date."""
    clock = get_context(request).clock
    seen = whole_number(version)
    outcome = attempt(
        request,
        lambda s: (
            service.release_guarantee(
                s, clock, guarantee_id, reason=reason, by=viewer.actor, expected_version=seen
            ).id
        ),
    )
    if outcome.ok:
        return see_other(f"/guarantees/{guarantee_id}", "guarantee_released")
    assert outcome.error is not None
    with get_context(request).db.transaction() as session:
        return _guarantee_page(
            request, session, viewer, guarantee_id, error=domain_message(outcome.error, viewer.language),
            reason=reason, status_code=outcome.error.status,
        )  # fmt: skip


@router.get("/receipts/{number:path}")
def receipt_page(
    request: Request, session: UnitOfWork, number: str, viewer: Viewer = Depends(READ)
) -> Response:
    payment = service.get_receipt(session, number[:20], viewer=viewer.actor)
    pdf_links = [(f"/payments/{payment.id}/receipt.pdf", "Receipt (PDF)")]
    return render(
        request, "payments/receipt.html", payment=payment, due=payment.amount_due, pdf_links=pdf_links,
        **LABELS,
    )  # fmt: skip


@router.get("/payments/{payment_id}/receipt.pdf")
def receipt_pdf(
    request: Request,
    session: UnitOfWork,
    payment_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)],
    viewer: Viewer = Depends(READ),
) -> Response:
    payment = service.get_payment(session, payment_id, viewer=viewer.actor)
    data = printouts.receipt_pdf(
        session, payment, viewer.language, link=verification_link(request),
        printed_at=get_context(request).clock.now(),
    )  # fmt: skip
    return pdf_response(data, f"receipt-{payment.receipt_number}")
