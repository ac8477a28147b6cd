"""Ports the declarations context calls through; other contexts implement them.

`SelectivityPort` chooses a declaration's control channel; `douane.risk.selectivity.DefaultSelectivity`
implements it (shares per channel and office, a cryptographic draw, every decision stored).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, NamedTuple, Protocol

from sqlalchemy.orm import Session

from douane.kernel.clock import Clock
from douane.kernel.money import Money

ChannelName = Literal["green", "yellow", "red", "blue"]


class ItemFacts(NamedTuple):
    """One goods item as risk management reads it (customs value as assessed at registration). A named
    tuple, like the request: a lodging builds one per item, and a frozen dataclass's setting of its fields
    one by one cost three times as much."""

    number: int
    line_code: str
    origin_country: str
    description: str
    net_mass_kg: Decimal
    gross_mass_kg: Decimal
    customs_value_dzd: Money | None
    preference: str | None = None
    supplementary_quantity: Decimal | None = None
    invoice_amount: Decimal | None = None  # in the invoice currency


class SelectivityRequest(NamedTuple):
    """What selectivity may know about a registered declaration."""

    declaration_id: int
    office_code: str
    regime: str
    operator_id: int | None
    broker_id: int | None
    item_lines: tuple[str, ...]
    origin_countries: tuple[str, ...]
    total_customs_value: Money | None
    registered_at: datetime
    declaration_type: str = "import"
    operator_nif: str = ""
    dispatch_country: str | None = None
    destination_country: str | None = None
    transport_mode: str | None = None
    transport_means: str | None = None  # vehicle registration, vessel or flight
    bill_of_lading: str | None = None
    manifest_reference: str | None = None
    containers: tuple[str, ...] = ()  # ISO 6346 numbers
    incoterm: str | None = None
    invoice_currency: str | None = None
    invoice_total_dzd: Money | None = None  # at the exchange rate of the registration date
    items: tuple[ItemFacts, ...] = ()


@dataclass(frozen=True)
class ChannelDecision:
    """The channel chosen, why (shown to officers only, never to declarants) and which engine chose it."""

    channel: ChannelName
    reasons: tuple[str, ...] = ()
    source: str = "default"


class SelectivityPort(Protocol):
    def choose_channel(
        self, session: Session, clock: Clock, request: SelectivityRequest
    ) -> ChannelDecision: ...
