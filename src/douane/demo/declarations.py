"""Demo goods declarations at Alger Port, one in each state a user meets first, each walked there through
the real use cases (lodging, control, assessment, cashier, guarantee, release) so that their history,
amounts due and receipts are what the system itself would have written.

The channel is fixed per declaration (`DemoChannel`) instead of drawn; an inspector drawn for a yellow or
red declaration is redrawn by the office chief until it is the demo `inspector`, so that user finds them in
the work queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.declarations import control, lodging, service
from douane.declarations.control import ItemAmendment
from douane.declarations.model import (
    Declaration,
    DeclarationType,
    Incoterm,
    Item,
    Party,
    Regime,
    TransportMode,
)
from douane.declarations.ports import ChannelDecision, ChannelName, SelectivityRequest
from douane.declarations.tables import DeclarationRow
from douane.demo import parties
from douane.identity import service as identity
from douane.identity.model import Actor
from douane.kernel.clock import Clock
from douane.payments import service as payments

OFFICE = "16011"
OPERATORS = parties.operators()


class DemoChannel:
    """A selectivity port answering one channel, for the demo data only."""

    def __init__(self, channel: ChannelName) -> None:
        self.channel: ChannelName = channel

    def choose_channel(self, session: Session, clock: Clock, request: SelectivityRequest) -> ChannelDecision:
        return ChannelDecision(channel=self.channel, reasons=("demo data",), source="demo")


@dataclass(frozen=True)
class Staff:
    broker: Actor
    inspector: Actor
    liquidator: Actor
    cashier: Actor
    chief: Actor


def _actor(session: Session, username: str) -> Actor:
    actor = identity.active_actor(session, username)
    if actor is None:
        raise LookupError(f"the demo user {username} is missing")
    return actor


def _item(
    number: int, line_code: str, description: str, amount: str, net_kg: str, *, origin: str = "CN",
    packages: int = 10,
) -> Item:  # fmt: skip
    net = Decimal(net_kg)
    return Item(
        number=number, line_code=line_code, description=description, origin_country=origin,
        invoice_amount=Decimal(amount), net_mass_kg=net, gross_mass_kg=net * Decimal("1.08"), packages=packages,
        package_kind="CT",
    )  # fmt: skip


def _declaration(
    operator: int, items: tuple[Item, ...], *, regime: Regime = Regime.IM4, reference: str, consignor: str
) -> Declaration:
    """An import at Alger Port, FOB in EUR, for the demo operator number `operator`."""
    return Declaration(
        type=DeclarationType.IMPORT, regime=regime, office_code=OFFICE,
        operator_nif=OPERATORS[operator].nif, invoice_currency="EUR",
        invoice_total=sum((i.invoice_amount for i in items), Decimal(0)), incoterm=Incoterm.FOB, items=items,
        consignor=Party(consignor, country=items[0].origin_country), dispatch_country=items[0].origin_country,
        transport_mode=TransportMode.SEA, transport_means="MSC ALGER", manifest_reference=f"2026/{OFFICE}/0{reference}",
        bill_of_lading=f"MSCU{reference}7731", freight=Decimal("850.00"), insurance=Decimal("95.00"),
        domiciliation_reference=f"BNA-2026-00{reference}",
    )  # fmt: skip


LAPTOPS = _declaration(
    0,
    (
        _item(1, "8471301000", "Portable computers 14 inch", "14000.00", "240"),
        _item(2, "8518309000", "Wireless headphones", "3500.00", "60"),
    ),
    reference="4101",
    consignor="Shenzhen Bright Electronics Co",
)
SHIRTS = _declaration(
    2,
    (
        _item(1, "6109101000", "Cotton T-shirts, men", "6200.00", "900", origin="TR"),
        _item(2, "6203429000", "Cotton trousers, men", "4800.00", "700", origin="TR"),
    ),
    reference="4102",
    consignor="Istanbul Tekstil A.S.",
)
WASHERS = _declaration(
    0,
    (_item(1, "8450111000", "Washing machines 8 kg", "21000.00", "3900", packages=60),),
    reference="4103",
    consignor="Qingdao Home Appliances Ltd",
)
TYRES = _declaration(
    3,
    (_item(1, "4011109000", "Passenger car tyres 205/55 R16", "9600.00", "2400", packages=240, origin="VN"),),
    reference="4104",
    consignor="Saigon Rubber JSC",
)
LOADER = _declaration(
    0,
    (
        _item(
            1,
            "8429511000",
            "Front-end loader for a motorway site",
            "86000.00",
            "16500",
            packages=1,
            origin="IT",
        ),
    ),
    regime=Regime.IM5,
    reference="4105",
    consignor="Macchine Movimento Terra S.p.A.",
)
MAYONNAISE = _declaration(
    0,
    (_item(1, "2103901000", "Mayonnaise in 1 kg jars", "5400.00", "3000", origin="FR"),),
    reference="4106",
    consignor="Sauces de Provence SAS",
)  # the line requires documents 902 and 910, not attached yet: the draft keeps its findings


def load_declarations(session: Session, ctx: Context) -> dict[str, int]:
    """Lodge and walk the demo declarations; returns their ids by the state they were left in."""
    staff = Staff(
        *(_actor(session, name) for name in ("broker", "inspector", "liquidator", "cashier", "chief"))
    )
    clock = ctx.clock
    ids = {"draft_with_findings": service.create_draft(session, clock, staff.broker, MAYONNAISE).id}
    released = _lodge(session, clock, staff, LAPTOPS, "green")
    _confirm_and_pay(session, clock, staff, released)
    control.release(session, clock, released.id, by=staff.inspector)
    ids["released"] = released.id
    ids["under_control"] = _taken_for_control(session, clock, staff, SHIRTS, "yellow").id
    assessed = _taken_for_control(session, clock, staff, WASHERS, "red")
    control.record_control_result(
        session, clock, assessed.id, by=staff.inspector, outcome="discrepancy", discrepancy_type="value",
        notes="Invoice below the manufacturer's export price list",
        amendments=[ItemAmendment(1, "customs_value_dzd", "3600000", "Export price list of the manufacturer")],
    )  # fmt: skip
    control.confirm_assessment(session, clock, assessed.id, by=staff.liquidator)
    ids["awaiting_payment"] = assessed.id
    paid = _lodge(session, clock, staff, TYRES, "blue")
    _confirm_and_pay(session, clock, staff, paid)
    ids["paid"] = paid.id
    suspended = _lodge(session, clock, staff, LOADER, "green")
    control.confirm_assessment(session, clock, suspended.id, by=staff.liquidator)
    ids["awaiting_guarantee"] = suspended.id
    return ids


def _lodge(
    session: Session, clock: Clock, staff: Staff, content: Declaration, channel: ChannelName
) -> DeclarationRow:
    return lodging.lodge_new(session, clock, staff.broker, content, selectivity=DemoChannel(channel))


def _taken_for_control(
    session: Session, clock: Clock, staff: Staff, content: Declaration, channel: ChannelName
) -> DeclarationRow:
    """Lodged on a controlled channel, drawn to the demo inspector, who has started the control."""
    row = _lodge(session, clock, staff, content, channel)
    if row.inspector_officer_id != staff.inspector.officer_id:
        control.draw_inspector(session, clock, row.id, by=staff.chief)
    control.take_for_control(session, clock, row.id, by=staff.inspector)
    return row


def _confirm_and_pay(session: Session, clock: Clock, staff: Staff, row: DeclarationRow) -> None:
    control.confirm_assessment(session, clock, row.id, by=staff.liquidator)
    dues, _ = payments.list_amounts_due(session, viewer=None, subject_reference=row.number)
    due = dues[0]
    payments.record_payment(
        session, clock, due.id, amount=due.total, method="bank_transfer", method_reference=f"VIR-{row.number}",
        payer=_operator_name(row.operator_nif), idempotency_key=f"demo-{row.number}", by=staff.cashier,
    )  # fmt: skip


def _operator_name(nif: str) -> str:
    return next(o.legal_name_fr for o in OPERATORS if o.nif == nif)
