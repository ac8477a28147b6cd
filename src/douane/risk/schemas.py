"""Risk API shapes. Inputs forbid unknown fields and carry their constraints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SharesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    green: int = Field(ge=0, le=100, description="Whole percentage released without control")
    yellow: int = Field(ge=0, le=100, description="Whole percentage sent to documentary control")
    red: int = Field(ge=0, le=100, description="Whole percentage sent to physical examination")
    blue: int = Field(ge=0, le=100, description="Whole percentage released then audited after clearance")
    valid_from: date | None = Field(
        default=None, description="First (Algerian) day these shares apply; today when omitted"
    )


class Shares(BaseModel):
    green: int
    yellow: int
    red: int
    blue: int


class ScheduledShares(BaseModel):
    shares: Shares
    valid_from: date
    set_by: str
    set_at: datetime


class SharesOut(BaseModel):
    scope: str = Field(description="The office code asked about, or 'national'")
    in_force: Shares
    source: Literal["office", "national", "built-in"] = Field(
        description="Where the shares in force come from: the office's own, the national default, or built in"
    )
    valid_from: date | None
    set_by: str | None
    set_at: datetime | None
    scheduled: list[ScheduledShares] = Field(description="Shares set to take effect later, earliest first")


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    declaration_id: int
    office_code: str
    channel: str
    reasons: list[str]
    source: str
    shares: dict[str, int]
    draw_value: int
    decided_at: datetime


class InspectorDrawOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_kind: str
    subject_id: int
    office_code: str
    officer_id: int
    candidate_ids: list[int]
    drawn_at: datetime
    drawn_by: str
