"""File imports of reference data: HS nomenclature and sections, tax types, exchange rates (and, from
tariff_import, tariff lines). Each file is imported whole or not at all; a re-import of the same file
changes nothing. Formats: docs/reference-formats.md."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from douane.audit.service import ActorRef
from douane.kernel.clock import Clock
from douane.kernel.errors import InvalidInput
from douane.kernel.imports import ImportReport, Progress, RowErrors, read_csv
from douane.reference.import_support import Source, counted, parse_date, read_text, record_import
from douane.reference.model import DEFAULT_EDITION, ROMAN_SECTIONS, TaxType, base_problems, is_hs_code
from douane.reference.service import is_currency, list_tax_types, split_codes, tax_type_values
from douane.reference.tables import ExchangeRateRow, HsNodeRow, HsSectionRow, TaxTypeRow
from douane.reference.tariff_import import import_tariff

__all__ = ["import_hs", "import_hs_sections", "import_rates", "import_tariff", "import_tax_types"]

DROPPED_HS_CODES = {"TOTAL", "99", "9999", "999999"}
EDITION_PATTERN = re.compile(r"^HS\d{4}$", re.ASCII)


def check_edition(edition: str) -> str:
    edition = edition.upper()
    if not EDITION_PATTERN.match(edition):
        raise InvalidInput(
            "reference.bad_edition", "Not an HS edition (HS2022, HS2017...): {edition}", edition=edition
        )
    return edition


# --- HS nomenclature ---------------------------------------------------------------------------------

HS_FIELDS = ("level", "parent_code", "section", "description_en")
HS_TRANSLATIONS = ("description_fr", "description_ar")


def import_hs(
    session: Session,
    clock: Clock,
    source: Source,
    progress: Progress | None = None,
    by: ActorRef | None = None,
    *,
    edition: str = DEFAULT_EDITION,
) -> ImportReport:
    """Chapters, headings and subheadings of one HS edition (columns section, hscode, description,
    parent, level); the TOTAL and 99/9999/999999 rows are dropped."""
    edition = check_edition(edition)
    errors = RowErrors()
    report = ImportReport(kind="hs")
    nodes: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    required = {"section", "hscode", "description", "parent", "level"}
    for line, row in counted(read_csv(source, required, errors), progress):
        report.rows += 1
        if not any(row.values()) or row["section"] == "TOTAL" or row["hscode"] in DROPPED_HS_CODES:
            continue
        node = _hs_node(line, row, errors)
        if node is None:
            continue
        if node["code"] in first_line:
            errors.add(
                line, f"duplicate code {node['code']} (first at line {first_line[node['code']]})", "hscode"
            )
            continue
        first_line[node["code"]] = line
        nodes[node["code"]] = node
    for code, node in nodes.items():
        if node["parent_code"] and node["parent_code"] not in nodes:
            errors.add(first_line[code], f"parent {node['parent_code']} is not in the file", "parent")
    errors.raise_if_any(report.rows)
    _save_hs_nodes(session, edition, nodes, report)
    _ensure_sections(session, edition, {n["section"] for n in nodes.values()})
    levels = {level: sum(1 for n in nodes.values() if n["level"] == level) for level in (2, 4, 6)}
    report.notes.append(f"{edition}: {levels[2]} chapters, {levels[4]} headings, {levels[6]} subheadings")
    record_import(session, clock, by, report, edition=edition)
    return report


def _hs_node(line: int, row: dict[str, str], errors: RowErrors) -> dict[str, Any] | None:
    code, level_text, parent = row["hscode"], row["level"], row["parent"]
    if row["section"] not in ROMAN_SECTIONS:
        errors.add(line, f"unknown section {row['section']!r}", "section")
        return None
    if level_text not in ("2", "4", "6"):
        errors.add(line, f"level must be 2, 4 or 6, not {level_text!r}", "level")
        return None
    level = int(level_text)
    if not is_hs_code(code) or len(code) != level:
        errors.add(line, f"{code!r} is not a {level}-digit HS code", "hscode")
        return None
    expected_parent = code[: level - 2] if level > 2 else None
    if (parent or None) != expected_parent and not (level == 2 and parent == "TOTAL"):
        errors.add(line, f"parent {parent!r} does not match code {code}", "parent")
        return None
    if not row["description"]:
        errors.add(line, "description is empty", "description")
        return None
    node: dict[str, Any] = {
        "code": code,
        "level": level,
        "parent_code": expected_parent,
        "section": row["section"],
        "description_en": row["description"],
    }
    for language in ("fr", "ar"):
        if f"description_{language}" in row:  # optional columns: absent leaves stored translations alone
            node[f"description_{language}"] = row[f"description_{language}"] or None
    return node


def _save_hs_nodes(
    session: Session, edition: str, nodes: dict[str, dict[str, Any]], report: ImportReport
) -> None:
    existing = {
        row.code: row
        for row in session.execute(
            select(
                HsNodeRow.id, HsNodeRow.code, *[getattr(HsNodeRow, f) for f in HS_FIELDS + HS_TRANSLATIONS]
            ).where(HsNodeRow.edition == edition)
        )
    }
    inserts, updates = [], []
    for code, node in nodes.items():
        current = existing.get(code)
        fields = [f for f in HS_FIELDS + HS_TRANSLATIONS if f in node]
        if current is None:
            inserts.append({"description_fr": None, "description_ar": None, **node, "edition": edition})
        elif any(getattr(current, f) != node[f] for f in fields):
            updates.append({"id": current.id, **{f: node[f] for f in fields}})
        else:
            report.unchanged += 1
    if inserts:
        session.execute(insert(HsNodeRow), inserts)
    if updates:
        session.execute(update(HsNodeRow), updates)
    report.inserted, report.updated = len(inserts), len(updates)


def _ensure_sections(session: Session, edition: str, numbers: set[str]) -> None:
    present = set(session.scalars(select(HsSectionRow.number).where(HsSectionRow.edition == edition)))
    missing = [n for n in ROMAN_SECTIONS if n in numbers and n not in present]
    if missing:
        session.execute(
            insert(HsSectionRow),
            [{"edition": edition, "number": n, "position": ROMAN_SECTIONS.index(n) + 1} for n in missing],
        )


def import_hs_sections(
    session: Session,
    clock: Clock,
    source: Source,
    progress: Progress | None = None,
    by: ActorRef | None = None,
    *,
    edition: str = DEFAULT_EDITION,
) -> ImportReport:
    """Section names (columns section, name; optional name_fr, name_ar)."""
    edition = check_edition(edition)
    errors = RowErrors()
    report = ImportReport(kind="hs_sections")
    names: dict[str, dict[str, str | None]] = {}
    for line, row in counted(read_csv(source, {"section", "name"}, errors), progress):
        report.rows += 1
        number = row["section"].upper()
        if number not in ROMAN_SECTIONS:
            errors.add(line, f"unknown section {row['section']!r}", "section")
        elif number in names:
            errors.add(line, f"duplicate section {number}", "section")
        elif not row["name"]:
            errors.add(line, "name is empty", "name")
        else:
            names[number] = {
                "name_en": row["name"],
                "name_fr": row.get("name_fr") or None,
                "name_ar": row.get("name_ar") or None,
            }
    errors.raise_if_any(report.rows)
    _ensure_sections(session, edition, set(names))
    for section in session.scalars(select(HsSectionRow).where(HsSectionRow.edition == edition)):
        wanted = names.get(section.number)
        if wanted is None:
            continue
        wanted = {k: v if v is not None else getattr(section, k) for k, v in wanted.items()}
        if all(getattr(section, k) == v for k, v in wanted.items()):
            report.unchanged += 1
            continue
        report.updated += 1
        for key, value in wanted.items():
            setattr(section, key, value)
    session.flush()
    record_import(session, clock, by, report, edition=edition)
    return report


# --- tax types ---------------------------------------------------------------------------------------


def import_tax_types(
    session: Session,
    clock: Clock,
    source: Source,
    progress: Progress | None = None,
    by: ActorRef | None = None,
) -> ImportReport:
    """Add or change tax types (columns code, name_fr, name_ar, name_en, computation_order,
    default_base as "|"-separated tax codes, notes)."""
    errors = RowErrors()
    report = ImportReport(kind="tax_types")
    required = {"code", "name_fr", "name_ar", "name_en", "computation_order", "default_base"}
    wanted: dict[str, TaxType] = {}
    lines: dict[str, int] = {}
    for line, row in counted(read_csv(source, required, errors), progress):
        report.rows += 1
        tax = _tax_type(line, row, errors)
        if tax is None:
            continue
        if tax.code in wanted:
            errors.add(line, f"duplicate tax code {tax.code} (first at line {lines[tax.code]})", "code")
            continue
        wanted[tax.code], lines[tax.code] = tax, line
    existing = {t.code: t for t in list_tax_types(session)}
    for problem in base_problems(list({**existing, **wanted}.values())):
        code = problem.split(":")[0]
        errors.add(lines.get(code, 1), problem, "default_base")
    errors.raise_if_any(report.rows)
    rows_by_code = {stored.code: stored for stored in session.scalars(select(TaxTypeRow))}
    for code, tax in wanted.items():
        values = tax_type_values(tax)
        stored = rows_by_code.get(code)
        if stored is None:
            session.add(TaxTypeRow(**values))
            report.inserted += 1
        elif existing[code] == tax:
            report.unchanged += 1
        else:
            for key, value in values.items():
                setattr(stored, key, value)
            report.updated += 1
    session.flush()
    record_import(session, clock, by, report, codes=sorted(wanted))
    return report


def _tax_type(line: int, row: dict[str, str], errors: RowErrors) -> TaxType | None:
    code = row["code"].upper()
    if not re.fullmatch(r"[A-Z][A-Z0-9]{0,7}", code):
        errors.add(line, f"{row['code']!r} is not a tax code (letters and digits, at most 8)", "code")
        return None
    if not row["computation_order"].isdigit():
        errors.add(line, "computation_order must be a whole number", "computation_order")
        return None
    missing = [name for name in ("name_fr", "name_ar", "name_en") if not row[name]]
    if missing:
        errors.add(line, f"{missing[0]} is empty", missing[0])
        return None
    return TaxType(
        code=code,
        name_fr=row["name_fr"],
        name_ar=row["name_ar"],
        name_en=row["name_en"],
        computation_order=int(row["computation_order"]),
        default_base=split_codes(row["default_base"]),
        notes=row.get("notes") or None,
    )


# --- exchange rates ----------------------------------------------------------------------------------

RATE_COLUMNS = {"currency", "valid_from", "valid_to", "dzd_per_unit"}
WIDE_COLUMNS = {"period_start", "period_end"}
WIDE_SUFFIX = "_DZD"


def import_rates(
    session: Session,
    clock: Clock,
    source: Source,
    progress: Progress | None = None,
    by: ActorRef | None = None,
) -> ImportReport:
    """Exchange rates, from douane's CSV (currency, valid_from, valid_to, dzd_per_unit) or from the wide
    monthly shape (period_start, period_end, then one XXX_DZD column per currency)."""
    errors = RowErrors()
    report = ImportReport(kind="exchange_rates")
    text = read_text(source, errors)
    header = {h.strip() for h in text.split("\n", 1)[0].split(",")}
    reader: Callable[[str, RowErrors], Iterator[tuple[int, dict[str, Any]]]]
    reader = _wide_rates if header >= WIDE_COLUMNS else _long_rates
    rates: list[dict[str, Any]] = []
    for line, rate in counted(reader(text, errors), progress):
        report.rows += 1
        rates.append({**rate, "line": line})
    _check_overlaps(rates, errors)
    errors.raise_if_any(report.rows)
    _save_rates(session, clock, rates, errors, report)
    errors.raise_if_any(report.rows)
    record_import(session, clock, by, report)
    return report


def _long_rates(text: str, errors: RowErrors) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, row in read_csv(io.StringIO(text), RATE_COLUMNS, errors):
        rate = _rate(
            line, row["currency"].upper(), row["valid_from"], row["valid_to"], row["dzd_per_unit"], errors
        )
        if rate:
            yield line, rate


def _wide_rates(text: str, errors: RowErrors) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, row in read_csv(io.StringIO(text), WIDE_COLUMNS, errors):
        for column, value in row.items():
            if column.upper().endswith(WIDE_SUFFIX) and value:
                currency = column.upper().removesuffix(WIDE_SUFFIX)
                rate = _rate(line, currency, row["period_start"], row["period_end"], value, errors)
                if rate:
                    yield line, rate


def _rate(
    line: int, currency: str, start: str, end: str, value: str, errors: RowErrors
) -> dict[str, Any] | None:
    if not is_currency(currency) or currency == "DZD":
        errors.add(line, f"{currency!r} is not an ISO 4217 foreign currency", "currency")
        return None
    try:
        valid_from = parse_date(start)
        valid_to = parse_date(end) if end else None
    except ValueError:
        errors.add(line, f"dates must be YYYY-MM-DD: {start!r} {end!r}", "valid_from")
        return None
    if valid_to is not None and valid_to < valid_from:
        errors.add(line, "valid_to is before valid_from", "valid_to")
        return None
    try:
        per_unit = Decimal(value)
    except InvalidOperation:
        errors.add(line, f"{value!r} is not a number", "dzd_per_unit")
        return None
    if not per_unit.is_finite() or per_unit <= 0 or per_unit.as_tuple().exponent < -6:  # type: ignore[operator]
        errors.add(line, f"{value!r} must be positive with at most 6 decimals", "dzd_per_unit")
        return None
    return {"currency": currency, "valid_from": valid_from, "valid_to": valid_to, "dzd_per_unit": per_unit}


def _overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return a_from <= (b_to or date.max) and b_from <= (a_to or date.max)


def _check_overlaps(rates: list[dict[str, Any]], errors: RowErrors) -> None:
    by_currency: dict[str, list[dict[str, Any]]] = {}
    for rate in rates:
        by_currency.setdefault(rate["currency"], []).append(rate)
    for periods in by_currency.values():
        periods.sort(key=lambda r: r["valid_from"])
        for before, after in itertools.pairwise(periods):
            if _overlap(before["valid_from"], before["valid_to"], after["valid_from"], after["valid_to"]):
                errors.add(
                    after["line"],
                    f"{after['currency']} period overlaps the one at line {before['line']}",
                    "valid_from",
                )


def _save_rates(
    session: Session, clock: Clock, rates: list[dict[str, Any]], errors: RowErrors, report: ImportReport
) -> None:
    existing: dict[str, list[ExchangeRateRow]] = {}
    for row in session.scalars(select(ExchangeRateRow)):
        existing.setdefault(row.currency, []).append(row)
    inserts, now = [], clock.now()
    for rate in rates:
        periods = existing.get(rate["currency"], [])
        same = next((p for p in periods if p.valid_from == rate["valid_from"]), None)
        clash = next(
            (
                p
                for p in periods
                if p is not same and _overlap(p.valid_from, p.valid_to, rate["valid_from"], rate["valid_to"])
            ),
            None,
        )
        if clash is not None:
            errors.add(
                rate["line"],
                f"{rate['currency']} period overlaps the stored one from {clash.valid_from.isoformat()}",
                "valid_from",
            )
        elif same is None:
            inserts.append(
                {k: rate[k] for k in ("currency", "valid_from", "valid_to", "dzd_per_unit")}
                | {"source": "import", "created_at": now}
            )
        elif (same.valid_to, same.dzd_per_unit) == (rate["valid_to"], rate["dzd_per_unit"]):
            report.unchanged += 1
        else:
            same.valid_to, same.dzd_per_unit = rate["valid_to"], rate["dzd_per_unit"]
            report.updated += 1
    if inserts and not errors:
        session.execute(insert(ExchangeRateRow), inserts)
    report.inserted = len(inserts)
    session.flush()
