"""Value indicators: reference values (DZD per kg of net mass) per HS6 line and origin, effective-dated.

An analyst sets one from a date, today or later (days already past keep the indicators their selections and
backtests were made with); the indicator of the same line and origin in force that day is closed the day
before, and a later one already scheduled bounds the new one. Rows are never deleted.

Derivation proposes indicators from accepted history, and the analyst accepts the ones he wants. Accepted
history is the goods items of declarations registered in the period and released, whose control (if any)
found no discrepancy, or found a value discrepancy that the inspector corrected: control amends the item and
reassesses it, so the stored assessed customs value is then the inspector's value. Declarations released
after a discrepancy of another kind (origin, classification, prohibited goods...) are left out: their value
was not what was checked. The indicator is a quantile (the median by default) of the items' value per kg,
per HS6 line and origin, when at least `min_observations` items support it.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.db import fetch_page
from douane.declarations import history_service as declarations
from douane.declarations.history_service import LastControl
from douane.identity.model import Actor
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import Conflict, ImportRejected, InvalidInput, RowError
from douane.risk.model import plain_text
from douane.risk.tables import ValueIndicatorRow
from douane.risk.targeting.model import check_period

HS6 = re.compile(r"^\d{6}$", re.ASCII)
ORIGIN = re.compile(r"^[A-Z]{2}$")
ANALYST = "analyst"
DERIVED = "derived"
CSV_HEADER = ["hs6", "origin", "dinars_per_kg", "valid_from", "valid_to", "source"]
CSV_COLUMN_OF = {
    "indicators.bad_hs6": "hs6", "indicators.bad_origin": "origin", "indicators.bad_value": "dinars_per_kg"
}  # fmt: skip
MAX_DINARS_PER_KG = Decimal(10) ** 12
SYSTEM_NAME = "system"


# --- setting ----------------------------------------------------------------------------------------


def set_indicator(
    session: Session,
    clock: Clock,
    *,
    hs6: str,
    origin: str | None,
    dinars_per_kg: Decimal,
    valid_from: date,
    by: Actor | None,
    source: str = ANALYST,
    basis: dict[str, Any] | None = None,
    history: bool = False,
) -> ValueIndicatorRow:
    """A new indicator from valid_from (today or later); the one in force that day ends the day before.
    `history=True` lets valid_from lie in the past: the indicators of a system taken over, loaded before any
    declaration is selected against them (the demo's); the row and its audit event still say when it was
    set."""
    hs6, origin, centimes = _checked(hs6, origin, dinars_per_kg)
    if not history:
        _refuse_past(clock, valid_from)
    line = _line(session, hs6, origin)
    if any(row.valid_from == valid_from for row in line):
        raise Conflict(
            "indicators.same_start", "An indicator of {hs6} / {origin} already starts on {date}",
            hs6=hs6, origin=origin or "*", date=valid_from.isoformat(),
        )  # fmt: skip
    earlier = [row for row in line if row.valid_from < valid_from]
    later = [row for row in line if row.valid_from > valid_from]
    previous = earlier[-1] if earlier else None
    if previous is not None and (previous.valid_to is None or previous.valid_to >= valid_from):
        previous.valid_to = valid_from - timedelta(days=1)
    who = actor_ref(by)
    row = ValueIndicatorRow(
        hs6=hs6, origin=origin, centimes_per_kg=centimes, valid_from=valid_from,
        valid_to=later[0].valid_from - timedelta(days=1) if later else None, source=source, basis=basis or {},
        set_by=who.name if who else SYSTEM_NAME, set_at=clock.now(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, clock, category=audit.DATA, action="value_indicator.set", actor=who,
        entity_type="value_indicator", entity_id=f"{hs6}/{origin or '*'}",
        from_state=str(previous.centimes_per_kg) if previous else None, to_state=str(centimes),
        detail={"valid_from": valid_from.isoformat(), "source": source, "id": row.id},
    )  # fmt: skip
    return row


def _checked(hs6: str, origin: str | None, dinars_per_kg: Decimal) -> tuple[str, str | None, int]:
    hs6 = hs6.strip()
    if not HS6.match(hs6):
        raise InvalidInput("indicators.bad_hs6", '"{hs6}" is not a 6-digit HS line', hs6=hs6[:12])
    origin = (origin or "").strip().upper() or None
    if origin is not None and not ORIGIN.match(origin):
        raise InvalidInput("indicators.bad_origin", '"{origin}" is not a country code', origin=origin[:12])
    if not dinars_per_kg.is_finite() or not 0 < dinars_per_kg < MAX_DINARS_PER_KG:
        raise InvalidInput("indicators.bad_value", "An indicator is a positive amount of dinars per kg")
    return hs6, origin, int((dinars_per_kg * 100).to_integral_value(ROUND_HALF_EVEN))


def _refuse_past(clock: Clock, valid_from: date) -> None:
    if valid_from < local_date(clock.now()):
        raise InvalidInput(
            "indicators.in_the_past", "A value indicator takes effect today or later, not on {date}",
            date=valid_from.isoformat(), field="valid_from",
        )  # fmt: skip


def _line(session: Session, hs6: str, origin: str | None) -> list[ValueIndicatorRow]:
    same_origin = ValueIndicatorRow.origin.is_(None) if origin is None else ValueIndicatorRow.origin == origin
    query = (
        select(ValueIndicatorRow)
        .where(ValueIndicatorRow.hs6 == hs6, same_origin)
        .order_by(ValueIndicatorRow.valid_from)
    )
    return list(session.scalars(query))


def list_indicators(
    session: Session,
    *,
    hs6: str | None = None,
    origin: str | None = None,
    on: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[ValueIndicatorRow], int]:
    """Indicators, newest first; `hs6` matches a prefix, `on` keeps those in force that day."""
    query = select(ValueIndicatorRow)
    if hs6 and hs6.strip().isdigit():
        query = query.where(ValueIndicatorRow.hs6.like(f"{hs6.strip()[:6]}%"))
    if origin and plain_text(origin):
        query = query.where(ValueIndicatorRow.origin == plain_text(origin).upper()[:2])
    if on is not None:
        query = query.where(
            ValueIndicatorRow.valid_from <= on,
            (ValueIndicatorRow.valid_to.is_(None)) | (ValueIndicatorRow.valid_to >= on),
        )
    any_origin_last = ValueIndicatorRow.origin.is_(None)  # same NULL order on both engines
    order = (
        ValueIndicatorRow.hs6,
        any_origin_last,
        ValueIndicatorRow.origin,
        ValueIndicatorRow.valid_from.desc(),
    )
    return fetch_page(session, query, order, offset, limit)


def dinars(row: ValueIndicatorRow) -> Decimal:
    return Decimal(row.centimes_per_kg).scaleb(-2)


# --- deriving from history --------------------------------------------------------------------------


@dataclass(frozen=True)
class Derivation:
    start: date
    end: date
    quantile: Decimal = Decimal("0.5")
    min_observations: int = 5

    def check(self) -> None:
        check_period(self.start, self.end)
        if self.end < self.start:
            raise InvalidInput("indicators.period_reversed", "The period ends before it starts")
        if not self.quantile.is_finite() or not Decimal(0) < self.quantile < Decimal(1):
            raise InvalidInput("indicators.bad_quantile", "The quantile lies strictly between 0 and 1")
        if not 1 <= self.min_observations <= 100_000:
            raise InvalidInput("indicators.bad_minimum", "The minimum number of observations is 1 or more")

    def basis(self, observations: int) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(), "quantile": str(self.quantile),
            "observations": observations, "min_observations": self.min_observations,
        }  # fmt: skip


@dataclass(frozen=True)
class Proposal:
    hs6: str
    origin: str
    dinars_per_kg: Decimal
    observations: int
    in_force: Decimal | None  # the indicator in force at the end of the period, for comparison


def derive(session: Session, derivation: Derivation) -> list[Proposal]:
    """Proposals per HS6 line and origin with enough accepted observations; nothing is written."""
    derivation.check()
    observed: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for hs6, origin, value, mass in _accepted_items(session, derivation.start, derivation.end):
        if mass > 0:
            observed[(hs6, origin)].append(value / mass)
    proposals = []
    for (hs6, origin), values in sorted(observed.items()):
        if len(values) < derivation.min_observations:
            continue
        level = quantile(values, derivation.quantile).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        current = _in_force_at(session, hs6, origin, derivation.end)
        proposals.append(Proposal(hs6, origin, level, len(values), current))
    return proposals


def quantile(values: Sequence[Decimal], q: Decimal) -> Decimal:
    """Linear interpolation between closest ranks (the usual definition, type 7)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def _accepted_items(session: Session, start: date, end: date) -> Iterable[tuple[str, str, Decimal, Decimal]]:
    refused = _refused_declarations(declarations.last_controls_of_released_between(session, start, end))
    for item in declarations.released_items_between(session, start, end):
        value = item.assessed_customs_value
        if item.declaration_id not in refused and value is not None:
            yield item.line_code[:6], item.origin_country, value.amount, item.net_mass_kg


def _refused_declarations(last_controls: dict[int, LastControl]) -> set[int]:
    """Declarations whose last control found anything but a corrected value discrepancy."""
    return {declaration_id for declaration_id, last in last_controls.items() if not _value_accepted(last)}


def _value_accepted(result: LastControl) -> bool:
    if result.outcome != declarations.DISCREPANCY:
        return True
    return result.discrepancy_type == "value" and bool(result.item_amendments)


def _in_force_at(session: Session, hs6: str, origin: str, on: date) -> Decimal | None:
    for row in reversed(_line(session, hs6, origin)):
        if row.valid_from <= on and (row.valid_to is None or on <= row.valid_to):
            return dinars(row)
    return None


def accept(
    session: Session,
    clock: Clock,
    derivation: Derivation,
    chosen: Iterable[tuple[str, str]],
    *,
    valid_from: date,
    by: Actor | None,
) -> list[ValueIndicatorRow]:
    """Derive again and set the chosen (hs6, origin) proposals from valid_from, source "derived"."""
    _refuse_past(clock, valid_from)  # before the history is read again
    wanted = set(chosen)
    proposals = [p for p in derive(session, derivation) if (p.hs6, p.origin) in wanted]
    missing = wanted - {(p.hs6, p.origin) for p in proposals}
    if missing:
        hs6, origin = sorted(missing)[0]
        raise InvalidInput(
            "indicators.no_proposal", "History gives no indicator for {hs6} / {origin} any more",
            hs6=hs6, origin=origin,
        )  # fmt: skip
    return [
        set_indicator(
            session,
            clock,
            hs6=p.hs6,
            origin=p.origin,
            dinars_per_kg=p.dinars_per_kg,
            valid_from=valid_from,
            by=by,
            source=DERIVED,
            basis=derivation.basis(p.observations),
        )
        for p in proposals
    ]


# --- CSV --------------------------------------------------------------------------------------------


def export_csv(session: Session, on: date | None = None) -> str:
    """Every indicator (or those in force on `on`) as CSV with the header CSV_HEADER."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    rows, _ = list_indicators(session, on=on, limit=10_000_000)
    for row in rows:
        writer.writerow([
            row.hs6, row.origin or "", f"{dinars(row):.2f}", row.valid_from.isoformat(),
            row.valid_to.isoformat() if row.valid_to else "", row.source,
        ])  # fmt: skip
    return out.getvalue()


def import_csv(session: Session, clock: Clock, text: str, *, by: Actor | None) -> int:
    """Set each row's indicator (hs6, origin, dinars_per_kg, valid_from); the whole file or nothing."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"hs6", "dinars_per_kg", "valid_from"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(
            "indicators.csv_columns",
            "The file lacks the columns {columns}",
            columns=", ".join(sorted(missing)),
        )
    parsed: list[tuple[str, str | None, Decimal, date]] = []
    errors: list[RowError] = []
    try:
        for line, record in enumerate(reader, start=2):
            try:
                parsed.append(_csv_row(clock, record))
            except InvalidInput as exc:
                column = exc.params.get("field") or CSV_COLUMN_OF.get(exc.code)
                errors.append(RowError(line, exc.message.format(**exc.params), column))
    except csv.Error as exc:  # an over-long field or a broken quote: the rest of the file cannot be read
        errors.append(RowError(reader.line_num, f"malformed CSV: {exc}"[:200]))
    if errors:
        raise ImportRejected(errors, len(parsed) + len(errors))
    for hs6, origin, value, start in sorted(parsed, key=lambda row: row[3]):
        set_indicator(session, clock, hs6=hs6, origin=origin, dinars_per_kg=value, valid_from=start, by=by)
    return len(parsed)


def _csv_row(clock: Clock, record: dict[str, str | None]) -> tuple[str, str | None, Decimal, date]:
    raw_value = (record.get("dinars_per_kg") or "").strip()
    try:
        value = Decimal(raw_value)
    except InvalidOperation:
        raise InvalidInput(
            "indicators.bad_value", '"{value}" is not an amount of dinars per kg', value=raw_value[:20],
            field="dinars_per_kg",
        ) from None  # fmt: skip
    raw_start = (record.get("valid_from") or "").strip()
    try:
        start = date.fromisoformat(raw_start)
    except ValueError:
        raise InvalidInput(
            "indicators.bad_date", '"{value}" is not a date (YYYY-MM-DD)', value=raw_start[:20],
            field="valid_from",
        ) from None  # fmt: skip
    hs6, origin, _ = _checked(record.get("hs6") or "", record.get("origin"), value)
    _refuse_past(clock, start)
    return hs6, origin, value, start


def today(clock: Clock) -> date:
    return local_date(clock.now())
