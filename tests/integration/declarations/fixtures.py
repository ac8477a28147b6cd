"""Builders for declaration tests: the demo data set, actors from its users, sample declarations."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.declarations.model import (
    Declaration,
    DeclarationType,
    DocumentRef,
    Incoterm,
    Item,
    Party,
    Regime,
    TransportMode,
)
from douane.declarations.ports import ChannelDecision, SelectivityRequest
from douane.demo import parties
from douane.demo.loader import load_demo
from douane.identity import service as identity
from douane.identity.model import Actor, Role
from douane.identity.tables import UserRow
from douane.kernel.clock import Clock
from douane.registry import service as registry

OFFICE = "16011"


class FixedSelectivity:
    """A selectivity port that always answers the same channel (tests only)."""

    def __init__(self, channel: str = "green") -> None:
        self.channel = channel
        self.requests: list[SelectivityRequest] = []

    def choose_channel(self, session: Session, clock: Clock, request: SelectivityRequest) -> ChannelDecision:
        self.requests.append(request)
        return ChannelDecision(channel=self.channel, reasons=("fixed for the test",), source="test")  # type: ignore[arg-type]


@dataclass(frozen=True)
class Demo:
    broker: Actor
    trader: Actor
    other_broker: Actor
    officer: Actor
    operator_nif: str
    other_operator_nif: str
    broker_id: int
    other_broker_id: int


def _actor(session: Session, username: str) -> Actor:
    user = session.scalars(select(UserRow).where(UserRow.username == username)).one()
    return identity.actor_of(user)


def load(ctx: Context) -> Demo:
    """The demo data set plus a second broker user (another firm, also approved at 16011)."""
    with ctx.db.transaction() as session:
        load_demo(session, ctx)
        other = parties.brokers()[1]
        other_broker = registry.list_brokers(session, q=other.licence_number)[0][0]
        if registry.broker_declaration_refusal(session, other_broker.id, OFFICE, date(2026, 3, 15)):
            registry.add_office_approval(session, ctx.clock, other_broker.id, office_code=OFFICE,
                                         valid_from=date(2026, 1, 1))  # fmt: skip
        identity.create_user(
            session, ctx.clock, ctx.passwords, username="broker2", full_name="Other Broker",
            password="test-pass-1234", roles={Role.BROKER}, broker_id=other_broker.id,
        )  # fmt: skip
        broker, trader = _actor(session, "broker"), _actor(session, "trader")
        demo = Demo(
            broker=broker, trader=trader, other_broker=_actor(session, "broker2"),
            officer=_actor(session, "inspector"), operator_nif=parties.operators()[0].nif,
            other_operator_nif=parties.operators()[1].nif, broker_id=broker.broker_id or 0,
            other_broker_id=other_broker.id,
        )  # fmt: skip
    return demo


def item(number: int, line_code: str = "8471301000", amount: str = "1000.00", **changes: object) -> Item:
    base = Item(
        number=number, line_code=line_code, description=f"Goods of item {number}", origin_country="CN",
        invoice_amount=Decimal(amount), net_mass_kg=Decimal("100"), gross_mass_kg=Decimal("110"), packages=10,
        package_kind="CT",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def import_declaration(
    operator_nif: str, *, items: tuple[Item, ...] | None = None, **changes: object
) -> Declaration:
    """An IM4 import, FOB in EUR, three items adding up to the invoice total, at Alger Port."""
    lines = (
        items
        if items is not None
        else (
            item(1, "8471301000", "12000.00"),
            item(2, "8450111000", "6000.00"),
            item(3, "6109101000", "2000.00"),
        )
    )
    base = Declaration(
        type=DeclarationType.IMPORT, regime=Regime.IM4, office_code=OFFICE, operator_nif=operator_nif,
        invoice_currency="EUR", invoice_total=sum((i.invoice_amount for i in lines), Decimal(0)),
        incoterm=Incoterm.FOB, items=lines, consignor=Party("Shenzhen Trading Co", country="CN"),
        dispatch_country="CN", transport_mode=TransportMode.SEA, transport_means="MSC ALGER",
        manifest_reference="2026/16011/0042", bill_of_lading="MSCUAB123456", freight=Decimal("800.00"),
        insurance=Decimal("120.00"), domiciliation_reference="BNA-2026-000123",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def with_document(declaration: Declaration, type_code: str) -> Declaration:
    doc = DocumentRef(
        type_code=type_code, number=f"DOC-{type_code}-1", issuer="Ministry", issued_on=date(2026, 3, 1)
    )
    return replace(declaration, documents=(*declaration.documents, doc))
