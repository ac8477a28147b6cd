"""Notice API shapes. Inputs forbid unknown fields and carry their constraints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OFFICE = r"^\d{5}$"


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuing_service: Literal["risk_analysis", "intelligence", "mutual_assistance"]
    subject_kind: Literal["operator", "consignment", "container", "vehicle"]
    subject: str = Field(
        min_length=1, max_length=80,
        description="NIF, bill of lading or manifest reference, ISO 6346 container number, or registration",
    )  # fmt: skip
    channel: Literal["yellow", "red"]
    reason: str = Field(min_length=1, max_length=4000)
    office_codes: list[str] = Field(
        default_factory=list, max_length=200, description="Offices where it applies; empty: every office"
    )
    valid_from: date | None = Field(default=None, description="First (Algerian) day; today when omitted")
    valid_to: date | None = Field(default=None, description="Last day it applies; open when omitted")


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["confirmed", "unfounded"]
    note: str = Field(min_length=1, max_length=4000)
    expected_version: int | None = Field(default=None, ge=1)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000)
    expected_version: int | None = Field(default=None, ge=1)


class MatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    declaration_id: int
    matched_at: datetime
    control_outcome: str | None


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    issuing_service: str
    subject_kind: str
    subject: str
    channel: str
    office_codes: list[str]
    reason: str
    valid_from: date
    valid_to: date | None
    status: str
    outcome: str | None
    outcome_note: str | None
    issued_by: str
    issued_at: datetime
    row_version: int


class NoticeDetail(NoticeOut):
    matches: list[MatchOut]
