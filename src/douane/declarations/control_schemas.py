"""Request and response bodies of the officer actions (control_api.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from douane.declarations.model import Channel, DischargeMethod, Status
from douane.declarations.tables import ControlResultRow, DischargeRow


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


class DischargeIn(VersionIn):
    """How the suspensive regime ended: `re_export` (the EX3 declaration's number) or `free_circulation` (the
    IM4 declaration's number) for IM5 and IM7; `arrival` (office of destination and day) for TR."""

    method: DischargeMethod
    reference_number: str | None = Field(default=None, max_length=24, description="OFFICE/YEAR/SEQUENCE")
    destination_office: str | None = Field(default=None, pattern=r"^[0-9]{5}$")
    arrived_on: date | None = Field(default=None, ge=date(2000, 1, 1), le=date(2999, 12, 31))
    reason: str = Field(min_length=1, max_length=2000)


class DischargeOut(BaseModel):
    method: DischargeMethod
    reference_declaration_id: int | None
    reference_number: str | None
    destination_office: str | None
    arrived_on: date | None
    reason: str
    officer_name: str
    discharged_at: datetime

    @classmethod
    def of(cls, row: DischargeRow) -> DischargeOut:
        return cls(
            method=DischargeMethod(row.method), reference_declaration_id=row.reference_declaration_id,
            reference_number=row.reference_number, destination_office=row.destination_office_code,
            arrived_on=row.arrived_on, reason=row.reason, officer_name=row.officer_name,
            discharged_at=row.discharged_at,
        )  # fmt: skip


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
    discharge: DischargeOut | None = None
