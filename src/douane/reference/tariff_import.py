"""Import of national tariff lines and their measures, from douane's national CSV or from the UK Global
Tariff CSV (detected by the header). The whole file is checked before anything is written; a re-import
of the same file changes nothing; a changed rate supersedes the one in force from the row's valid_from.

Each row is authoritative for the measure groups its file format covers (a tax code per tax column,
"DOC" for the formalities column, "PROHIBITION" for the prohibited column): in those groups, the
measures in force on valid_from are replaced when they differ, ended the day before when they started
earlier, and deleted when they started that same day (a same-day correction)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from douane.audit.service import ActorRef
from douane.kernel.clock import Clock
from douane.kernel.errors import DouaneError
from douane.kernel.imports import ImportReport, Progress, RowErrors, read_csv
from douane.reference.duty_expression import parse_duty_expression
from douane.reference.import_support import Source, counted, parse_date, read_text, record_import
from douane.reference.model import Measure, MeasureKind, is_tariff_code, measure_from_rate
from douane.reference.service import (
    component_values,
    ensure_tax_types,
    list_tax_types,
    load_measures,
    measure_values,
    split_codes,
)
from douane.reference.tables import HsNodeRow, MeasureComponentRow, MeasureRow, TariffLineRow

UK_COLUMNS = {"commodity", "description", "ukgt_duty_rate"}
UK_START = date(2021, 1, 1)  # the UK Global Tariff applies from 1 January 2021
UK_SOURCE = "uk-global-tariff"
NATIONAL_SOURCE = "national"
DOC_GROUP = "DOC"
PROHIBITION_GROUP = "PROHIBITION"
ALIASES = {
    "designation_path_fr": "description_fr",
    "formalites_codes": "formalities",
    "formalites": "formalities",
}
TAX_COLUMN = re.compile(r"^([a-z][a-z0-9]{0,7})_(pct|expr|base)$")
DOCUMENT_CODE = re.compile(r"^[A-Za-z0-9.\-]{1,16}$")
LINE_FIELDS = ("hs6", "description_fr", "description_ar", "description_en", "supplementary_unit")
YES = {"1", "yes", "true", "oui", "y", "o"}
NO = {"", "0", "no", "false", "non", "n"}
MAX_PERCENT = Decimal(1000)
CHUNK = 2000


@dataclass
class LineInput:
    line: int
    code: str
    valid_from: date
    valid_to: date | None
    fields: dict[str, str | None]  # only the columns the file provides
    groups: frozenset[str]
    measures: list[Measure] = field(default_factory=list)
    source_code: str = ""


def import_tariff(
    session: Session,
    clock: Clock,
    source: Source,
    progress: Progress | None = None,
    by: ActorRef | None = None,
    *,
    valid_from: date | None = None,
) -> ImportReport:
    """Tariff lines and measures. `valid_from` applies to rows without a valid_from column (UK Global
    Tariff default: 2021-01-01)."""
    errors = RowErrors()
    text = read_text(source, errors)
    header = {_column(h) for h in next(csv.reader(io.StringIO(text)), [])}
    ensure_tax_types(session, clock, by)
    report = ImportReport(kind="tariff")
    if header >= UK_COLUMNS:
        lines = _read_uk(text, errors, valid_from or UK_START, progress, report)
        source_name = UK_SOURCE
    elif "code10" in header:
        tax_codes = {t.code for t in list_tax_types(session)}
        lines = _read_national(text, header, tax_codes, valid_from, errors, progress, report)
        source_name = NATIONAL_SOURCE
    else:
        errors.add(
            1,
            "unknown header: expected douane's national columns (code10, ...) or the UK Global "
            "Tariff columns (commodity, description, ukgt_duty_rate)",
        )
        errors.raise_if_any(0)
        raise AssertionError("unreachable")
    _check_hs6(session, lines, errors)
    errors.raise_if_any(report.rows)
    _apply(session, clock, lines, source_name, report)
    record_import(session, clock, by, report, source=source_name)
    return report


def _column(name: str) -> str:
    name = name.strip().lstrip("\ufeff").lower()
    return ALIASES.get(name, name)


# --- reading the UK Global Tariff --------------------------------------------------------------------


def _read_uk(
    text: str, errors: RowErrors, valid_from: date, progress: Progress | None, report: ImportReport
) -> list[LineInput]:
    lines: dict[str, LineInput] = {}
    merged = 0
    for line, row in counted(read_csv(io.StringIO(text), UK_COLUMNS, errors), progress):
        report.rows += 1
        commodity = row["commodity"]
        if not commodity.isdigit() or len(commodity) not in (8, 10):
            errors.add(line, f"{commodity!r} is not an 8- or 10-digit commodity code", "commodity")
            continue
        code = commodity.ljust(10, "0")
        try:
            rates = parse_duty_expression(row["ukgt_duty_rate"])
        except DouaneError as exc:
            errors.add(line, exc.message.format(**exc.params), "ukgt_duty_rate")
            continue
        item = LineInput(
            line=line,
            code=code,
            valid_from=valid_from,
            valid_to=None,
            fields={"hs6": code[:6], "description_en": row["description"] or None},
            groups=frozenset({"DD"}),
            measures=[
                measure_from_rate(r, line_code=code, tax_code="DD", valid_from=valid_from) for r in rates
            ],
            source_code=commodity,
        )
        first = lines.get(code)
        if first is None:
            lines[code] = item
        elif _same_measures(first.measures, item.measures) and len(first.source_code) != len(commodity):
            # The file lists a few codes twice, as CN8 and as its CN10 "...00" child, with the same duty.
            merged += 1
            if len(commodity) == 10:
                lines[code] = item
        else:
            errors.add(line, f"duplicate code {code} (first at line {first.line})", "commodity")
    if merged:
        report.notes.append(f"{merged} CN8 rows merged with their identical CN10 row")
    return list(lines.values())


# --- reading douane's national format ----------------------------------------------------------------


@dataclass
class NationalColumns:
    percent: dict[str, str] = field(default_factory=dict)  # tax code -> column
    expression: dict[str, str] = field(default_factory=dict)
    base: dict[str, str] = field(default_factory=dict)
    groups: frozenset[str] = frozenset()


def _national_columns(header: set[str], tax_codes: set[str], errors: RowErrors) -> NationalColumns:
    columns = NationalColumns()
    for name in sorted(header):
        match = TAX_COLUMN.match(name)
        if not match:
            continue
        code, role = match[1].upper(), match[2]
        if code not in tax_codes:
            errors.add(1, f"column {name}: unknown tax code {code}", name)
            continue
        {"pct": columns.percent, "expr": columns.expression, "base": columns.base}[role][code] = name
    groups = set(columns.percent) | set(columns.expression)
    groups |= {DOC_GROUP} if "formalities" in header else set()
    groups |= {PROHIBITION_GROUP} if "prohibited" in header else set()
    columns.groups = frozenset(groups)
    return columns


def _read_national(
    text: str,
    header: set[str],
    tax_codes: set[str],
    default_from: date | None,
    errors: RowErrors,
    progress: Progress | None,
    report: ImportReport,
) -> list[LineInput]:
    columns = _national_columns(header, tax_codes, errors)
    if default_from is None and "valid_from" not in header:
        errors.add(1, "missing columns: valid_from (or give the import a valid-from date)")
    if "description_fr" not in header:
        errors.add(1, "missing columns: description_fr")
    errors.raise_if_any(0)
    lines: list[LineInput] = []
    seen: dict[tuple[str, date], int] = {}
    for line, raw in counted(read_csv(io.StringIO(text), {"code10"}, errors), progress):
        report.rows += 1
        row = {_column(k): v for k, v in raw.items()}
        item = _national_line(line, row, header, columns, default_from, errors)
        if item is None:
            continue
        key = (item.code, item.valid_from)
        if key in seen:
            errors.add(
                line,
                f"duplicate line {item.code} from {item.valid_from} (first at line {seen[key]})",
                "code10",
            )
            continue
        seen[key] = line
        lines.append(item)
    return lines


def _national_line(
    line: int,
    row: dict[str, str],
    header: set[str],
    columns: NationalColumns,
    default_from: date | None,
    errors: RowErrors,
) -> LineInput | None:
    before = len(errors.errors)
    code = row["code10"]
    if not is_tariff_code(code):
        errors.add(line, f"{code!r} is not a 10-digit tariff code", "code10")
        return None
    if row.get("hs6") and row["hs6"] != code[:6]:
        errors.add(line, f"hs6 {row['hs6']} does not match code {code}", "hs6")
    if not row.get("description_fr"):
        errors.add(line, "description_fr is empty", "description_fr")
    valid_from, valid_to = _validity(line, row, default_from, errors)
    fields: dict[str, str | None] = {"hs6": code[:6]}
    for name, limit in (
        ("description_fr", 4000),
        ("description_ar", 4000),
        ("description_en", 4000),
        ("supplementary_unit", 16),
    ):
        if name in header:
            value = row.get(name) or None
            if value and len(value) > limit:
                errors.add(line, f"{name} is longer than {limit} characters", name)
            fields[name] = value
    legal_reference = row.get("legal_reference") or None
    if legal_reference and len(legal_reference) > 200:
        errors.add(line, "legal_reference is longer than 200 characters", "legal_reference")
    if valid_from is None or len(errors.errors) > before:
        return None
    measures = _national_measures(line, row, code, columns, valid_from, legal_reference, errors)
    if measures is None:
        return None
    return LineInput(line, code, valid_from, valid_to, fields, columns.groups, measures, code)


def _validity(
    line: int, row: dict[str, str], default_from: date | None, errors: RowErrors
) -> tuple[date | None, date | None]:
    try:
        valid_from = parse_date(row["valid_from"]) if row.get("valid_from") else default_from
        valid_to = parse_date(row["valid_to"]) if row.get("valid_to") else None
    except ValueError:
        errors.add(line, "dates must be YYYY-MM-DD", "valid_from")
        return None, None
    if valid_from is None:
        errors.add(line, "valid_from is empty", "valid_from")
    elif valid_to is not None and valid_to < valid_from:
        errors.add(line, "valid_to is before valid_from", "valid_to")
        return None, None
    return valid_from, valid_to


def _national_measures(
    line: int,
    row: dict[str, str],
    code: str,
    columns: NationalColumns,
    valid_from: date,
    legal_reference: str | None,
    errors: RowErrors,
) -> list[Measure] | None:
    before = len(errors.errors)
    measures: list[Measure] = []
    for tax_code in sorted(set(columns.percent) | set(columns.expression)):
        text = _tax_text(line, row, tax_code, columns, errors)
        base_column = columns.base.get(tax_code)
        base = split_codes(row[base_column]) if base_column and row.get(base_column) else None
        try:
            rates = parse_duty_expression(text) if text else []
        except DouaneError as exc:
            errors.add(line, exc.message.format(**exc.params), columns.expression.get(tax_code))
            continue
        measures += [
            measure_from_rate(
                r,
                line_code=code,
                tax_code=tax_code,
                valid_from=valid_from,
                base=base,
                legal_reference=legal_reference,
            )
            for r in rates
        ]
    for document in _split_list(row.get("formalities", "")):
        if not DOCUMENT_CODE.match(document):
            errors.add(line, f"{document!r} is not a document code", "formalities")
        measures.append(
            Measure(
                code,
                MeasureKind.DOCUMENT_REQUIRED,
                valid_from,
                document_code=document,
                legal_reference=legal_reference,
            )
        )
    prohibited = row.get("prohibited", "").lower()
    if prohibited not in YES | NO:
        errors.add(line, f"prohibited must be yes or no, not {prohibited!r}", "prohibited")
    elif prohibited in YES:
        measures.append(Measure(code, MeasureKind.PROHIBITION, valid_from, legal_reference=legal_reference))
    return None if len(errors.errors) > before else measures


def _tax_text(
    line: int, row: dict[str, str], tax_code: str, columns: NationalColumns, errors: RowErrors
) -> str:
    percent = row.get(columns.percent.get(tax_code, ""), "")
    expression = row.get(columns.expression.get(tax_code, ""), "")
    if percent and expression:
        errors.add(line, f"{tax_code}: give either a percentage or an expression, not both")
        return ""
    if not percent:
        return expression
    try:
        value = Decimal(percent.rstrip("%").strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= MAX_PERCENT or value.as_tuple().exponent < -4:  # type: ignore[operator]
        errors.add(
            line,
            f"{percent!r} is not a percentage (0 to 1000, at most 4 decimals)",
            columns.percent[tax_code],
        )
        return ""
    return f"{value}%"


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split("|") if part.strip()]


def _check_hs6(session: Session, lines: list[LineInput], errors: RowErrors) -> None:
    """Every line's hs6 must be a subheading of the nomenclature (of any edition loaded)."""
    known = set(session.scalars(select(HsNodeRow.code).where(HsNodeRow.level == 6).distinct()))
    for item in lines:
        hs6 = item.fields["hs6"]
        if hs6 not in known:
            errors.add(item.line, f"hs6 {hs6} is not in the HS nomenclature", "hs6")


# --- writing -----------------------------------------------------------------------------------------


def _signature(measure: Measure) -> Measure:
    return replace(measure, id=None, valid_from=date.min, valid_to=None)


def _same_measures(a: list[Measure], b: list[Measure]) -> bool:
    return Counter(map(_signature, a)) == Counter(map(_signature, b))


def _group(measure: Measure) -> str:
    if measure.kind == MeasureKind.DOCUMENT_REQUIRED:
        return DOC_GROUP
    if measure.kind == MeasureKind.PROHIBITION:
        return PROHIBITION_GROUP
    return measure.tax_code or ""


@dataclass
class Changes:
    line_inserts: list[dict[str, Any]] = field(default_factory=list)
    line_updates: list[dict[str, Any]] = field(default_factory=list)
    measure_inserts: list[Measure] = field(default_factory=list)
    measure_ends: dict[date, list[int]] = field(default_factory=dict)
    measure_deletes: list[int] = field(default_factory=list)


def _apply(session: Session, clock: Clock, lines: list[LineInput], source: str, report: ImportReport) -> None:
    versions = _existing_versions(session)
    earliest = min((item.valid_from for item in lines), default=date.max)
    existing = _existing_measures(session, earliest)
    changes = Changes()
    for item in lines:
        line_status = _plan_line(item, versions.get(item.code, []), source, clock, changes)
        measures_changed = _plan_measures(item, existing, changes)
        if line_status == "inserted":
            report.inserted += 1
        elif line_status == "updated" or measures_changed:
            report.updated += 1
        else:
            report.unchanged += 1
    _write(session, clock, changes, source)
    ended = sum(len(ids) for ids in changes.measure_ends.values())
    report.notes.append(
        f"measures: {len(changes.measure_inserts)} added, {ended} ended, "
        f"{len(changes.measure_deletes)} replaced"
    )


def _existing_versions(session: Session) -> dict[str, list[Any]]:
    versions: dict[str, list[Any]] = {}
    columns = [TariffLineRow.id, TariffLineRow.code, TariffLineRow.valid_from, TariffLineRow.valid_to]
    for row in session.execute(select(*columns, *[getattr(TariffLineRow, f) for f in LINE_FIELDS])):
        versions.setdefault(row.code, []).append(row)
    return versions


def _existing_measures(session: Session, earliest: date) -> dict[tuple[str, str], list[Measure]]:
    rows = session.scalars(
        select(MeasureRow).where((MeasureRow.valid_to.is_(None)) | (MeasureRow.valid_to >= earliest))
    ).all()
    by_group: dict[tuple[str, str], list[Measure]] = {}
    for measure in load_measures(session, rows):
        by_group.setdefault((measure.line_code, _group(measure)), []).append(measure)
    return by_group


def _plan_line(item: LineInput, versions: list[Any], source: str, clock: Clock, changes: Changes) -> str:
    start = item.valid_from
    covering = next((v for v in versions if v.valid_from <= start <= (v.valid_to or date.max)), None)
    later = [v.valid_from for v in versions if v.valid_from > start]
    valid_to = item.valid_to or (min(later) - timedelta(days=1) if later else None)
    if covering is None:
        changes.line_inserts.append(
            {
                "code": item.code,
                **{f: None for f in LINE_FIELDS},
                **item.fields,
                "valid_from": start,
                "valid_to": valid_to,
                "source": source,
                "created_at": clock.now(),
            }
        )
        return "inserted"
    merged = {f: getattr(covering, f) for f in LINE_FIELDS} | item.fields
    same_fields = all(getattr(covering, f) == merged[f] for f in LINE_FIELDS)
    if same_fields and (item.valid_to is None or item.valid_to == covering.valid_to):
        return "unchanged"
    if covering.valid_from == start:
        changes.line_updates.append(
            {"id": covering.id, **merged, "valid_to": item.valid_to or covering.valid_to}
        )
    else:
        changes.line_updates.append({"id": covering.id, "valid_to": start - timedelta(days=1)})
        changes.line_inserts.append(
            {
                "code": item.code,
                **merged,
                "valid_from": start,
                "valid_to": item.valid_to or covering.valid_to,
                "source": source,
                "created_at": clock.now(),
            }
        )
    return "updated"


def _plan_measures(item: LineInput, existing: dict[tuple[str, str], list[Measure]], changes: Changes) -> bool:
    changed = False
    start = item.valid_from
    for group in sorted(item.groups):
        stored = existing.get((item.code, group), [])
        current = [m for m in stored if m.valid_from <= start <= (m.valid_to or date.max)]
        wanted = [m for m in item.measures if _group(m) == group]
        if _same_measures(current, wanted):
            continue
        changed = True
        for measure in current:
            assert measure.id is not None
            if measure.valid_from == start:
                changes.measure_deletes.append(measure.id)
            else:
                changes.measure_ends.setdefault(start - timedelta(days=1), []).append(measure.id)
        later = [m.valid_from for m in stored if m.valid_from > start]
        valid_to = item.valid_to or (min(later) - timedelta(days=1) if later else None)
        changes.measure_inserts += [replace(m, valid_to=valid_to) for m in wanted]
    return changed


def _write(session: Session, clock: Clock, changes: Changes, source: str) -> None:
    if changes.line_updates:
        session.execute(update(TariffLineRow), changes.line_updates)
    for rows in _chunks(changes.line_inserts):
        session.execute(insert(TariffLineRow), rows)
    for day, ended in changes.measure_ends.items():
        for chunk in _chunks(ended):
            session.execute(update(MeasureRow).where(MeasureRow.id.in_(chunk)).values(valid_to=day))
    for chunk in _chunks(changes.measure_deletes):
        session.execute(delete(MeasureComponentRow).where(MeasureComponentRow.measure_id.in_(chunk)))
        session.execute(delete(MeasureRow).where(MeasureRow.id.in_(chunk)))
    now = clock.now()
    for measures in _chunks(changes.measure_inserts):
        rows = [measure_values(m, source=source, created_at=now) for m in measures]
        ids = list(
            session.scalars(insert(MeasureRow).returning(MeasureRow.id, sort_by_parameter_order=True), rows)
        )
        components = [
            c for m, measure_id in zip(measures, ids, strict=True) for c in component_values(m, measure_id)
        ]
        if components:
            session.execute(insert(MeasureComponentRow), components)


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
