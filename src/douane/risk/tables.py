"""Risk rows: selectivity shares and capacities (effective-dated), channel decisions, inspector draws,
targeting rules and their versions, value indicators, notices, risk evaluations, the model registry.

Decisions and draws are written once and never changed: they are the record of what chance decided.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, Index, Integer, String, Text, UniqueConstraint
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

    # the day's use of an office's inspection capacity, and the monthly monitoring, read by office and time
    __table_args__ = (Index("ix_selectivity_decisions_office_decided", "office_code", "decided_at"),)


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


class TargetingRuleRow(Base):
    """A targeting rule: its identity and lifecycle state. What it says lives in its versions."""

    __tablename__ = "targeting_rules"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. R-2026-0001
    status: Mapped[str] = mapped_column(String(12))  # draft, active, suspended, retired
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(150))
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012


class TargetingRuleVersionRow(Base):
    """One version of a rule, never changed once written: each edit or status change adds the next."""

    __tablename__ = "targeting_rule_versions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    rule_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    expression: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(16))  # yellow, red, blue, score, scan
    score_increase: Mapped[int | None] = mapped_column(Integer)  # points, for action "score"
    priority: Mapped[int] = mapped_column(Integer)
    scope_offices: Mapped[list[str]] = mapped_column(JSON)  # empty: every office
    scope_regimes: Mapped[list[str]] = mapped_column(JSON)  # empty: every regime
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)  # why this version exists
    changed_by_id: Mapped[int | None] = mapped_column(BigInteger)
    changed_by: Mapped[str] = mapped_column(String(150))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("rule_id", "version", name="uq_targeting_rule_versions_rule_version"),)


class RuleBacktestRow(Base):
    """A backtest run of one rule version over a history: the figures shown before activation."""

    __tablename__ = "rule_backtests"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    rule_id: Mapped[int] = mapped_column(BigInteger, index=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    history: Mapped[str] = mapped_column(String(200))  # "stored" or the imported file's name
    history_from: Mapped[date | None] = mapped_column(Date)
    history_to: Mapped[date | None] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    run_by: Mapped[str] = mapped_column(String(150))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ValueIndicatorRow(Base):
    """A reference unit value for an HS6 line (and an origin, or every origin), effective-dated."""

    __tablename__ = "value_indicators"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    hs6: Mapped[str] = mapped_column(String(6))
    origin: Mapped[str | None] = mapped_column(String(2))  # NULL: any origin without its own indicator
    centimes_per_kg: Mapped[int] = mapped_column(BigInteger)  # DZD centimes per kg of net mass
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # analyst, derived
    basis: Mapped[dict[str, Any]] = mapped_column(JSON)  # derived: period, observations, quantile
    set_by: Mapped[str] = mapped_column(String(150))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_value_indicators_line", "hs6", "origin", "valid_from"),)


class TargetingNoticeRow(Base):
    """A notice on an operator, consignment, container or vehicle: matching declarations go to control."""

    __tablename__ = "targeting_notices"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. AC-2026-000001
    issuing_service: Mapped[str] = mapped_column(String(32))  # risk_analysis, intelligence, mutual_assistance
    subject_kind: Mapped[str] = mapped_column(String(16))  # operator, consignment, container, vehicle
    subject: Mapped[str] = mapped_column(String(64))  # NIF, bill of lading, container or vehicle number
    channel: Mapped[str] = mapped_column(String(8))  # yellow or red
    office_codes: Mapped[list[str]] = mapped_column(JSON)  # empty: every office
    reason: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # open, matched, closed, cancelled
    outcome: Mapped[str | None] = mapped_column(String(16))  # confirmed, unfounded
    outcome_note: Mapped[str | None] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(String(150))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012
    __table_args__ = (Index("ix_targeting_notices_subject", "subject_kind", "subject"),)


class NoticeMatchRow(Base):
    """A declaration that matched a notice, and what its control found."""

    __tablename__ = "notice_matches"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    notice_id: Mapped[int] = mapped_column(BigInteger, index=True)
    declaration_id: Mapped[int] = mapped_column(BigInteger, index=True)
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    control_outcome: Mapped[str | None] = mapped_column(String(16))  # no_discrepancy, discrepancy


class RiskEvaluationRow(Base):
    """What risk management saw in a declaration at lodging: rule hits, notices, model score, exploration.

    Shown to officers, never to declarants.
    """

    __tablename__ = "risk_evaluations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(BigInteger, index=True)
    rule_hits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # rule id, code, version, action
    notice_ids: Mapped[list[int]] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(40))
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # top contributing features
    exploration: Mapped[bool] = mapped_column(Boolean)  # drawn into the random share
    channel: Mapped[str] = mapped_column(String(8))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ModelVersionRow(Base):
    """A trained model in the registry: its data window, metrics and trainer; one is active at a time."""

    __tablename__ = "risk_model_versions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(12))  # candidate, active, retired
    location: Mapped[str] = mapped_column(Text)  # model directory
    data_from: Mapped[date | None] = mapped_column(Date)
    data_to: Mapped[date | None] = mapped_column(Date)
    rows: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    trainer: Mapped[str] = mapped_column(String(150))
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by: Mapped[str | None] = mapped_column(String(150))


class InspectionCapacityRow(Base):
    """An office's daily inspection capacity per channel and its exploration share, from valid_from on."""

    __tablename__ = "inspection_capacities"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    office_code: Mapped[str] = mapped_column(String(5))
    yellow_per_day: Mapped[int] = mapped_column(Integer)
    red_per_day: Mapped[int] = mapped_column(Integer)
    exploration_percent: Mapped[int] = mapped_column(Integer)  # random share kept outside the model's choice
    score_threshold: Mapped[float] = mapped_column(Float)  # model score from which a declaration is targeted
    valid_from: Mapped[date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(150))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_inspection_capacities_office_from", "office_code", "valid_from"),)
