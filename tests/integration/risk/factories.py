"""Builders for risk tests: offices with inspectors posted and on duty (or not), selectivity requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from douane.declarations.ports import SelectivityRequest
from douane.kernel.clock import Clock
from douane.registry import service as registry
from douane.registry.tables import OfficerRow
from tests.integration.registry.factories import office


def offices(session: Session, clock: Clock, *codes: str) -> None:
    for code in codes:
        office(session, clock, code=code)


def inspector(
    session: Session,
    clock: Clock,
    number: str,
    *,
    office_code: str,
    on_duty: bool = True,
    role: str = "inspector",
    valid_from: date = date(2026, 1, 1),
    valid_to: date | None = None,
) -> OfficerRow:
    officer = registry.create_officer(
        session, clock, service_number=number, full_name=f"Inspecteur {number}", grade="inspecteur",
        on_duty=on_duty,
    )  # fmt: skip
    registry.add_posting(
        session,
        clock,
        officer.id,
        office_code=office_code,
        role=role,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    return officer


def request(declaration_id: int, office_code: str, registered_at: datetime) -> SelectivityRequest:
    return SelectivityRequest(
        declaration_id=declaration_id, office_code=office_code, regime="4000", operator_id=None,
        broker_id=None, item_lines=("0901110000",), origin_countries=("BR",), total_customs_value=None,
        registered_at=registered_at,
    )  # fmt: skip
