"""Request and response bodies of the officer actions (control_api.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from douane.declarations.model import Channel, Status
from douane.declarations.tables import ControlResultRow


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class VersionIn(_In):
    version: int | None = Field(default=None, ge=1, description="The version you read (or send If-Match)")


class ReasonIn(VersionIn):
    reason: str = Field(min_length=1, max_length=2000)


class NoteIn(VersionIn):
    note: str | None = Field(default=None, max_length=2000)


class ItemAmendmentIn(_In):
    item: int = Field(ge=1, le=999)
    field: Literal[
        "line_code", "origin_country", "supplementary_quantity", "supplementary_unit", "net_mass_kg",
        "customs_value_dzd",
    ]  # fmt: skip
    value: str = Field(min_length=1, max_length=40, description="New value (decimal numbers as strings)")
    reason: str = Field(min_length=1, max_length=500)


class ControlResultIn(VersionIn):
    outcome: Literal["no_discrepancy", "discrepancy"]
    discrepancy_type: Literal["value", "classification", "origin", "quantity", "prohibited_goods"] | None = (
        None
    )
    notes: str | None = Field(default=None, max_length=4000)
    amendments: list[ItemAmendmentIn] = Field(default_factory=list, max_length=999)


class DrawOut(BaseModel):
    officer_id: int
    candidates: list[int]
    drawn_at: datetime


class ControlResultOut(BaseModel):
    id: int
    inspector_officer_id: int | None
    inspector_name: str
    recorded_at: datetime
    outcome: str
    discrepancy_type: str | None
    notes: str | None
    item_amendments: list[dict[str, Any]]

    @classmethod
    def of(cls, row: ControlResultRow) -> ControlResultOut:
        return cls(
            id=row.id, inspector_officer_id=row.inspector_officer_id, inspector_name=row.inspector_name,
            recorded_at=row.recorded_at, outcome=row.outcome, discrepancy_type=row.discrepancy_type,
            notes=row.notes, item_amendments=list(row.item_amendments or []),
        )  # fmt: skip


class OfficerDeclarationOut(BaseModel):
    """A declaration as officers see it: with the selectivity reasons and the inspector draw."""

    id: int
    version: int
    content_version: int
    number: str | None
    status: Status
    type: str
    regime: str
    office_code: str
    operator_id: int | None
    broker_id: int | None
    declarant_name: str
    channel: Channel | None
    channel_source: str | None
    channel_reasons: list[str]
    inspector_officer_id: int | None
    draw: DrawOut | None
    customs_value: Decimal | None
    total_due: Decimal | None
    currency: str = "DZD"
    assessment_confirmed: bool
    post_clearance_audit: bool
    registered_at: datetime | None
    assessed_at: datetime | None
    settled_at: datetime | None
    released_at: datetime | None
    exited_at: datetime | None
    rejection_reason: str | None
    allowed_actions: list[str]


class OfficerDetailOut(OfficerDeclarationOut):
    control_results: list[ControlResultOut]
    assessment: dict[str, Any] | None
