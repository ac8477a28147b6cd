"""What other contexts may read of stored declarations and their control results, as plain values.

Risk reads the history here (targeting facts at lodging, backtests, value indicators, notice outcomes,
monthly figures, the labelled export) instead of querying the declarations' tables. Every read is in bulk:
a fixed number of statements (one per chunk of ids for the long lists), whatever the number of rows.

A declaration's last control result is the one recorded last (recording time, then id). The reads that pick it
inside SQL take the highest id, the same row: results are appended as they are recorded.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Select, Subquery, case, distinct, func, or_, select
from sqlalchemy.orm import Session, lazyload

from douane.declarations.model import ControlOutcome
from douane.declarations.tables import ControlResultRow, DeclarationItemRow, DeclarationRow
from douane.kernel.clock import end_of_local_day, start_of_local_day
from douane.kernel.money import Money
from douane.read_cache import watch_writes

# A reader may share what it read of control results between units of work until one is written.
watch_writes(ControlResultRow)

IDS_PER_STATEMENT = 5000
PARTIES_PER_STATEMENT = 2000
DISCREPANCY = ControlOutcome.DISCREPANCY.value


@dataclass(frozen=True, slots=True)
class StoredItem:
    """A goods item as stored: declared values, and the customs value as last assessed."""

    number: int
    line_code: str
    description: str
    origin_country: str
    preference: str | None
    invoice_amount: Decimal
    net_mass_kg: Decimal
    gross_mass_kg: Decimal
    supplementary_quantity: Decimal | None
    customs_value_dzd: Decimal | None  # declared
    assessed_customs_value: Money | None


@dataclass(frozen=True, slots=True)
class StoredDeclaration:
    """A registered declaration's header and items as stored (`assessment` is the engine's breakdown)."""

    id: int
    number: str | None
    type: str
    regime: str
    office_code: str
    operator_id: int | None
    operator_nif: str
    broker_id: int | None
    dispatch_country: str | None
    destination_country: str | None
    transport_mode: str | None
    incoterm: str
    invoice_currency: str
    invoice_total: Decimal
    assessment: Mapping[str, Any] | None
    channel: str | None
    registered_at: datetime
    items: tuple[StoredItem, ...]


@dataclass(frozen=True, slots=True)
class ControlCounts:
    """Distinct declarations with a control result, and those of them with a discrepancy found."""

    controls: int = 0
    discrepancies: int = 0


@dataclass(frozen=True, slots=True)
class LastControl:
    outcome: str
    discrepancy_type: str | None
    item_amendments: tuple[Mapping[str, Any], ...]  # {"item", "field", "from", "to", "reason"}


class PartyControl(NamedTuple):
    """One control result of a declaration, with the declaration's operator and broker."""

    declaration_id: int
    recorded_at: datetime
    outcome: str
    operator_id: int | None
    broker_id: int | None


class ReleasedItem(NamedTuple):
    declaration_id: int
    line_code: str
    origin_country: str
    assessed_customs_value: Money | None
    net_mass_kg: Decimal


# --- the parties' control history -------------------------------------------------------------------


def operator_control_counts(session: Session, operator_id: int, before: datetime) -> ControlCounts:
    """The operator's declarations with a control result recorded before `before` (one statement)."""
    return _control_counts(session, DeclarationRow.operator_id == operator_id, before)


def broker_control_counts(session: Session, broker_id: int, before: datetime) -> ControlCounts:
    """The broker's declarations with a control result recorded before `before` (one statement)."""
    return _control_counts(session, DeclarationRow.broker_id == broker_id, before)


def _control_counts(session: Session, of_party: Any, before: datetime) -> ControlCounts:
    discrepant = case((ControlResultRow.outcome == DISCREPANCY, ControlResultRow.declaration_id))
    query = (
        select(func.count(distinct(ControlResultRow.declaration_id)), func.count(distinct(discrepant)))
        .join(DeclarationRow, DeclarationRow.id == ControlResultRow.declaration_id)
        .where(of_party, ControlResultRow.recorded_at < before)
    )
    controls, discrepancies = session.execute(query).one()
    return ControlCounts(int(controls or 0), int(discrepancies or 0))


def party_control_results(
    session: Session, operator_ids: Sequence[int], broker_ids: Sequence[int]
) -> Iterator[PartyControl]:
    """Every control result of the declarations of these operators or brokers, by recording time within each
    statement (one per PARTIES_PER_STATEMENT operators and brokers); a result may come more than once."""
    for start in range(0, max(len(operator_ids), len(broker_ids), 1), PARTIES_PER_STATEMENT):
        operators = list(operator_ids[start : start + PARTIES_PER_STATEMENT])
        brokers = list(broker_ids[start : start + PARTIES_PER_STATEMENT])
        query = (
            select(ControlResultRow.declaration_id, ControlResultRow.recorded_at, ControlResultRow.outcome,
                   DeclarationRow.operator_id, DeclarationRow.broker_id)
            .join(DeclarationRow, DeclarationRow.id == ControlResultRow.declaration_id)
            .where(or_(DeclarationRow.operator_id.in_(operators), DeclarationRow.broker_id.in_(brokers)))
            .order_by(ControlResultRow.recorded_at)
        )  # fmt: skip
        for row in session.execute(query):
            yield PartyControl(*row)


# --- declarations registered in a period ------------------------------------------------------------


def count_registered_between(
    session: Session, start: date, end: date, office_codes: Sequence[str] = ()
) -> int:
    """How many declarations were registered from start to end (Algerian dates, inclusive) at these offices
    (all offices when none is named)."""
    query = select(DeclarationRow.id).where(*_registered_between(start, end, office_codes))
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def registered_between(
    session: Session, start: date, end: date, office_codes: Sequence[str] = ()
) -> list[StoredDeclaration]:
    """Those declarations with their items, in registration order (one statement, and one per 500
    declarations for their items)."""
    query = (
        select(DeclarationRow)
        .where(*_registered_between(start, end, office_codes))
        .options(lazyload(DeclarationRow.documents))
        .order_by(DeclarationRow.registered_at, DeclarationRow.id)
    )
    return [_stored(row) for row in session.scalars(query)]


def _registered_between(start: date, end: date, office_codes: Sequence[str]) -> list[Any]:
    conditions = [
        DeclarationRow.registered_at >= start_of_local_day(start),
        DeclarationRow.registered_at <= end_of_local_day(end),
    ]
    if office_codes:
        conditions.append(DeclarationRow.office_code.in_(list(office_codes)))
    return conditions


def last_control_outcomes(session: Session, declaration_ids: Sequence[int]) -> dict[int, str]:
    """The outcome of each declaration's last control result; declarations never controlled are left out."""
    outcomes: dict[int, str] = {}
    for start in range(0, len(declaration_ids), IDS_PER_STATEMENT):
        query = (
            select(ControlResultRow.declaration_id, ControlResultRow.outcome)
            .where(
                ControlResultRow.declaration_id.in_(list(declaration_ids[start : start + IDS_PER_STATEMENT]))
            )
            .order_by(ControlResultRow.recorded_at, ControlResultRow.id)
        )
        outcomes.update({declaration_id: outcome for declaration_id, outcome in session.execute(query)})
    return outcomes


# --- declarations released in a period --------------------------------------------------------------


def released_items_between(session: Session, start: date, end: date) -> Iterator[ReleasedItem]:
    """The goods items of declarations registered from start to end (inclusive) and since released."""
    query = select(
        DeclarationItemRow.declaration_id, DeclarationItemRow.line_code, DeclarationItemRow.origin_country,
        DeclarationItemRow.assessed_customs_value, DeclarationItemRow.net_mass_kg,
    ).where(DeclarationItemRow.declaration_id.in_(_released_between(start, end)))  # fmt: skip
    for row in session.execute(query):
        yield ReleasedItem(*row)


def last_controls_of_released_between(session: Session, start: date, end: date) -> dict[int, LastControl]:
    """The last control result of each of those declarations that has one (one statement)."""
    query = (
        select(ControlResultRow.declaration_id, ControlResultRow.outcome, ControlResultRow.discrepancy_type,
               ControlResultRow.item_amendments)
        .where(ControlResultRow.declaration_id.in_(_released_between(start, end)))
        .order_by(ControlResultRow.declaration_id, ControlResultRow.recorded_at, ControlResultRow.id)
    )  # fmt: skip
    return {
        declaration_id: LastControl(outcome, kind, tuple(amendments or ()))
        for declaration_id, outcome, kind, amendments in session.execute(query)
    }


def _released_between(start: date, end: date) -> Select[tuple[int]]:
    released = (
        select(DeclarationRow.id)
        .where(
            DeclarationRow.registered_at >= start_of_local_day(start),
            DeclarationRow.registered_at <= end_of_local_day(end),
            DeclarationRow.released_at.is_not(None),
        )
        .subquery()
    )
    return select(released.c.id)


# --- controlled declarations ------------------------------------------------------------------------


def last_control_outcome_subquery() -> Subquery:
    """Columns `declaration_id` and `outcome` of each controlled declaration's last result, for a reader to
    join to its own rows by declaration id in one statement (monthly figures over many decisions)."""
    latest = (
        select(ControlResultRow.declaration_id, func.max(ControlResultRow.id).label("result_id"))
        .group_by(ControlResultRow.declaration_id)
        .subquery()
    )
    return (
        select(latest.c.declaration_id, ControlResultRow.outcome)
        .join(ControlResultRow, ControlResultRow.id == latest.c.result_id)
        .subquery("last_control_outcomes")
    )


def controlled_between(
    session: Session, start: date | None, end: date | None, *, batch: int
) -> Iterator[tuple[StoredDeclaration, LastControl]]:
    """Registered declarations with a control result, registered from start to end (inclusive, either open),
    in registration order, each with its last result: read `batch` declarations per fetch (and one statement
    per batch for their items)."""
    latest = select(func.max(ControlResultRow.id)).group_by(ControlResultRow.declaration_id).scalar_subquery()
    query = (
        select(DeclarationRow, ControlResultRow)
        .join(ControlResultRow, ControlResultRow.declaration_id == DeclarationRow.id)
        .where(ControlResultRow.id.in_(latest), DeclarationRow.registered_at.is_not(None))
        .options(lazyload(DeclarationRow.documents))
        .order_by(DeclarationRow.registered_at, DeclarationRow.id)
    )
    if start is not None:
        query = query.where(DeclarationRow.registered_at >= start_of_local_day(start))
    if end is not None:
        query = query.where(
            DeclarationRow.registered_at < start_of_local_day(date.fromordinal(end.toordinal() + 1))
        )
    for declaration, result in session.execute(query.execution_options(yield_per=batch)):
        last = LastControl(result.outcome, result.discrepancy_type, tuple(result.item_amendments or ()))
        yield _stored(declaration), last


# --- rows to values ---------------------------------------------------------------------------------


def _stored(row: DeclarationRow) -> StoredDeclaration:
    assert row.registered_at is not None, "only registered declarations are read here"
    return StoredDeclaration(
        id=row.id, number=row.number, type=row.type, regime=row.regime, office_code=row.office_code,
        operator_id=row.operator_id, operator_nif=row.operator_nif, broker_id=row.broker_id,
        dispatch_country=row.dispatch_country, destination_country=row.destination_country,
        transport_mode=row.transport_mode, incoterm=row.incoterm, invoice_currency=row.invoice_currency,
        invoice_total=row.invoice_total, assessment=row.assessment, channel=row.channel,
        registered_at=row.registered_at, items=tuple(_stored_item(item) for item in row.items),
    )  # fmt: skip


def _stored_item(item: DeclarationItemRow) -> StoredItem:
    return StoredItem(
        number=item.number, line_code=item.line_code, description=item.description,
        origin_country=item.origin_country, preference=item.preference, invoice_amount=item.invoice_amount,
        net_mass_kg=item.net_mass_kg, gross_mass_kg=item.gross_mass_kg,
        supplementary_quantity=item.supplementary_quantity, customs_value_dzd=item.customs_value_dzd,
        assessed_customs_value=item.assessed_customs_value,
    )  # fmt: skip
