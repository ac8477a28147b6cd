"""Declaration rows: the header, items, documents, versions, control results, invalidation requests and
the per-office, per-year registration sequences.

Foreign keys to other contexts' tables are by name only (no import of their modules).
Invoice amounts are in the invoice currency (up to 3 decimals); DZD amounts are integer centimes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from douane.db import Base, BigIntPK, DZDAmount, ExactDecimal, UTCDateTime, compress_with_lz4
from douane.kernel.money import Money

AMOUNT = ExactDecimal(scale=3, precision=20)
MASS = ExactDecimal(scale=3, precision=20)
QUANTITY = ExactDecimal(scale=3, precision=20)
DZD_DECIMAL = ExactDecimal(scale=2, precision=20)


class DeclarationRow(Base):
    """A goods declaration's header and lifecycle. `version` is the optimistic lock (every write bumps it);
    `current_version` counts the declarant's content versions (amendments)."""

    __tablename__ = "declarations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(24))
    type: Mapped[str] = mapped_column(String(8))
    regime: Mapped[str] = mapped_column(String(8))
    office_code: Mapped[str] = mapped_column(String(5))

    # declarant: a broker firm and its user, or the trader itself (broker_id None)
    declarant_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declarant_name: Mapped[str] = mapped_column(String(150))
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("customs_brokers.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("economic_operators.id"))
    operator_nif: Mapped[str] = mapped_column(String(20))

    consignor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    consignee: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    dispatch_country: Mapped[str | None] = mapped_column(String(2))
    destination_country: Mapped[str | None] = mapped_column(String(2))
    transport_mode: Mapped[str | None] = mapped_column(String(1))
    transport_means: Mapped[str | None] = mapped_column(String(80))
    manifest_reference: Mapped[str | None] = mapped_column(String(40))
    bill_of_lading: Mapped[str | None] = mapped_column(String(40))
    containers: Mapped[list[str] | None] = mapped_column(JSON)  # ISO 6346 numbers
    invoice_currency: Mapped[str] = mapped_column(String(3))
    invoice_total: Mapped[Decimal] = mapped_column(AMOUNT)
    incoterm: Mapped[str] = mapped_column(String(3))
    freight: Mapped[Decimal | None] = mapped_column(AMOUNT)
    insurance: Mapped[Decimal | None] = mapped_column(AMOUNT)
    other_costs: Mapped[Decimal | None] = mapped_column(AMOUNT)
    costs_currency: Mapped[str | None] = mapped_column(String(3))
    domiciliation_reference: Mapped[str | None] = mapped_column(String(40))

    # registration: OFFICE/YEAR/SEQUENCE, gap-free per office and year
    registration_office: Mapped[str | None] = mapped_column(String(5))
    registration_year: Mapped[int | None] = mapped_column(Integer)
    registration_seq: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)

    # selectivity and control
    channel: Mapped[str | None] = mapped_column(String(8))
    channel_source: Mapped[str | None] = mapped_column(String(60))
    channel_reasons: Mapped[list[str] | None] = mapped_column(JSON)  # officers only
    post_clearance_audit: Mapped[bool] = mapped_column(Boolean, default=False)
    inspector_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    inspector_drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # assessment: the engine's breakdown (Assessment.to_dict()) and its totals in DZD
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    customs_value: Mapped[Money | None] = mapped_column(DZDAmount)
    total_due: Mapped[Money | None] = mapped_column(DZDAmount)
    assessment_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)

    findings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # last validation
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lodged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # invalidated or rejected

    items: Mapped[list[DeclarationItemRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="DeclarationItemRow.number"
    )
    documents: Mapped[list[DeclarationDocumentRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="DeclarationDocumentRow.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint(
            "registration_office",
            "registration_year",
            "registration_seq",
            name="uq_declarations_registration",
        ),
        Index("ix_declarations_status_office", "status", "office_code"),
        Index("ix_declarations_broker", "broker_id", "id"),
        Index("ix_declarations_operator", "operator_id", "id"),
        Index("ix_declarations_office_registered", "office_code", "registered_at"),
        Index("ix_declarations_inspector", "inspector_officer_id", "status"),
    )


LARGE_DECLARATION_VALUES = ("assessment",)
compress_with_lz4(DeclarationRow.__table__, *LARGE_DECLARATION_VALUES)  # type: ignore[arg-type]


def of_a_declaration() -> ForeignKey:
    """What an item, a document or a version refers to: its declaration, checked at commit (migration
    0010), so that lodging writes them before the declaration's one numbered row."""
    return ForeignKey("declarations.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED")


class DeclarationItemRow(Base):
    """A goods item, keyed by its declaration and its number (1 to 999)."""

    __tablename__ = "declaration_items"

    declaration_id: Mapped[int] = mapped_column(of_a_declaration(), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    line_code: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(String(500))
    origin_country: Mapped[str] = mapped_column(String(2))
    preference: Mapped[str | None] = mapped_column(String(8))
    invoice_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    net_mass_kg: Mapped[Decimal] = mapped_column(MASS)
    gross_mass_kg: Mapped[Decimal] = mapped_column(MASS)
    packages: Mapped[int | None] = mapped_column(Integer)
    package_kind: Mapped[str | None] = mapped_column(String(4))
    supplementary_quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    supplementary_unit: Mapped[str | None] = mapped_column(String(12))
    customs_value_dzd: Mapped[Decimal | None] = mapped_column(DZD_DECIMAL)  # declared
    assessed_customs_value: Mapped[Money | None] = mapped_column(DZDAmount)
    assessed_taxes: Mapped[Money | None] = mapped_column(DZDAmount)

    __table_args__ = (Index("ix_declaration_items_line", "line_code"),)


class DeclarationDocumentRow(Base):
    """An attached document's metadata; an uploaded file lives at `<data_dir>/documents/aa/bb/<sha256>`."""

    __tablename__ = "declaration_documents"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(of_a_declaration(), index=True)
    type_code: Mapped[str] = mapped_column(String(8))
    number: Mapped[str] = mapped_column(String(60))
    issuer: Mapped[str | None] = mapped_column(String(200))
    issued_on: Mapped[date | None] = mapped_column(Date)
    sha256: Mapped[str | None] = mapped_column(String(64))
    stored_path: Mapped[str | None] = mapped_column(String(300))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(40))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(BigInteger)


class DeclarationVersionRow(Base):
    """The declaration's content as it stood at each version (1 = as lodged). The current version may be
    live: no snapshot or assessment yet, its content being the declaration's own rows until they change
    (`service.live_version_values`, `service.keep_live_version`)."""

    __tablename__ = "declaration_versions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(of_a_declaration())
    version_number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by_name: Mapped[str] = mapped_column(String(150))
    reason: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    __table_args__ = (
        UniqueConstraint("declaration_id", "version_number", name="uq_declaration_versions_number"),
    )


LARGE_VERSION_VALUES = ("snapshot", "assessment")
compress_with_lz4(DeclarationVersionRow.__table__, *LARGE_VERSION_VALUES)  # type: ignore[arg-type]


class ControlResultRow(Base):
    """An inspector's control result: outcome, discrepancy type, notes and item amendments with reasons.

    `item_amendments` is a list of {"item": n, "field": name, "from": old, "to": new, "reason": text}.
    """

    __tablename__ = "declaration_control_results"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    inspector_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    inspector_user_id: Mapped[int | None] = mapped_column(BigInteger)
    inspector_name: Mapped[str] = mapped_column(String(150))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20))
    discrepancy_type: Mapped[str | None] = mapped_column(String(24))
    notes: Mapped[str | None] = mapped_column(Text)
    item_amendments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class InvalidationRequestRow(Base):
    """A declarant's request to invalidate a declaration and the officer's decision on it."""

    __tablename__ = "declaration_invalidation_requests"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    requested_by_name: Mapped[str] = mapped_column(String(150))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str] = mapped_column(String(12), default="pending")
    decided_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_name: Mapped[str | None] = mapped_column(String(150))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class RegistrationSequenceRow(Base):
    """The last registration number given at an office in a year; locked FOR UPDATE while numbering."""

    __tablename__ = "declaration_registration_sequences"

    office_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class DischargeRow(Base):
    """How and when a suspensive regime (IM5, IM7, TR) was discharged, by which officer and why.

    `method` is a `model.DischargeMethod`: re-export or free circulation name the declaration that ended the
    regime (`reference_declaration_id` and its number as the officer saw it); arrival names the office of
    destination and the day the goods arrived there.
    """

    __tablename__ = "declaration_discharges"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), unique=True
    )
    method: Mapped[str] = mapped_column(String(20))
    reference_declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"), index=True)
    reference_number: Mapped[str | None] = mapped_column(String(24))
    destination_office_code: Mapped[str | None] = mapped_column(String(5))
    arrived_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    officer_user_id: Mapped[int | None] = mapped_column(BigInteger)
    officer_name: Mapped[str] = mapped_column(String(150))
    discharged_at: Mapped[datetime] = mapped_column(UTCDateTime)
