"""The values a targeting rule reads about a declaration: one mapping per goods item (see schema.py).

`RiskContext` carries what cannot be read from the declaration itself: the operator's registration date, the
operator's and the broker's control history as it stood when the declaration was registered, and the value
indicators. `load_context` reads it for one declaration at lodging; the backtest builds it in bulk for stored
declarations (backtest_service.py). `item_fields` (lodging, only the fields the active rules read) and
`item_fields_of_stored` (backtests, every field) compute each field with the same function, so a rule
backtested over history reads what it will read live.

Amounts are Decimal dinars, masses Decimal kilograms. Derived quotients are rounded to RATIO_PLACES decimal
places so that the closure and the batch back-ends see exactly the same numbers.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from douane.declarations import history_service as declarations
from douane.declarations.history_service import StoredDeclaration, StoredItem
from douane.declarations.ports import ItemFacts, SelectivityRequest
from douane.kernel.clock import ALGIERS, as_utc, local_date
from douane.kernel.money import Money
from douane.read_cache import cached, watch_writes
from douane.registry import service as registry
from douane.risk.tables import ValueIndicatorRow
from douane.risk.targeting.schema import DECLARATION_SCHEMA, HEADER_FIELDS

RATIO_PLACES = Decimal("0.000001")

# Indicators, and the parties' control histories read at lodging, are shared between units of work until an
# indicator or (watched by the declarations' history service) a control result is written.
watch_writes(ValueIndicatorRow)


# --- what the declaration does not say --------------------------------------------------------------


@dataclass(frozen=True)
class ControlHistory:
    """Declarations of one operator (or broker) controlled before a moment, and how many had a discrepancy."""

    controls: int = 0
    discrepancies: int = 0

    @classmethod
    def of_counts(cls, counts: declarations.ControlCounts) -> ControlHistory:
        return cls(counts.controls, counts.discrepancies)

    def discrepancy_rate(self) -> Decimal | None:
        if self.controls == 0:
            return None
        return _ratio(Decimal(self.discrepancies), Decimal(self.controls))


@dataclass(frozen=True)
class IndicatorPeriod:
    valid_from: date
    valid_to: date | None  # inclusive; None: open
    dinars_per_kg: Decimal


@dataclass(frozen=True)
class IndicatorBook:
    """Value indicators by (hs6, origin); origin None is the line's indicator for every other origin."""

    periods: Mapping[tuple[str, str | None], Sequence[IndicatorPeriod]] = field(default_factory=dict)

    @classmethod
    def of_rows(cls, rows: Iterable[ValueIndicatorRow]) -> IndicatorBook:
        periods: dict[tuple[str, str | None], list[IndicatorPeriod]] = {}
        for row in rows:
            period = IndicatorPeriod(row.valid_from, row.valid_to, Decimal(row.centimes_per_kg).scaleb(-2))
            periods.setdefault((row.hs6, row.origin), []).append(period)
        for line in periods.values():
            line.sort(key=lambda period: period.valid_from)
        return cls(periods)

    def in_force(self, hs6: str, origin: str | None, on: date) -> Decimal | None:
        """DZD per kg for the line and origin on that date, else the line's any-origin one, else None."""
        for key in ((hs6, origin), (hs6, None)):
            value = _in_force(self.periods.get(key, ()), on)
            if value is not None:
                return value
        return None


def _in_force(periods: Sequence[IndicatorPeriod], on: date) -> Decimal | None:
    index = bisect.bisect_right([period.valid_from for period in periods], on) - 1
    if index < 0:
        return None
    period = periods[index]
    if period.valid_to is not None and period.valid_to < on:
        return None
    return period.dinars_per_kg


NO_HISTORY = ControlHistory()
NO_INDICATORS = IndicatorBook()


@dataclass(frozen=True)
class RiskContext:
    """What a rule needs about a declaration beyond the declaration itself, as of its registration."""

    on: date  # registration date (Africa/Algiers): the date indicators are read at
    operator_registered_on: date | None = None
    operator_history: ControlHistory = NO_HISTORY
    broker_licence: str = ""
    broker_history: ControlHistory = NO_HISTORY
    indicators: IndicatorBook = NO_INDICATORS


def functions(context: RiskContext) -> dict[str, Callable[..., Any]]:
    """The functions of DECLARATION_SCHEMA, as of the context's date."""

    def indicator(hs6: str, origin: str) -> Decimal | None:
        return context.indicators.in_force(hs6, origin, context.on)

    return {"indicator": indicator}


@dataclass(frozen=True)
class Reads:
    """The fields a set of rules reads and the functions it calls: the facts worth building for it."""

    fields: frozenset[str]
    functions: frozenset[str] = frozenset()

    def overlaps(self, other: Reads) -> bool:
        """Whether these reads share a field or a function with the other."""
        return not (self.fields.isdisjoint(other.fields) and self.functions.isdisjoint(other.functions))

    @cached_property
    def context_parts(self) -> frozenset[str]:
        """The parts of a RiskContext these fields and functions depend on."""
        return frozenset(part for part, reads in _READ_FROM_CONTEXT.items() if self.overlaps(reads))


_READ_FROM_CONTEXT = {
    "operator_registered_on": Reads(frozenset({"operator_days_registered"})),
    "operator_history": Reads(frozenset({"operator_controls", "operator_discrepancy_rate"})),
    "broker_licence": Reads(frozenset({"broker"})),
    "broker_history": Reads(frozenset({"broker_discrepancy_rate"})),
    "indicators": Reads(frozenset({"indicator_ratio"}), frozenset({"indicator"})),
}
"""The fields and functions each part of a RiskContext feeds (a test checks none is missing)."""


EVERY_FIELD = frozenset(DECLARATION_SCHEMA.fields)
EVERYTHING = Reads(EVERY_FIELD, frozenset(DECLARATION_SCHEMA.functions))


# --- loading the context for one declaration --------------------------------------------------------


def load_context(session: Session, request: SelectivityRequest, reads: Reads = EVERYTHING) -> RiskContext:
    """The context of a declaration at lodging: history counts only results recorded before registration.

    With `reads`, only the parts its fields and functions depend on are read; the others stay empty."""
    moment = as_utc(request.registered_at)
    parts = reads.context_parts
    operator_id, broker_id = request.operator_id, request.broker_id
    registered_on, licence = None, ""
    operator_history = broker_history = NO_HISTORY
    indicators = NO_INDICATORS
    if "operator_registered_on" in parts:
        registered_on = _operator_registered_on(session, operator_id)
    if "operator_history" in parts:
        operator_history = _history(session, declarations.operator_control_counts, operator_id, moment)
    if "broker_licence" in parts:
        licence = _broker_licence(session, broker_id)
    if "broker_history" in parts:
        broker_history = _history(session, declarations.broker_control_counts, broker_id, moment)
    if "indicators" in parts:
        indicators = indicators_for_lines(session, {_hs6(item.line_code) for item in request.items})
    return RiskContext(
        on=local_date(moment), operator_registered_on=registered_on, operator_history=operator_history,
        broker_licence=licence, broker_history=broker_history, indicators=indicators,
    )  # fmt: skip


def _operator_registered_on(session: Session, operator_id: int | None) -> date | None:
    if operator_id is None:
        return None

    def load() -> date | None:
        return registry.operator_registration_dates(session, [operator_id]).get(operator_id)

    return cached(session, ("risk.operator_registered_on", operator_id), load, shared=True)


def _broker_licence(session: Session, broker_id: int | None) -> str:
    if broker_id is None:
        return ""

    def load() -> str:
        return registry.broker_licence_numbers(session, [broker_id]).get(broker_id, "")

    return cached(session, ("risk.broker_licence", broker_id), load, shared=True)


def _history(
    session: Session,
    counts: Callable[[Session, int, datetime], declarations.ControlCounts],
    party_id: int | None,
    before: datetime,
) -> ControlHistory:
    """Distinct declarations of the party with a control result recorded before `before` (now, at lodging: a
    history read earlier is reused until a control result is written, so it is the history at this moment)."""
    if party_id is None:
        return ControlHistory()

    def load() -> ControlHistory:
        return ControlHistory.of_counts(counts(session, party_id, before))

    return cached(session, ("risk.control_history", counts.__name__, party_id, local_date(before)), load,
                  shared=True)  # fmt: skip


def indicators_for_lines(session: Session, hs6_lines: Iterable[str]) -> IndicatorBook:
    """Every indicator period of these lines (all dates), shared between units of work until one changes."""
    lines = tuple(sorted(set(hs6_lines)))
    if not lines:
        return IndicatorBook()
    return cached(session, ("risk.indicators", lines), lambda: _load_indicators(session, lines), shared=True)


def _load_indicators(session: Session, lines: Sequence[str]) -> IndicatorBook:
    rows = session.scalars(select(ValueIndicatorRow).where(ValueIndicatorRow.hs6.in_(lines))).all()
    return IndicatorBook.of_rows(rows)


def indicators_between(session: Session, start: date | None, end: date | None) -> IndicatorBook:
    """Every indicator period overlapping [start, end] (for a backtest over history)."""
    query = select(ValueIndicatorRow)
    if end is not None:
        query = query.where(ValueIndicatorRow.valid_from <= end)
    if start is not None:
        query = query.where(or_(ValueIndicatorRow.valid_to.is_(None), ValueIndicatorRow.valid_to >= start))
    return IndicatorBook.of_rows(session.scalars(query).all())


# --- the fields -------------------------------------------------------------------------------------


def item_fields(
    request: SelectivityRequest, context: RiskContext, fields: frozenset[str] = EVERY_FIELD
) -> list[dict[str, Any]]:
    """DECLARATION_SCHEMA's fields, one dict per goods item, for a declaration being lodged; with `fields`,
    only those (a rule set reads a few: the others are not computed)."""
    header_names = _header_fields_among(fields)
    common: dict[str, Any] = {}
    if header_names:
        every = _header_values(_header_of(request), len(request.items), context)
        common = {name: every[name] for name in header_names}
    return _item_rows(common, request.items, context, _item_values_among(fields))


def _header_of(request: SelectivityRequest) -> _Header:
    return _Header(
        declaration_type=request.declaration_type, regime=request.regime, office=request.office_code,
        operator=request.operator_nif, dispatch_country=request.dispatch_country,
        destination_country=request.destination_country, transport_mode=request.transport_mode,
        incoterm=request.incoterm, currency=request.invoice_currency,
        invoice_total_dzd=_dinars(request.invoice_total_dzd), registered_at=request.registered_at,
    )  # fmt: skip


def item_fields_of_stored(declaration: StoredDeclaration, context: RiskContext) -> list[dict[str, Any]]:
    """Every field for a stored declaration (customs value as assessed, else as declared)."""
    header = _Header(
        declaration_type=declaration.type, regime=declaration.regime, office=declaration.office_code,
        operator=declaration.operator_nif, dispatch_country=declaration.dispatch_country,
        destination_country=declaration.destination_country, transport_mode=declaration.transport_mode,
        incoterm=declaration.incoterm, currency=declaration.invoice_currency,
        invoice_total_dzd=_stored_invoice_total_dzd(declaration),
        registered_at=declaration.registered_at,
    )  # fmt: skip
    items = [_stored_item(item) for item in declaration.items]
    common = _header_values(header, len(items), context)
    return _item_rows(common, items, context, _item_values_among(EVERY_FIELD))


def _stored_invoice_total_dzd(declaration: StoredDeclaration) -> Decimal | None:
    """The invoice total in dinars at the rate of the stored assessment, as lodging computed it."""
    if declaration.invoice_currency == "DZD":
        return declaration.invoice_total
    rate = (declaration.assessment or {}).get("exchange_rate_used")
    if rate is None:
        return None
    return (declaration.invoice_total * Decimal(str(rate))).quantize(Decimal("0.01"))


def _stored_item(item: StoredItem) -> ItemFacts:
    value = item.assessed_customs_value
    if value is None and item.customs_value_dzd is not None:
        value = Money.of(item.customs_value_dzd)
    return ItemFacts(
        number=item.number, line_code=item.line_code, origin_country=item.origin_country,
        description=item.description, net_mass_kg=item.net_mass_kg, gross_mass_kg=item.gross_mass_kg,
        customs_value_dzd=value, preference=item.preference,
        supplementary_quantity=item.supplementary_quantity,
    )  # fmt: skip


_ItemValue = Callable[[ItemFacts, RiskContext], Any]


def _item_rows(
    header_values: dict[str, Any],
    items: Sequence[ItemFacts],
    context: RiskContext,
    item_values: tuple[tuple[str, _ItemValue], ...],
) -> list[dict[str, Any]]:
    """One dict per item: the header's values, then each of `item_values` computed for the item."""
    rows = []
    for item in items:
        values = header_values.copy()
        for name, compute in item_values:
            values[name] = compute(item, context)
        rows.append(values)
    return rows


@dataclass(frozen=True)
class _Header:
    declaration_type: str
    regime: str
    office: str
    operator: str
    dispatch_country: str | None
    destination_country: str | None
    transport_mode: str | None
    incoterm: str | None
    currency: str | None
    invoice_total_dzd: Decimal | None
    registered_at: datetime


@lru_cache(maxsize=64)
def _header_fields_among(wanted: frozenset[str]) -> tuple[str, ...]:
    return tuple(name for name in HEADER_FIELDS if name in wanted)


def _header_values(header: _Header, item_count: int, context: RiskContext) -> dict[str, Any]:
    local = as_utc(header.registered_at).astimezone(ALGIERS)
    registered_on = context.operator_registered_on
    registered_days = (context.on - registered_on).days if registered_on is not None else None
    return {
        "declaration_type": header.declaration_type,
        "regime": header.regime,
        "office": header.office,
        "operator": header.operator,
        "broker": context.broker_licence,
        "dispatch_country": header.dispatch_country,
        "destination_country": header.destination_country,
        "transport_mode": header.transport_mode,
        "incoterm": header.incoterm,
        "currency": header.currency,
        "invoice_total_dzd": header.invoice_total_dzd,
        "item_count": item_count,
        "operator_days_registered": registered_days,
        "operator_controls": context.operator_history.controls,
        "operator_discrepancy_rate": context.operator_history.discrepancy_rate(),
        "broker_discrepancy_rate": context.broker_history.discrepancy_rate(),
        "lodged_on": local.date(),
        "weekday": local.isoweekday(),
        "hour": local.hour,
    }


_ITEM_VALUES: dict[str, _ItemValue] = {
    "hs10": lambda item, _: item.line_code,
    "hs6": lambda item, _: _hs6(item.line_code),
    "hs4": lambda item, _: item.line_code[:4],
    "hs2": lambda item, _: item.line_code[:2],
    "hs_prefixes": lambda item, _: _hs_prefixes(item.line_code),
    "origin": lambda item, _: item.origin_country,
    "preference": lambda item, _: item.preference,
    "description": lambda item, _: item.description,
    "quantity": lambda item, _: item.supplementary_quantity,
    "net_mass_kg": lambda item, _: item.net_mass_kg,
    "gross_mass_kg": lambda item, _: item.gross_mass_kg,
    "customs_value_dzd": lambda item, _: _dinars(item.customs_value_dzd),
    "value_per_kg": lambda item, _: _value_per_kg(item),
    "value_per_unit": lambda item, _: _ratio(_dinars(item.customs_value_dzd), item.supplementary_quantity),
    "indicator_ratio": lambda item, context: _ratio(_value_per_kg(item), _indicator(item, context)),
}
"""How each item field is computed, at lodging and in backtests alike."""


@lru_cache(maxsize=64)
def _item_values_among(wanted: frozenset[str]) -> tuple[tuple[str, _ItemValue], ...]:
    return tuple((name, value) for name, value in _ITEM_VALUES.items() if name in wanted)


def _hs_prefixes(line: str) -> list[str]:
    return list(dict.fromkeys(line[:size] for size in (2, 4, 6, len(line))))


def _value_per_kg(item: ItemFacts) -> Decimal | None:
    return _ratio(_dinars(item.customs_value_dzd), item.net_mass_kg)


def _indicator(item: ItemFacts, context: RiskContext) -> Decimal | None:
    return context.indicators.in_force(_hs6(item.line_code), item.origin_country, context.on)


def _hs6(line_code: str) -> str:
    return line_code[:6]


def _dinars(value: Money | None) -> Decimal | None:
    return value.amount if value is not None else None


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator rounded to RATIO_PLACES; missing when either is missing or the divisor is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return (numerator / denominator).quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN)


__all__ = [
    "EVERYTHING",
    "EVERY_FIELD",
    "NO_HISTORY",
    "NO_INDICATORS",
    "ControlHistory",
    "IndicatorBook",
    "IndicatorPeriod",
    "Reads",
    "RiskContext",
    "functions",
    "indicators_between",
    "indicators_for_lines",
    "item_fields",
    "item_fields_of_stored",
    "load_context",
]
