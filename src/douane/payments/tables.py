"""Payments rows: amounts due and their tax lines, payments with receipts, receipt sequences, guarantees."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from douane.db import Base, BigIntPK, DZDAmount, UTCDateTime
from douane.kernel.money import Money
from douane.payments.model import AmountDueStatus


class AmountDueRow(Base):
    """What a subject (a declaration) owes, collected at one collection office (recette)."""

    __tablename__ = "amounts_due"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    subject_reference: Mapped[str] = mapped_column(String(40), index=True)
    office_code: Mapped[str] = mapped_column(String(5))
    collection_office_code: Mapped[str] = mapped_column(String(5))
    operator_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    broker_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="payment", server_default="payment")
    total: Mapped[Money] = mapped_column(DZDAmount)
    paid: Mapped[Money] = mapped_column(DZDAmount)
    guaranteed: Mapped[Money] = mapped_column(DZDAmount)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[AmountDueLineRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AmountDueLineRow.position"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id", name="uq_amounts_due_subject"),
        CheckConstraint("paid >= 0 AND guaranteed >= 0 AND paid + guaranteed <= total", name="within_total"),
        Index("ix_amounts_due_office_status", "office_code", "status"),
    )

    @property
    def outstanding(self) -> Money:
        """What is still to pay in money (a guarantee covers it but does not pay it); nothing once the
        suspensive regime is discharged (the suspended duties are no longer owed) or the amount cancelled
        (its declaration invalidated)."""
        if self.status in (AmountDueStatus.DISCHARGED.value, AmountDueStatus.CANCELLED.value):
            return Money.zero()
        return self.total - self.paid


class AmountDueLineRow(Base):
    """One tax of an amount due (D.D, T.V.A, ...)."""

    __tablename__ = "amount_due_lines"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    amount_due_id: Mapped[int] = mapped_column(ForeignKey("amounts_due.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    tax_code: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Money] = mapped_column(DZDAmount)


class PaymentRow(Base):
    """A payment taken at the cashier's desk; receipt numbers are gap-free per collection office and year."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    amount_due_id: Mapped[int] = mapped_column(ForeignKey("amounts_due.id"), index=True)
    amount: Mapped[Money] = mapped_column(DZDAmount)
    method: Mapped[str] = mapped_column(String(16))
    method_reference: Mapped[str | None] = mapped_column(String(64))
    payer_name: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    cashier_user_id: Mapped[int] = mapped_column(BigInteger)
    cashier_name: Mapped[str] = mapped_column(String(150))
    collection_office_code: Mapped[str] = mapped_column(String(5))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    receipt_year: Mapped[int] = mapped_column(Integer)
    receipt_sequence: Mapped[int] = mapped_column(Integer)
    receipt_number: Mapped[str] = mapped_column(String(20), unique=True)

    amount_due: Mapped[AmountDueRow] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint(
            "collection_office_code", "receipt_year", "receipt_sequence", name="uq_payments_receipt_sequence"
        ),
        CheckConstraint("amount > 0", name="positive"),
    )


class ReceiptSequenceRow(Base):
    """The last receipt number issued by a collection office in a year; locked while a payment takes one."""

    __tablename__ = "receipt_sequences"

    collection_office_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class GuaranteeRow(Base):
    """A guarantee an operator lodged (bank surety, cash deposit, global guarantee) and what it covers."""

    __tablename__ = "guarantees"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    operator_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Money] = mapped_column(DZDAmount)
    allocated: Mapped[Money] = mapped_column(DZDAmount)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[str] = mapped_column(String(150))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("kind", "reference", name="uq_guarantees_kind_reference"),
        CheckConstraint("allocated >= 0 AND allocated <= amount", name="allocated_within_amount"),
    )

    @property
    def available(self) -> Money:
        return self.amount - self.allocated


class GuaranteeAllocationRow(Base):
    """Part of a guarantee set against one amount due; released when the amount is paid."""

    __tablename__ = "guarantee_allocations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    guarantee_id: Mapped[int] = mapped_column(ForeignKey("guarantees.id"), index=True)
    amount_due_id: Mapped[int] = mapped_column(ForeignKey("amounts_due.id"), index=True)
    amount: Mapped[Money] = mapped_column(DZDAmount)
    released: Mapped[Money] = mapped_column(DZDAmount)
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    allocated_by: Mapped[str] = mapped_column(String(150))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active_amount(self) -> Money:
        return self.amount - self.released
