"""File imports: economic operators (bulk, 100,000 rows in seconds) and customs offices.

A file is imported whole or not at all: every row is checked first, and any rejected row raises
ImportRejected listing line numbers and reasons before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.audit.service import ActorRef
from douane.kernel.clock import Clock, local_date
from douane.kernel.errors import DouaneError
from douane.kernel.imports import ImportReport, Progress, RowErrors, Source, read_csv
from douane.registry import model
from douane.registry.model import OfficeKind, OperatorStatus
from douane.registry.tables import (
    CustomsOfficeRow,
    EconomicOperatorRow,
    OfficeRegimeRow,
    OperatorStatusHistoryRow,
    RegionalDirectorateRow,
)

CHUNK = 5_000
LOOKUP_CHUNK = 1_000
OPERATOR_COLUMNS = {"nif", "rc_number", "legal_name_fr", "legal_name_ar", "address", "wilaya"}
OFFICE_COLUMNS = {
    "code", "name_fr", "name_ar", "name_en", "kind", "regional_directorate", "unlocode",
    "collection_office", "regimes",
}  # fmt: skip
IMPORT_REASON = "file import"
OPERATORS: Table = EconomicOperatorRow.__table__  # type: ignore[assignment]
STATUS_HISTORY: Table = OperatorStatusHistoryRow.__table__  # type: ignore[assignment]
T = TypeVar("T")


def _reason(exc: DouaneError) -> str:
    try:
        return exc.message.format(**exc.params)
    except (KeyError, IndexError, ValueError):
        return exc.message


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _checked(errors: RowErrors, line: int, field: str, check: Callable[[], T]) -> T | None:
    try:
        return check()
    except DouaneError as exc:
        errors.add(line, _reason(exc), field)
        return None


def _text(errors: RowErrors, line: int, row: dict[str, str], field: str, max_length: int) -> str | None:
    value = model.single_line(row.get(field, ""))
    if len(value) > max_length:
        errors.add(line, f"{field} is longer than {max_length} characters", field)
    return value or None


# --- economic operators ------------------------------------------------------------------------


@dataclass
class _OperatorLine:
    line: int
    values: dict[str, Any]
    status: OperatorStatus | None


def _parse_operator(errors: RowErrors, line: int, row: dict[str, str]) -> _OperatorLine | None:
    before = len(errors.errors)
    nif = _checked(errors, line, "nif", lambda: model.clean_nif(row["nif"]))
    rc_number = _checked(errors, line, "rc_number", lambda: model.clean_rc_number(row["rc_number"]))
    wilaya = _checked(errors, line, "wilaya", lambda: model.clean_wilaya(row["wilaya"]))
    name_fr = _text(errors, line, row, "legal_name_fr", 200)
    if not name_fr:
        errors.add(line, "legal_name_fr is required", "legal_name_fr")
    name_ar = _text(errors, line, row, "legal_name_ar", 200)
    address = _text(errors, line, row, "address", 300)
    status = None
    if row.get("status"):
        status = _checked(errors, line, "status", lambda: _status(row["status"]))
    registered_on: date | None = None
    if row.get("registered_on"):
        registered_on = _checked(errors, line, "registered_on", lambda: _iso_date(row["registered_on"]))
    if len(errors.errors) > before or nif is None or rc_number is None or name_fr is None:
        return None
    values: dict[str, Any] = {
        "nif": nif, "rc_number": rc_number, "legal_name_fr": name_fr, "legal_name_ar": name_ar,
        "address": address, "wilaya": wilaya,
        "search_text": model.operator_search_text(rc_number, name_fr, name_ar),
    }  # fmt: skip
    if registered_on is not None:
        values["registered_on"] = registered_on
    return _OperatorLine(line, values, status)


def _status(value: str) -> OperatorStatus:
    try:
        return OperatorStatus(value.strip().lower())
    except ValueError as exc:
        raise DouaneError(
            "registry.invalid_operator_status", "status must be active, suspended or struck_off"
        ) from exc


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise DouaneError("registry.invalid_date", "not a date (YYYY-MM-DD): {value}", value=value) from exc


_COMPARED = ("rc_number", "legal_name_fr", "legal_name_ar", "address", "wilaya", "registered_on")


def _existing_operators(session: Session, nifs: list[str]) -> dict[str, dict[str, Any]]:
    table = OPERATORS
    columns = [table.c.id, table.c.nif, table.c.status, *(table.c[name] for name in _COMPARED)]
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(nifs, LOOKUP_CHUNK):
        for row in session.execute(select(*columns).where(table.c.nif.in_(chunk))).mappings():
            found[row["nif"]] = dict(row)
    return found


def import_operators(
    session: Session,
    clock: Clock,
    source: Source,
    progress: Progress | None = None,
    by: ActorRef | None = None,
) -> ImportReport:
    """Import economic operators from CSV; an existing NIF is updated, a new one inserted.

    Columns: nif, rc_number, legal_name_fr, legal_name_ar, address, wilaya; optional status
    (active, suspended, struck_off) and registered_on (YYYY-MM-DD).
    """
    errors = RowErrors()
    parsed: list[_OperatorLine] = []
    first_line: dict[str, int] = {}
    total = 0
    for line, row in read_csv(source, OPERATOR_COLUMNS, errors):
        total += 1
        item = _parse_operator(errors, line, row)
        if item is None:
            continue
        nif = item.values["nif"]
        if nif in first_line:
            errors.add(line, f"duplicate NIF {nif}: also on line {first_line[nif]}", "nif")
            continue
        first_line[nif] = line
        parsed.append(item)
    errors.raise_if_any(total)
    existing = _existing_operators(session, [p.values["nif"] for p in parsed])
    _check_status_changes(errors, parsed, existing)
    errors.raise_if_any(total)
    report = ImportReport(kind="economic_operators", rows=total)
    _write_operators(session, clock, parsed, existing, report, progress, by)
    audit.record(
        session, clock, category=audit.DATA, action="operators.imported", actor=by,
        entity_type="economic_operator",
        detail={"rows": total, "inserted": report.inserted, "updated": report.updated},
    )  # fmt: skip
    return report


def _check_status_changes(
    errors: RowErrors, parsed: list[_OperatorLine], existing: dict[str, dict[str, Any]]
) -> None:
    for item in parsed:
        old = existing.get(item.values["nif"])
        if old is None or item.status is None or item.status.value == old["status"]:
            continue
        try:
            model.check_operator_transition(OperatorStatus(old["status"]), item.status)
        except DouaneError as exc:
            errors.add(item.line, _reason(exc), "status")


def _write_operators(
    session: Session,
    clock: Clock,
    parsed: list[_OperatorLine],
    existing: dict[str, dict[str, Any]],
    report: ImportReport,
    progress: Progress | None,
    by: ActorRef | None,
) -> None:
    now = clock.now()
    today = local_date(now)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    status_changes: list[tuple[int, str, str]] = []
    for item in parsed:
        old = existing.get(item.values["nif"])
        if old is None:
            status = (item.status or OperatorStatus.ACTIVE).value
            inserts.append({"registered_on": today, **item.values, "status": status, "version": 1,
                            "created_at": now, "updated_at": now})  # fmt: skip
            continue
        status = item.status.value if item.status else old["status"]
        if status == old["status"] and all(item.values.get(k, old[k]) == old[k] for k in _COMPARED):
            report.unchanged += 1
            continue
        if status != old["status"]:
            status_changes.append((old["id"], old["status"], status))
        values = {k: item.values.get(k, old[k]) for k in _COMPARED}
        values["search_text"] = item.values["search_text"]
        updates.append({"b_id": old["id"], **values, "status": status, "updated_at": now})
    done = report.unchanged
    table = OPERATORS
    for chunk in _chunks(inserts, CHUNK):
        session.execute(insert(table), list(chunk))
        report.inserted += len(chunk)
        done += len(chunk)
        if progress:
            progress(done)
    statement = update(table).where(table.c.id == bindparam("b_id")).values(version=table.c.version + 1)
    for chunk in _chunks(updates, CHUNK):
        session.execute(statement, list(chunk))
        report.updated += len(chunk)
        done += len(chunk)
        if progress:
            progress(done)
    _record_status_changes(session, clock, status_changes, by)


def _record_status_changes(
    session: Session, clock: Clock, changes: list[tuple[int, str, str]], by: ActorRef | None
) -> None:
    who = by or audit.SYSTEM
    now = clock.now()
    if changes:
        session.execute(
            insert(STATUS_HISTORY),
            [
                {"operator_id": operator_id, "at": now, "from_status": old, "to_status": new,
                 "reason": IMPORT_REASON, "actor_id": who.id, "actor_name": who.name}
                for operator_id, old, new in changes
            ],
        )  # fmt: skip
    for operator_id, old, new in changes:
        audit.record(
            session, clock, category=audit.STATE, action="operator.status_changed", actor=by,
            entity_type="economic_operator", entity_id=operator_id, from_state=old, to_state=new,
            reason=IMPORT_REASON,
        )  # fmt: skip


# --- customs offices ---------------------------------------------------------------------------


@dataclass
class _OfficeLine:
    line: int
    code: str
    fields: dict[str, Any]
    regimes: list[str]
    directorate_name: str | None


def _parse_office(errors: RowErrors, line: int, row: dict[str, str]) -> _OfficeLine | None:
    before = len(errors.errors)
    code = _checked(errors, line, "code", lambda: model.clean_office_code(row["code"]))
    fields: dict[str, Any] = {}
    for name in ("name_fr", "name_ar", "name_en"):
        fields[name] = _text(errors, line, row, name, 150)
        if not fields[name]:
            errors.add(line, f"{name} is required", name)
    kind = row["kind"].strip().lower()
    if kind not in {k.value for k in OfficeKind}:
        errors.add(line, "kind must be sea_port, airport, land_border or inland", "kind")
    fields["kind"] = kind
    directorate = row["regional_directorate"].strip().upper()
    if not model.DIRECTORATE_CODE.match(directorate):
        errors.add(
            line, "regional_directorate must be a code of 1 to 8 letters or digits", "regional_directorate"
        )
    fields["regional_directorate_code"] = directorate
    unlocode = row["unlocode"].strip()
    fields["unlocode"] = (
        _checked(errors, line, "unlocode", lambda: model.clean_unlocode(unlocode)) if unlocode else None
    )
    collection = row["collection_office"].strip()
    fields["collection_office_code"] = None
    if collection:
        check = partial(model.clean_office_code, collection)
        fields["collection_office_code"] = _checked(errors, line, "collection_office", check)
    if row.get("active"):
        fields["active"] = row["active"].strip().lower() in {"1", "true", "yes", "oui"}
    regimes = _checked(errors, line, "regimes", lambda: model.clean_regimes(row["regimes"].split("|")))
    if len(errors.errors) > before or code is None or regimes is None:
        return None
    directorate_name = " ".join(row.get("regional_directorate_name", "").split()) or None
    return _OfficeLine(line, code, fields, regimes, directorate_name)


def import_offices(
    session: Session,
    clock: Clock,
    source: Source,
    progress: Progress | None = None,
    by: ActorRef | None = None,
) -> ImportReport:
    """Import customs offices from CSV; an existing code is updated.

    Columns: code, name_fr, name_ar, name_en, kind, regional_directorate (code), unlocode,
    collection_office, regimes (`|`-separated); optional regional_directorate_name (creates an
    unknown directorate) and active.
    """
    errors = RowErrors()
    parsed: list[_OfficeLine] = []
    first_line: dict[str, int] = {}
    total = 0
    for line, row in read_csv(source, OFFICE_COLUMNS, errors):
        total += 1
        item = _parse_office(errors, line, row)
        if item is None:
            continue
        if item.code in first_line:
            errors.add(
                line, f"duplicate office code {item.code}: also on line {first_line[item.code]}", "code"
            )
            continue
        first_line[item.code] = line
        parsed.append(item)
    known = set(session.scalars(select(RegionalDirectorateRow.code)))
    named = {p.fields["regional_directorate_code"]: p.directorate_name for p in parsed if p.directorate_name}
    for item in parsed:
        code = item.fields["regional_directorate_code"]
        if code not in known and code not in named:
            errors.add(
                item.line,
                f"unknown regional directorate {code}: add a regional_directorate_name column to create it",
                "regional_directorate",
            )
    errors.raise_if_any(total)
    report = ImportReport(kind="customs_offices", rows=total)
    for code, name in named.items():
        directorate = session.get(RegionalDirectorateRow, code)
        if directorate is None:
            session.add(RegionalDirectorateRow(code=code, name_fr=name))
            report.notes.append(f"created regional directorate {code}")
    session.flush()
    existing = {row.code: row for row in session.scalars(select(CustomsOfficeRow))}
    for done, item in enumerate(parsed, start=1):
        _save_office(session, existing.get(item.code), item, report)
        if progress and done % 100 == 0:
            progress(done)
    session.flush()
    audit.record(
        session, clock, category=audit.DATA, action="offices.imported", actor=by,
        entity_type="customs_office",
        detail={"rows": total, "inserted": report.inserted, "updated": report.updated},
    )  # fmt: skip
    return report


def _save_office(
    session: Session, row: CustomsOfficeRow | None, item: _OfficeLine, report: ImportReport
) -> None:
    if row is None:
        session.add(
            CustomsOfficeRow(
                code=item.code, active=item.fields.pop("active", True), **item.fields,
                regime_rows=[OfficeRegimeRow(regime=r) for r in item.regimes],
            )
        )  # fmt: skip
        report.inserted += 1
        return
    changed = row.regimes != item.regimes or any(getattr(row, k) != v for k, v in item.fields.items())
    if not changed:
        report.unchanged += 1
        return
    for name, value in item.fields.items():
        setattr(row, name, value)
    if row.regimes != item.regimes:
        row.regime_rows = [OfficeRegimeRow(regime=r) for r in item.regimes]
    report.updated += 1
