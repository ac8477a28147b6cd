"""Builders for payments tests: a collection office and its declaration offices, a posted cashier,
an amount due opened the way the declarations context will open it, and an isolated event bus."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest
from sqlalchemy.orm import Session

from douane.audit.service import ActorRef
from douane.identity.model import Actor, Role
from douane.kernel.clock import Clock
from douane.kernel.events import EventBus
from douane.kernel.money import Money
from douane.payments import service
from douane.payments.events import AmountDueSettled
from douane.payments.tables import AmountDueRow
from douane.registry import service as registry
from douane.registry.model import PostingRole
from douane.registry.tables import CustomsOfficeRow, OfficerRow

LIQUIDATOR = ActorRef(7, "liquidator")
LINES = (("DD", Money.of("15000")), ("TCS", Money.of("3000")), ("TVA", Money.of("22230")))  # 40 230 DZD


def office(session: Session, clock: Clock, code: str, collection: str | None = None) -> CustomsOfficeRow:
    if not registry.list_directorates(session):
        registry.upsert_directorate(session, clock, code="ALP", name_fr="Alger", name_ar="الجزائر", by=None)
    return registry.create_office(
        session, clock, code=code, name_fr=f"Bureau {code}", name_ar=f"مكتب {code}", name_en=f"Office {code}",
        kind="sea_port", regional_directorate="ALP", collection_office=collection, regimes=["IM4"], by=None,
    )  # fmt: skip


def offices(session: Session, clock: Clock) -> None:
    """Recette 16000 collects for office 16011; office 31011 is its own collection office."""
    office(session, clock, "16000")
    office(session, clock, "16011", collection="16000")
    office(session, clock, "31011")


def officer(
    session: Session, clock: Clock, number: str, office_code: str, role: PostingRole = PostingRole.CASHIER,
    valid_from: date = date(2026, 1, 1),
) -> OfficerRow:  # fmt: skip
    row = registry.create_officer(
        session, clock, service_number=number, full_name=f"Agent {number}", grade="inspecteur", on_duty=True
    )
    registry.add_posting(session, clock, row.id, office_code=office_code, role=role, valid_from=valid_from)
    return row


def cashier(officer_id: int | None, name: str = "cashier", user_id: int = 11) -> Actor:
    return Actor(user_id=user_id, username=name, roles=frozenset({Role.CASHIER}), officer_id=officer_id)


def open_due(
    session: Session, clock: Clock, subject_id: int, *, office_code: str = "16011",
    operator_id: int | None = None, broker_id: int | None = None,
    lines: Sequence[tuple[str, Money]] = LINES,
) -> AmountDueRow:  # fmt: skip
    return service.open_amount_due(
        session, clock, subject_kind="declaration", subject_id=subject_id,
        subject_reference=f"{office_code}/2026/{subject_id:06d}", office_code=office_code,
        operator_id=operator_id, broker_id=broker_id, lines=lines, by=LIQUIDATOR,
    )  # fmt: skip


class SettlementRecorder:
    """A subscriber to AmountDueSettled that remembers what it heard."""

    def __init__(self) -> None:
        self.heard: list[AmountDueSettled] = []

    def __call__(self, session: Session, clock: Clock, event: AmountDueSettled) -> None:
        self.heard.append(event)


def isolated_bus(monkeypatch: pytest.MonkeyPatch) -> SettlementRecorder:
    """Payments publish on a fresh bus with one recorder (other contexts' handlers need real subjects)."""
    bus = EventBus()
    recorder = SettlementRecorder()
    bus.subscribe(AmountDueSettled, recorder)
    monkeypatch.setattr(service, "bus", bus)
    return recorder
