"""Reference tables: HS nomenclature, tax types, tariff lines, measures and their components, rates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from douane.db import Base, BigIntPK, ExactDecimal, UTCDateTime

RATE_SCALE = 4
AMOUNT_SCALE = 6
QUANTITY_SCALE = 3


class HsSectionRow(Base):
    __tablename__ = "hs_sections"
    __table_args__ = (UniqueConstraint("edition", "number"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    edition: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(8))  # roman numeral
    position: Mapped[int] = mapped_column(SmallInteger)
    name_en: Mapped[str | None] = mapped_column(Text)
    name_fr: Mapped[str | None] = mapped_column(Text)
    name_ar: Mapped[str | None] = mapped_column(Text)


class HsNodeRow(Base):
    """A chapter (2 digits), heading (4) or subheading (6) of one HS edition."""

    __tablename__ = "hs_nodes"
    __table_args__ = (
        UniqueConstraint("edition", "code"),
        Index("ix_hs_nodes_code", "code"),
        Index("ix_hs_nodes_edition_parent", "edition", "parent_code"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    edition: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(6))
    level: Mapped[int] = mapped_column(SmallInteger)
    parent_code: Mapped[str | None] = mapped_column(String(6))
    section: Mapped[str] = mapped_column(String(8))
    description_en: Mapped[str] = mapped_column(Text)
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_ar: Mapped[str | None] = mapped_column(Text)


class TaxTypeRow(Base):
    __tablename__ = "tax_types"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    computation_order: Mapped[int] = mapped_column(Integer)
    default_base: Mapped[str] = mapped_column(String(200), default="")  # "|"-joined tax codes
    notes: Mapped[str | None] = mapped_column(Text)


class TariffLineRow(Base):
    """One version of a national 10-digit tariff line; versions of a code never overlap."""

    __tablename__ = "tariff_lines"
    __table_args__ = (
        UniqueConstraint("code", "valid_from"),
        Index("ix_tariff_lines_hs6", "hs6"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(10))
    hs6: Mapped[str] = mapped_column(String(6))
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_ar: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    supplementary_unit: Mapped[str | None] = mapped_column(String(16))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeasureRow(Base):
    """A tax, prohibition or document requirement on a tariff code over a validity period."""

    __tablename__ = "tariff_measures"
    __table_args__ = (Index("ix_tariff_measures_line_code_valid_from", "line_code", "valid_from"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    line_code: Mapped[str] = mapped_column(String(10))
    tax_code: Mapped[str | None] = mapped_column(ForeignKey("tax_types.code"))
    kind: Mapped[str] = mapped_column(String(20))
    rate_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(RATE_SCALE))
    season_from: Mapped[int | None] = mapped_column(SmallInteger)  # MMDD
    season_to: Mapped[int | None] = mapped_column(SmallInteger)
    base: Mapped[str | None] = mapped_column(String(200))  # "|"-joined tax codes; None = tax type's default
    document_code: Mapped[str | None] = mapped_column(String(16))
    legal_reference: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeasureComponentRow(Base):
    """A specific amount, a reference or a bound's percentage of a measure; `role` says which formula
    it belongs to: "add" (the main one), "min" or "max"."""

    __tablename__ = "tariff_measure_components"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("tariff_measures.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    role: Mapped[str] = mapped_column(String(8))
    rate_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal(RATE_SCALE))
    amount: Mapped[Decimal | None] = mapped_column(ExactDecimal(AMOUNT_SCALE))
    currency: Mapped[str | None] = mapped_column(String(3))
    per_quantity: Mapped[Decimal | None] = mapped_column(ExactDecimal(QUANTITY_SCALE))
    unit: Mapped[str | None] = mapped_column(String(16))
    qualifier: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(16))


class ExchangeRateRow(Base):
    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("currency", "valid_from"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    dzd_per_unit: Mapped[Decimal] = mapped_column(ExactDecimal(6))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
