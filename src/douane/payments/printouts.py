"""The payment receipt (quittance) as a PDF, and what its QR code verifies.

The caller has already read the payment through `service.get_receipt` / `get_payment` with the reader as
viewer, so a broker never gets another firm's receipt.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from douane.i18n import translate
from douane.kernel.errors import DouaneError
from douane.payments.model import PaymentMethod
from douane.payments.tables import PaymentRow
from douane.printing import formatting
from douane.printing.document import Column, Side, official_document
from douane.printing.http import Link
from douane.printing.tokens import DocumentKind, DocumentRef
from douane.printing.verification import Validity, Verified
from douane.reference import service as reference
from douane.registry import service as registry

RECEIPT_TITLE = "Receipt for duties and taxes"
METHOD_LABELS = {
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
}
SUBJECT_LABELS = {"declaration": "Declaration"}


def _office(session: Session, code: str, language: str) -> str:
    try:
        office = registry.get_office(session, code)
    except DouaneError:
        return ""
    return str(getattr(office, f"name_{language}", None) or office.name_fr)


def receipt_pdf(
    session: Session, payment: PaymentRow, language: str, *, link: Link, printed_at: datetime
) -> bytes:
    """Receipt number, payer, what it pays for, the amount in figures, method, cashier and date."""

    def t(msgid: str) -> str:
        return translate(msgid, language)

    due = payment.amount_due
    method = t(METHOD_LABELS[PaymentMethod(payment.method)])
    if payment.method_reference:
        method = f"{method} · {payment.method_reference}"
    office = payment.collection_office_code
    document = official_document(
        language, title=RECEIPT_TITLE, number=payment.receipt_number,
        verify_url=link(DocumentRef(DocumentKind.RECEIPT, payment.id)), printed_at=printed_at,
    )  # fmt: skip
    document.fields([
        (t("Receipt number"), payment.receipt_number),
        (t("Collection office"), f"{office} {_office(session, office, language)}".strip()),
        (t("Received on"), formatting.moment(payment.received_at, language)),
        (t("Payer"), payment.payer_name),
        (t(SUBJECT_LABELS.get(due.subject_kind, "Subject")), due.subject_reference),
        (t("Amount paid"), formatting.amount(payment.amount, language)),
        (t("Payment method"), method),
        (t("Cashier"), payment.cashier_name),
    ])  # fmt: skip
    document.section(t("Amount due"))
    names = {
        tax.code: getattr(tax, f"name_{language}", "") or tax.name_fr
        for tax in reference.list_tax_types(session)
    }
    columns = [Column(t("Tax"), 1.2), Column(t("Name"), 4), Column(t("Amount"), 2, Side.END)]
    lines = [
        [line.tax_code, names.get(line.tax_code, ""), formatting.amount(line.amount, language)]
        for line in due.lines
    ]
    document.table(
        columns, lines, totals=["", t("Total duties and taxes"), formatting.amount(due.total, language)]
    )
    document.fields([(t("Still to pay after all payments"), formatting.amount(due.outstanding, language))])
    return document.to_bytes()


def verify_receipt(session: Session, ref: DocumentRef, language: str) -> Verified | None:
    payment = session.get(PaymentRow, ref.id)
    if payment is None:
        return None
    office = payment.collection_office_code
    return Verified(
        kind=DocumentKind.RECEIPT, validity=Validity.VALID, number=payment.receipt_number,
        issued_at=payment.received_at, office_code=office, office_name=_office(session, office, language),
        total=payment.amount,
    )  # fmt: skip


VERIFIERS: dict[DocumentKind, Callable[[Session, DocumentRef, str], Verified | None]] = {
    DocumentKind.RECEIPT: verify_receipt,
}
