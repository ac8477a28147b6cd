"""PLACEHOLDER: the registry helper replaces this file."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from douane.db import Base, BigIntPK


class EconomicOperatorRow(Base):
    __tablename__ = "economic_operators"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)


class CustomsBrokerRow(Base):
    __tablename__ = "customs_brokers"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)


class OfficerRow(Base):
    __tablename__ = "officers"
    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
