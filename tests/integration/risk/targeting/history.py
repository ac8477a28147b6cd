"""Builders for targeting tests: stored declarations with items and control results, written as rows.

Lodging is not walked here: the targeting code reads stored rows, so the tests write exactly the rows they
reason about (registration moment, channel, customs values, recorded control outcomes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from douane.declarations.tables import ControlResultRow, DeclarationItemRow, DeclarationRow
from douane.identity import service as identity
from douane.identity.model import Role
from douane.identity.passwords import Passwords
from douane.kernel.clock import Clock
from douane.kernel.money import Money
from douane.registry import service as registry
from tests.integration.registry.factories import nif, office, operator


@dataclass(frozen=True)
class Parties:
    user_id: int
    operator_ids: tuple[int, ...]
    broker_id: int


def parties(session: Session, clock: Clock, *, operators: int = 2) -> Parties:
    """Offices 16011 and 31011, operators registered on 2025-01-01, one broker (licence 16-0001)."""
    office(session, clock, code="16011")
    office(session, clock, code="31011")
    operator_ids = tuple(
        operator(session, clock, n, name=f"Operator {n}", registered_on=date(2025, 1, 1)).id
        for n in range(1, operators + 1)
    )
    broker = registry.register_broker(
        session, clock, licence_number="16-0001", firm_name="Transit Sahel", holder_name="K. Amrani",
        nif=nif(900), licence_valid_from=date(2024, 1, 1),
    )  # fmt: skip
    user = identity.create_user(
        session, clock, Passwords(1, 64), username="declarant", full_name="Declarant",
        password="test-pass-1234", roles={Role.INSPECTOR},
    )  # fmt: skip
    return Parties(user.id, operator_ids, broker.id)


@dataclass(frozen=True)
class Line:
    line_code: str = "8703231100"
    origin: str = "DE"
    value: str = "1000000"  # dinars, assessed
    mass: str = "1000"  # kg net


def declaration(
    session: Session,
    who: Parties,
    registered_at: datetime,
    lines: tuple[Line, ...] = (Line(),),
    *,
    operator_index: int = 0,
    office_code: str = "16011",
    channel: str = "green",
    broker: bool = False,
    control: str | None = None,  # "no_discrepancy" or "discrepancy"
    recorded_at: datetime | None = None,
    nif_value: str | None = None,
) -> DeclarationRow:
    operator_id = who.operator_ids[operator_index]
    row = DeclarationRow(
        status="released", type="import", regime="4000", office_code=office_code,
        declarant_user_id=who.user_id, declarant_name="Declarant",
        broker_id=who.broker_id if broker else None,
        operator_id=operator_id, operator_nif=nif_value or nif(operator_index + 1), dispatch_country="DE",
        invoice_currency="DZD", invoice_total=sum((Decimal(line.value) for line in lines), Decimal(0)),
        incoterm="CIF", transport_mode="1", channel=channel, created_at=registered_at,
        updated_at=registered_at, registered_at=registered_at,
    )  # fmt: skip
    session.add(row)
    session.flush()
    for number, line in enumerate(lines, start=1):
        session.add(
            DeclarationItemRow(
                declaration_id=row.id,
                number=number,
                line_code=line.line_code,
                description="goods",
                origin_country=line.origin,
                invoice_amount=Decimal(line.value),
                net_mass_kg=Decimal(line.mass),
                gross_mass_kg=Decimal(line.mass),
                customs_value_dzd=Decimal(line.value),
                assessed_customs_value=Money.of(line.value),
            )
        )
    if control is not None:
        session.add(
            ControlResultRow(
                declaration_id=row.id,
                inspector_name="Inspecteur",
                outcome=control,
                discrepancy_type="value" if control == "discrepancy" else None,
                recorded_at=recorded_at or registered_at,
            )
        )
    session.flush()
    return row


def at(day: int, month: int = 3, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)
