"""Backtest use cases: load a history (stored declarations, or an imported file), run a rule version, store.

Stored history: declarations registered between two dates (Algerian dates) at the chosen offices, with the
fields a rule reads as of each one's registration (facts.py): the operator's and the broker's control
history counts only results recorded before that moment, so later controls do not leak into the past.
A declaration counts as controlled when it has a control result, and as a discrepancy when its last result
found one.

Imported history: a CSV file whose header names DECLARATION_SCHEMA fields, plus `controlled` and
`discrepancy` (1/0, true/false, yes/no), and optionally `declaration` (rows with the same value are the items
of one declaration; without it each row is a declaration) and `channel`. `lodged_on` (YYYY-MM-DD) is required.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.db import fetch_page
from douane.declarations import history_service as declarations
from douane.declarations.history_service import StoredDeclaration
from douane.identity.model import Actor
from douane.identity.service import actor_ref
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import ImportRejected, InvalidInput, RowError
from douane.registry import service as registry
from douane.risk.model import office_code_format, storable_id
from douane.risk.rules import Type
from douane.risk.rules.batch import NUMBER_LIMIT
from douane.risk.tables import RuleBacktestRow
from douane.risk.targeting import rules
from douane.risk.targeting.backtest import Candidate, HistoryDeclaration, Scope, evaluate, figures
from douane.risk.targeting.facts import (
    ControlHistory,
    IndicatorBook,
    RiskContext,
    indicators_between,
    item_fields_of_stored,
)
from douane.risk.targeting.model import check_period
from douane.risk.targeting.schema import DECLARATION_SCHEMA

STORED = "stored"
MAX_DAYS = 3 * 366
MAX_FILE_ROWS = 2_000_000
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "oui", "t"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "non", "f", ""})

MAX_STORED = 300_000
"""The most stored declarations one backtest reads (they are held in memory with their items)."""
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
"""The largest history file a backtest reads (pages and API)."""


@dataclass(frozen=True)
class History:
    name: str  # "stored" or the file's name
    start: date | None
    end: date | None
    declarations: Sequence[HistoryDeclaration]
    indicators: IndicatorBook


# --- running ----------------------------------------------------------------------------------------


def run_backtest(
    session: Session,
    clock: Clock,
    rule_id: int,
    version: int | None,
    history: History,
    *,
    by: Actor | None,
) -> RuleBacktestRow:
    """Evaluate the rule's version (its current one by default) over the history and store the figures."""
    rule = rules.get_rule(session, rule_id).rule
    number = version or rule.current_version
    candidate_version = rules.version_of(session, rule_id, number)
    compiled = rules.active_rule(rule.code, candidate_version)
    others = [active for active in rules.all_active_rules(session) if active.rule_id != rule_id]
    hits = evaluate(
        history.declarations, Candidate(compiled.compiled, Scope.of(compiled)), others, history.indicators
    )
    who = actor_ref(by)
    row = RuleBacktestRow(
        rule_id=rule_id, rule_version=number, history=history.name[:200], history_from=history.start,
        history_to=history.end, figures={**figures(history.declarations, hits), "active_rules": len(others)},
        run_by=who.name if who else rules.SYSTEM_NAME, run_at=clock.now(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, clock, category=audit.DATA, action="targeting_rule.backtested", actor=who,
        entity_type="targeting_rule", entity_id=rule.code,
        detail={"backtest_id": row.id, "version": number, "history": row.history},
    )  # fmt: skip
    return row


def list_backtests(
    session: Session, rule_id: int, *, offset: int = 0, limit: int = 20
) -> tuple[list[RuleBacktestRow], int]:
    query = select(RuleBacktestRow).where(RuleBacktestRow.rule_id == rule_id)
    return fetch_page(session, query, RuleBacktestRow.id.desc(), offset, limit)


def get_backtest(session: Session, rule_id: int, backtest_id: int) -> RuleBacktestRow:
    row = session.get(RuleBacktestRow, backtest_id) if storable_id(backtest_id) else None
    if row is None or row.rule_id != rule_id:
        raise InvalidInput("backtests.not_found", "No such backtest of this rule")
    return row


# --- stored history ---------------------------------------------------------------------------------


def stored_history(session: Session, start: date, end: date, offices: Sequence[str] = ()) -> History:
    """Registered declarations between start and end (inclusive, Algerian dates) at these offices (or all)."""
    check_period(start, end)
    if end < start:
        raise InvalidInput("backtests.period_reversed", "The period ends before it starts")
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(
            "backtests.period_too_long", "A backtest covers at most {days} days", days=MAX_DAYS
        )
    office_codes = [office_code_format(code) for code in offices]
    _check_size(session, start, end, office_codes)
    stored = declarations.registered_between(session, start, end, office_codes)
    outcomes = declarations.last_control_outcomes(session, [declaration.id for declaration in stored])
    parties = _PartyHistories.load(session, stored)
    indicators = indicators_between(session, start, end)
    history = [_history_declaration(each, outcomes.get(each.id), parties, indicators) for each in stored]
    return History(STORED, start, end, history, indicators)


def _check_size(session: Session, start: date, end: date, office_codes: Sequence[str]) -> None:
    """A stored history is read into memory: refuse a period that holds more than MAX_STORED declarations."""
    count = declarations.count_registered_between(session, start, end, office_codes)
    if count > MAX_STORED:
        raise InvalidInput(
            "backtests.history_too_large",
            "The period holds {count} declarations, a backtest reads at most {limit}: shorten it",
            count=count,
            limit=MAX_STORED,
        )


def _history_declaration(
    row: StoredDeclaration, outcome: str | None, parties: _PartyHistories, indicators: IndicatorBook
) -> HistoryDeclaration:
    context = RiskContext(
        on=local_date(row.registered_at),
        operator_registered_on=parties.registered_on.get(row.operator_id) if row.operator_id else None,
        operator_history=parties.history("operator", row.operator_id, row.registered_at),
        broker_licence=parties.licences.get(row.broker_id, "") if row.broker_id else "",
        broker_history=parties.history("broker", row.broker_id, row.registered_at),
        indicators=indicators,
    )  # fmt: skip
    return HistoryDeclaration(
        key=row.id, office=row.office_code, regime=row.regime, registered_on=context.on, channel=row.channel,
        controlled=outcome is not None, discrepancy=outcome == "discrepancy",
        items=item_fields_of_stored(row, context),
    )  # fmt: skip


@dataclass
class _PartyHistories:
    """Per operator and broker: when each of their declarations was first controlled, first found wrong."""

    registered_on: dict[int, date]
    licences: dict[int, str]
    controls: dict[tuple[str, int], list[datetime]]
    discrepancies: dict[tuple[str, int], list[datetime]]

    @classmethod
    def load(cls, session: Session, rows: Sequence[StoredDeclaration]) -> _PartyHistories:
        operators = sorted({row.operator_id for row in rows if row.operator_id is not None})
        brokers = sorted({row.broker_id for row in rows if row.broker_id is not None})
        histories = cls(
            registered_on=registry.operator_registration_dates(session, operators),
            licences=registry.broker_licence_numbers(session, brokers),
            controls=defaultdict(list), discrepancies=defaultdict(list),
        )  # fmt: skip
        histories._read_results(session, operators, brokers)
        return histories

    def _read_results(self, session: Session, operators: Sequence[int], brokers: Sequence[int]) -> None:
        first_control: dict[int, tuple[datetime, int | None, int | None]] = {}
        first_discrepancy: dict[int, datetime] = {}
        for result in declarations.party_control_results(session, operators, brokers):
            first_control.setdefault(
                result.declaration_id, (result.recorded_at, result.operator_id, result.broker_id)
            )
            if result.outcome == declarations.DISCREPANCY:
                first_discrepancy.setdefault(result.declaration_id, result.recorded_at)
        for declaration_id, (recorded_at, operator_id, broker_id) in first_control.items():
            found = first_discrepancy.get(declaration_id)
            for key in (("operator", operator_id), ("broker", broker_id)):
                if key[1] is None:
                    continue
                self.controls[key].append(recorded_at)  # type: ignore[index]
                if found is not None:
                    self.discrepancies[key].append(found)  # type: ignore[index]
        for times in (*self.controls.values(), *self.discrepancies.values()):
            times.sort()

    def history(self, kind: str, party_id: int | None, before: datetime) -> ControlHistory:
        if party_id is None:
            return ControlHistory()
        controls = bisect.bisect_left(self.controls.get((kind, party_id), []), before)
        discrepancies = bisect.bisect_left(self.discrepancies.get((kind, party_id), []), before)
        return ControlHistory(controls, discrepancies)


# --- imported history -------------------------------------------------------------------------------


def history_from_csv(session: Session, name: str, text: str) -> History:
    """A history read from a CSV file (see the module's docstring); indicators are the stored ones."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [column.strip() for column in reader.fieldnames or []]
    reader.fieldnames = header  # rows are read by the names as checked, spaces around them dropped
    missing = {"lodged_on", "controlled", "discrepancy"} - set(header)
    if missing:
        raise InvalidInput(
            "backtests.csv_columns",
            "The file lacks the columns {columns}",
            columns=", ".join(sorted(missing)),
        )
    grouped: dict[str, list[dict[str, Any]]] = {}
    outcomes: dict[str, tuple[bool, bool, str | None]] = {}
    errors: list[RowError] = []
    line = 1
    try:
        for line, record in enumerate(reader, start=2):
            if line - 1 > MAX_FILE_ROWS:
                raise InvalidInput(
                    "backtests.csv_too_long", "A history file holds at most {rows} rows", rows=MAX_FILE_ROWS
                )
            try:
                item = _parsed_item(record)
                outcome = (
                    _flag(record.get("controlled")),
                    _flag(record.get("discrepancy")),
                    record.get("channel") or None,
                )
            except ValueError as exc:
                errors.append(RowError(line, str(exc)[:200]))
                continue
            key = (record.get("declaration") or "").strip() or f"row {line}"
            grouped.setdefault(key, []).append(item)
            outcomes.setdefault(key, outcome)
    except csv.Error as exc:  # an over-long field or a broken quote: the rest of the file cannot be read
        errors.append(RowError(reader.line_num, f"malformed CSV: {exc}"[:200]))
    if errors:
        raise ImportRejected(errors, line - 1 if grouped or errors else 0)
    declarations = [_imported_declaration(key, items, outcomes[key]) for key, items in grouped.items()]
    dates = [declaration.registered_on for declaration in declarations]
    start, end = (min(dates), max(dates)) if dates else (None, None)
    return History(name, start, end, declarations, indicators_between(session, start, end))


def _imported_declaration(
    key: str, items: list[dict[str, Any]], outcome: tuple[bool, bool, str | None]
) -> HistoryDeclaration:
    controlled, discrepancy, channel = outcome
    first = items[0]
    return HistoryDeclaration(
        key=key, office=first.get("office") or "", regime=first.get("regime") or "",
        registered_on=first["lodged_on"], channel=channel, controlled=controlled or discrepancy,
        discrepancy=discrepancy, items=items,
    )  # fmt: skip


def _parsed_item(record: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for name, field_type in DECLARATION_SCHEMA.fields.items():
        raw = (record.get(name) or "").strip()
        if raw:
            item[name] = _value(name, raw, field_type)
    if "lodged_on" not in item:
        raise ValueError("lodged_on is required (YYYY-MM-DD)")
    line = item.get("hs10") or item.get("hs6")
    if line and "hs_prefixes" not in item:
        item["hs_prefixes"] = list(dict.fromkeys(line[:size] for size in (2, 4, 6, len(line))))
    for size in (6, 4, 2):
        if line and len(line) >= size:
            item.setdefault(f"hs{size}", line[:size])
    return item


def _value(name: str, raw: str, field_type: Type) -> Any:
    try:
        if field_type is Type.NUMBER:
            value = Decimal(raw)
            if not value.is_finite() or abs(value) >= NUMBER_LIMIT:
                raise ValueError
            return value
        if field_type is Type.DATE:
            return date.fromisoformat(raw)
        if field_type is Type.TEXT_LIST:
            return [part.strip() for part in raw.split("|") if part.strip()]
        return raw
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{name}: cannot read {raw[:40]!r} as {field_type.value}") from exc


def _flag(raw: str | None) -> bool:
    text = (raw or "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"cannot read {text[:20]!r} as yes or no")
