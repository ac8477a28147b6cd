"""Targeting API shapes: rules, their versions and backtests, value indicators and derivations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["yellow", "red", "blue", "score", "scan"]
OFFICE = r"^\d{5}$"


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    expression: str = Field(
        min_length=1, max_length=20_000, description="The condition, in the rule language"
    )
    action: Action
    score_increase: int | None = Field(default=None, ge=1, le=1000, description="Points, for action 'score'")
    priority: int = Field(default=100, ge=1, le=999, description="1 is considered first")
    offices: list[str] = Field(default_factory=list, max_length=200, description="Empty: every office")
    regimes: list[str] = Field(default_factory=list, max_length=200, description="Empty: every regime")
    valid_from: date | None = None
    valid_to: date | None = None


class RuleCreate(RuleIn):
    reason: str | None = Field(default=None, max_length=2000)


class RuleEdit(RuleIn):
    reason: str | None = Field(
        default=None, max_length=2000, description="Required unless the rule is a draft"
    )
    row_version: int | None = Field(default=None, ge=1, description="The rule's row_version as read")


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
    row_version: int | None = Field(default=None, ge=1)


class ExpressionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expression: str = Field(min_length=1, max_length=20_000)


class ExpressionCheck(BaseModel):
    valid: bool
    fields_used: list[str]
    functions_used: list[str]


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    status: str
    name: str
    description: str
    expression: str
    action: str
    score_increase: int | None
    priority: int
    scope_offices: list[str]
    scope_regimes: list[str]
    valid_from: date | None
    valid_to: date | None
    reason: str
    changed_by: str
    changed_at: datetime


class RuleOut(BaseModel):
    id: int
    code: str
    status: str
    row_version: int
    created_at: datetime
    created_by: str
    current: VersionOut


class RuleDetail(RuleOut):
    versions: list[VersionOut]


class FieldChangeOut(BaseModel):
    field: str
    before: Any
    after: Any


class DiffOut(BaseModel):
    rule_id: int
    before: int
    after: int
    changes: list[FieldChangeOut]
    expression_lines: list[str]


class StoredBacktestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: date
    end: date
    offices: list[str] = Field(default_factory=list, max_length=200)
    version: int | None = Field(
        default=None, ge=1, le=1_000_000, description="The rule's current version when omitted"
    )


class BacktestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    rule_id: int
    rule_version: int
    history: str
    history_from: date | None
    history_to: date | None
    figures: dict[str, Any]
    run_by: str
    run_at: datetime


class IndicatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hs6: str = Field(pattern=r"^[0-9]{6}$")
    origin: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2}$", description="Empty: every other origin"
    )
    dinars_per_kg: Decimal = Field(gt=0, lt=Decimal(10) ** 12, decimal_places=2)
    valid_from: date


class IndicatorOut(BaseModel):
    id: int
    hs6: str
    origin: str | None
    dinars_per_kg: Decimal
    valid_from: date
    valid_to: date | None
    source: str
    basis: dict[str, Any]
    set_by: str
    set_at: datetime


class DerivationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: date
    end: date
    quantile: Decimal = Field(default=Decimal("0.5"), gt=0, lt=1)
    min_observations: int = Field(default=5, ge=1, le=100_000)


class ProposalOut(BaseModel):
    hs6: str
    origin: str
    dinars_per_kg: Decimal
    observations: int
    in_force: Decimal | None


class AcceptIn(DerivationIn):
    lines: list[tuple[str, str]] = Field(min_length=1, max_length=10_000, description="(hs6, origin) pairs")
    valid_from: date


class ImportOut(BaseModel):
    imported: int
