"""Risk rows: selectivity shares (effective-dated), channel decisions, inspector draws.

Decisions and draws are written once and never changed: they are the record of what chance decided.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from douane.db import Base, BigIntPK, UTCDateTime


class SelectivitySettingRow(Base):
    """Channel shares for one office (or, office_code NULL, the national default) from valid_from on.

    The row in force on a date is the one with the latest valid_from on or before it (then the latest id).
    """

    __tablename__ = "selectivity_settings"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    office_code: Mapped[str | None] = mapped_column(String(5))
    green: Mapped[int] = mapped_column(Integer)
    yellow: Mapped[int] = mapped_column(Integer)
    red: Mapped[int] = mapped_column(Integer)
    blue: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    set_by_id: Mapped[int | None] = mapped_column(BigInteger)
    set_by: Mapped[str] = mapped_column(String(150))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_selectivity_settings_office_from", "office_code", "valid_from"),)


class SelectivityDecisionRow(Base):
    """The channel chosen for a declaration, why, and the random value drawn."""

    __tablename__ = "selectivity_decisions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(BigInteger, index=True)
    office_code: Mapped[str] = mapped_column(String(5))
    channel: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(32))
    shares: Mapped[dict[str, Any]] = mapped_column(JSON)
    setting_id: Mapped[int | None] = mapped_column(BigInteger)
    draw_value: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InspectorDrawRow(Base):
    """An inspector drawn at random for a subject (a declaration), with every officer who could have been."""

    __tablename__ = "inspector_draws"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    office_code: Mapped[str] = mapped_column(String(5))
    officer_id: Mapped[int] = mapped_column(BigInteger)
    candidate_ids: Mapped[list[int]] = mapped_column(JSON)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    drawn_by_id: Mapped[int | None] = mapped_column(BigInteger)
    drawn_by: Mapped[str] = mapped_column(String(150))

    __table_args__ = (Index("ix_inspector_draws_subject", "subject_kind", "subject_id"),)
