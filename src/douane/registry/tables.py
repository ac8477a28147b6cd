"""Registry rows: offices and their directorates, operators, brokers, officers and postings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from douane.db import Base, BigIntPK, UTCDateTime


class RegionalDirectorateRow(Base):
    """A regional customs directorate (direction régionale des douanes)."""

    __tablename__ = "regional_directorates"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name_fr: Mapped[str] = mapped_column(String(150))
    name_ar: Mapped[str | None] = mapped_column(String(150))


class CustomsOfficeRow(Base):
    __tablename__ = "customs_offices"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(5), unique=True)
    name_fr: Mapped[str] = mapped_column(String(150))
    name_ar: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(16))
    regional_directorate_code: Mapped[str] = mapped_column(
        ForeignKey("regional_directorates.code"), index=True
    )
    unlocode: Mapped[str | None] = mapped_column(String(5))
    collection_office_code: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    directorate: Mapped[RegionalDirectorateRow] = relationship(lazy="joined")
    regime_rows: Mapped[list[OfficeRegimeRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="OfficeRegimeRow.regime"
    )

    @property
    def regimes(self) -> list[str]:
        return [r.regime for r in self.regime_rows]


class OfficeRegimeRow(Base):
    """A customs regime or procedure code an office handles."""

    __tablename__ = "customs_office_regimes"

    office_id: Mapped[int] = mapped_column(
        ForeignKey("customs_offices.id", ondelete="CASCADE"), primary_key=True
    )
    regime: Mapped[str] = mapped_column(String(8), primary_key=True)


class EconomicOperatorRow(Base):
    __tablename__ = "economic_operators"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    nif: Mapped[str] = mapped_column(String(20), unique=True)
    rc_number: Mapped[str] = mapped_column(String(40))
    legal_name_fr: Mapped[str] = mapped_column(String(200))
    legal_name_ar: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    wilaya: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16))
    registered_on: Mapped[date] = mapped_column(Date)
    # Normalised RC number and names (see model.normalize_search); the NIF is searched by prefix.
    search_text: Mapped[str] = mapped_column(String(460))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_economic_operators_name", "legal_name_fr", "id"),
        Index("ix_economic_operators_wilaya_status", "wilaya", "status"),
        Index("ix_economic_operators_status", "status"),
        Index(
            "ix_economic_operators_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )


# The trigram index needs the extension; migrations create it too, this covers create_all.
event.listen(
    EconomicOperatorRow.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


class OperatorStatusHistoryRow(Base):
    __tablename__ = "operator_status_history"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("economic_operators.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(150))

    __table_args__ = (Index("ix_operator_status_history_operator", "operator_id", "at"),)


class CustomsBrokerRow(Base):
    """A customs-broker firm (commissionnaire en douane) holding a licence (agrément)."""

    __tablename__ = "customs_brokers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    licence_number: Mapped[str] = mapped_column(String(30), unique=True)
    firm_name: Mapped[str] = mapped_column(String(200))
    holder_name: Mapped[str] = mapped_column(String(200))
    nif: Mapped[str] = mapped_column(String(20), index=True)
    licence_valid_from: Mapped[date] = mapped_column(Date)
    licence_valid_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BrokerStatusHistoryRow(Base):
    __tablename__ = "broker_status_history"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    broker_id: Mapped[int] = mapped_column(ForeignKey("customs_brokers.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(150))

    __table_args__ = (Index("ix_broker_status_history_broker", "broker_id", "at"),)


class BrokerOfficeApprovalRow(Base):
    """A broker's approval to declare at one office, from valid_from to valid_to (inclusive)."""

    __tablename__ = "broker_office_approvals"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    broker_id: Mapped[int] = mapped_column(ForeignKey("customs_brokers.id", ondelete="CASCADE"))
    office_id: Mapped[int] = mapped_column(ForeignKey("customs_offices.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    ended_reason: Mapped[str | None] = mapped_column(Text)

    office: Mapped[CustomsOfficeRow] = relationship(lazy="joined")

    __table_args__ = (Index("ix_broker_office_approvals_broker_office", "broker_id", "office_id"),)


class OfficerRow(Base):
    """A customs officer's staff record."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    service_number: Mapped[str] = mapped_column(String(20), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    grade: Mapped[str] = mapped_column(String(40))
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PostingRow(Base):
    """An officer posted at an office in a role, from valid_from to valid_to (inclusive)."""

    __tablename__ = "officer_postings"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("customs_offices.id"))
    role: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    office: Mapped[CustomsOfficeRow] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_officer_postings_office_role", "office_id", "role"),
        UniqueConstraint("officer_id", "role", "valid_from", name="uq_officer_postings_start"),
    )
