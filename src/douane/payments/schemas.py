"""Payments API shapes. Amounts travel as decimal strings in DZD; inputs forbid unknown fields."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from douane.kernel.money import Money
from douane.payments.model import (
    AmountDueKind,
    AmountDueStatus,
    GuaranteeKind,
    GuaranteeStatus,
    PaymentMethod,
)
from douane.payments.tables import AmountDueRow, GuaranteeAllocationRow, GuaranteeRow, PaymentRow

AMOUNT = Field(
    gt=0, max_digits=18, decimal_places=2, description="DZD, at most 2 decimals", examples=["1500.00"]
)


def _amt(value: Money) -> Decimal:
    """DZD amounts always show their two decimals, e.g. 1500.00."""
    return value.quantized().amount


CURRENCY = Field(default="DZD", pattern=r"^[A-Z]{3}$", description="Only DZD is collected")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PaymentIn(_In):
    amount: Decimal = AMOUNT
    currency: str = CURRENCY
    method: PaymentMethod
    method_reference: str | None = Field(
        default=None, max_length=64, description="Cheque number or transfer reference (required for those)"
    )
    payer: str = Field(min_length=1, max_length=200, description="Name of the person or firm paying")


class GuaranteeIn(_In):
    operator_id: int = Field(ge=1, le=2**63 - 1)
    kind: GuaranteeKind
    reference: str = Field(min_length=1, max_length=64)
    issuer: str | None = Field(default=None, max_length=200, description="Bank for a surety")
    amount: Decimal = AMOUNT
    currency: str = CURRENCY
    valid_from: date
    valid_to: date | None = None


class CoverIn(_In):
    guarantee_id: int = Field(ge=1, le=2**63 - 1)


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=500)


class ReleaseIn(ReasonIn):
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1,
        description="The version last read; refused with payments.concurrent_change if it has moved",
    )  # fmt: skip


class TaxLineOut(BaseModel):
    tax_code: str
    amount: Decimal


class PaymentOut(BaseModel):
    id: int
    amount_due_id: int
    receipt_number: str
    amount: Decimal
    currency: str = "DZD"
    method: PaymentMethod
    method_reference: str | None
    payer: str
    cashier: str
    collection_office_code: str
    received_at: datetime

    @classmethod
    def of(cls, row: PaymentRow) -> PaymentOut:
        return cls(
            id=row.id, amount_due_id=row.amount_due_id, receipt_number=row.receipt_number,
            amount=_amt(row.amount), method=PaymentMethod(row.method), method_reference=row.method_reference,
            payer=row.payer_name, cashier=row.cashier_name, collection_office_code=row.collection_office_code,
            received_at=row.received_at,
        )  # fmt: skip


class ReceiptOut(PaymentOut):
    """A payment as its receipt shows it: what it paid, and for what."""

    subject_kind: str
    subject_reference: str
    amount_due_total: Decimal
    outstanding_after_all_payments: Decimal

    @classmethod
    def of_receipt(cls, row: PaymentRow) -> ReceiptOut:
        due = row.amount_due
        return cls(
            **PaymentOut.of(row).model_dump(), subject_kind=due.subject_kind,
            subject_reference=due.subject_reference, amount_due_total=_amt(due.total),
            outstanding_after_all_payments=_amt(due.outstanding),
        )  # fmt: skip


class AllocationOut(BaseModel):
    id: int
    guarantee_id: int
    amount: Decimal
    released: Decimal
    allocated_at: datetime
    released_at: datetime | None

    @classmethod
    def of(cls, row: GuaranteeAllocationRow) -> AllocationOut:
        return cls(
            id=row.id, guarantee_id=row.guarantee_id, amount=_amt(row.amount), released=_amt(row.released),
            allocated_at=row.allocated_at, released_at=row.released_at,
        )  # fmt: skip


class AmountDueOut(BaseModel):
    id: int
    subject_kind: str
    subject_id: int
    subject_reference: str
    office_code: str
    collection_office_code: str
    operator_id: int | None
    broker_id: int | None
    status: AmountDueStatus
    kind: AmountDueKind = Field(
        description="payment: collected at the cashier; suspended: duties a suspensive regime suspends, "
        "covered by a guarantee and never paid"
    )
    currency: str = "DZD"
    total: Decimal
    paid: Decimal
    guaranteed: Decimal
    outstanding: Decimal
    lines: list[TaxLineOut]
    opened_at: datetime
    settled_at: datetime | None
    version: int

    @classmethod
    def of(cls, row: AmountDueRow) -> AmountDueOut:
        return cls(
            id=row.id, subject_kind=row.subject_kind, subject_id=row.subject_id,
            subject_reference=row.subject_reference, office_code=row.office_code,
            collection_office_code=row.collection_office_code, operator_id=row.operator_id,
            broker_id=row.broker_id, status=AmountDueStatus(row.status), kind=AmountDueKind(row.kind),
            total=_amt(row.total),
            paid=_amt(row.paid), guaranteed=_amt(row.guaranteed), outstanding=_amt(row.outstanding),
            lines=[TaxLineOut(tax_code=line.tax_code, amount=_amt(line.amount)) for line in row.lines],
            opened_at=row.opened_at, settled_at=row.settled_at, version=row.version,
        )  # fmt: skip


class AmountDueDetailOut(AmountDueOut):
    payments: list[PaymentOut]
    allocations: list[AllocationOut]


class GuaranteeOut(BaseModel):
    id: int
    operator_id: int
    kind: GuaranteeKind
    reference: str
    issuer: str | None
    currency: str = "DZD"
    amount: Decimal
    allocated: Decimal
    available: Decimal
    valid_from: date
    valid_to: date | None
    status: GuaranteeStatus
    registered_at: datetime
    version: int

    @classmethod
    def of(cls, row: GuaranteeRow) -> GuaranteeOut:
        return cls(
            id=row.id, operator_id=row.operator_id, kind=GuaranteeKind(row.kind), reference=row.reference,
            issuer=row.issuer, amount=_amt(row.amount), allocated=_amt(row.allocated),
            available=_amt(row.available), valid_from=row.valid_from, valid_to=row.valid_to,
            status=GuaranteeStatus(row.status), registered_at=row.registered_at, version=row.version,
        )  # fmt: skip
