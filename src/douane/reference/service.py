"""Reference look-ups other contexts call: tariff lines, measures in force, tax types, exchange rates,
countries and currencies. Every function takes the caller's session; the caller owns the transaction."""

from __future__ import annotations

import csv
import gettext
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
from sqlalchemy import ColumnElement, func, insert, or_, select
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.audit.service import ActorRef
from douane.db import fetch_page
from douane.kernel.clock import Clock
from douane.kernel.errors import InvalidInput, NotFound
from douane.kernel.money import DZD, Money, minor_units
from douane.read_cache import MISSING, cached, peek, remember, watch_writes
from douane.reference.model import (
    DEFAULT_EDITION,
    DutyFormula,
    Measure,
    MeasureKind,
    SeasonalWindow,
    SpecificDuty,
    TariffLine,
    TaxType,
)
from douane.reference.tables import (
    ExchangeRateRow,
    HsNodeRow,
    MeasureComponentRow,
    MeasureRow,
    TariffLineRow,
    TaxTypeRow,
)

# The shared reads (tax types, lines, measures, rates) are valid until these tables change.
watch_writes(TaxTypeRow, TariffLineRow, MeasureRow, MeasureComponentRow, ExchangeRateRow)

DEFAULT_TAX_TYPES = Path(__file__).parent / "data" / "tax_types.csv"
LANGUAGES = ("en", "fr", "ar")


# --- tax types ---------------------------------------------------------------------------------------


def tax_type_of(row: TaxTypeRow) -> TaxType:
    return TaxType(
        code=row.code,
        name_fr=row.name_fr,
        name_ar=row.name_ar,
        name_en=row.name_en,
        computation_order=row.computation_order,
        default_base=split_codes(row.default_base),
        notes=row.notes,
    )


def split_codes(text: str | None) -> tuple[str, ...]:
    return tuple(code.strip().upper() for code in (text or "").split("|") if code.strip())


def list_tax_types(session: Session) -> list[TaxType]:
    return list(tax_types_in_order(session))


def tax_types_in_order(session: Session) -> tuple[TaxType, ...]:
    """The tax types in computation order, as the read cache keeps them: inside `reads_cached`, the same
    tuple while the read generation is unchanged (see `measures_in_force_by_line`)."""
    return cached(session, ("reference.tax_types",), lambda: _load_tax_types(session), shared=True)


def _load_tax_types(session: Session) -> tuple[TaxType, ...]:
    rows = session.scalars(select(TaxTypeRow).order_by(TaxTypeRow.computation_order, TaxTypeRow.code))
    return tuple(tax_type_of(row) for row in rows)


def default_tax_types() -> list[TaxType]:
    """The Algerian set shipped with douane (data/tax_types.csv)."""
    with DEFAULT_TAX_TYPES.open(encoding="utf-8") as handle:
        return [
            TaxType(
                code=row["code"],
                name_fr=row["name_fr"],
                name_ar=row["name_ar"],
                name_en=row["name_en"],
                computation_order=int(row["computation_order"]),
                default_base=split_codes(row["default_base"]),
                notes=row["notes"] or None,
            )
            for row in csv.DictReader(handle)
        ]


def ensure_tax_types(session: Session, clock: Clock, by: ActorRef | None = None) -> int:
    """Seed the shipped tax types that are missing; returns how many were added."""
    present = set(session.scalars(select(TaxTypeRow.code)))
    missing = [t for t in default_tax_types() if t.code not in present]
    if missing:
        session.execute(insert(TaxTypeRow), [tax_type_values(t) for t in missing])
        audit.record(
            session,
            clock,
            category=audit.DATA,
            action="reference.tax_types_seeded",
            actor=by,
            entity_type="tax_type",
            detail={"codes": [t.code for t in missing]},
        )
    return len(missing)


def tax_type_values(tax: TaxType) -> dict[str, object]:
    return {
        "code": tax.code,
        "name_fr": tax.name_fr,
        "name_ar": tax.name_ar,
        "name_en": tax.name_en,
        "computation_order": tax.computation_order,
        "default_base": "|".join(tax.default_base),
        "notes": tax.notes,
    }


# --- tariff lines and measures -----------------------------------------------------------------------


def tariff_line_of(row: TariffLineRow) -> TariffLine:
    return TariffLine(
        code=row.code,
        hs6=row.hs6,
        description_fr=row.description_fr,
        description_ar=row.description_ar,
        description_en=row.description_en,
        supplementary_unit=row.supplementary_unit,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


def in_force_clause(column_from: Any, column_to: Any, on: date) -> tuple[ColumnElement[bool], ...]:
    """Rows whose [valid_from, valid_to] period (valid_to None = open) contains `on`."""
    return column_from <= on, or_(column_to.is_(None), column_to >= on)


def tariff_line_at(session: Session, code: str, on: date) -> TariffLine:
    """The version of the 10-digit line `code` in force on `on`; NotFound if there is none."""
    line = cached(
        session,
        ("reference.tariff_line", code, on),
        lambda: _load_tariff_line(session, code, on),
        shared=True,
    )
    if line is None:
        raise NotFound(
            "reference.tariff_line_not_found",
            "No tariff line {line_code} in force on {on}",
            line_code=code,
            on=on.isoformat(),
        )
    return line


def _load_tariff_line(session: Session, code: str, on: date) -> TariffLine | None:
    row = session.scalars(
        select(TariffLineRow).where(
            TariffLineRow.code == code, *in_force_clause(TariffLineRow.valid_from, TariffLineRow.valid_to, on)
        )
    ).first()
    return None if row is None else tariff_line_of(row)


def tariff_lines_at(session: Session, codes: Iterable[str], on: date) -> dict[str, TariffLine | None]:
    """`tariff_line_at` for many codes in one query (None where no version is in force on `on`)."""
    found: dict[str, TariffLine | None] = {}
    wanted = []
    for code in sorted(set(codes)):
        known = peek(session, ("reference.tariff_line", code, on))
        found[code] = None if known is MISSING else known
        if known is MISSING:
            wanted.append(code)
    if not wanted:
        return found
    rows = session.scalars(
        select(TariffLineRow)
        .where(
            TariffLineRow.code.in_(wanted),
            *in_force_clause(TariffLineRow.valid_from, TariffLineRow.valid_to, on),
        )
        .order_by(TariffLineRow.id)
    )
    for row in rows:
        if found[row.code] is None:
            found[row.code] = tariff_line_of(row)
    for code, line in found.items():
        remember(session, ("reference.tariff_line", code, on), line, shared=True)
    return found


def measures_in_force(session: Session, line_code: str, on: date) -> list[Measure]:
    """Every measure on `line_code` in force on `on` (seasonal ones only inside their season),
    taxes in computation order first, then prohibitions and document requirements."""
    return measures_in_force_many(session, [line_code], on)[line_code]


def measures_in_force_many(session: Session, line_codes: Iterable[str], on: date) -> dict[str, list[Measure]]:
    """`measures_in_force` for many lines at once; every code asked for has an entry, maybe empty."""
    return {
        code: list(measures) for code, measures in measures_in_force_by_line(session, line_codes, on).items()
    }


def measures_in_force_by_line(
    session: Session, line_codes: Iterable[str], on: date
) -> dict[str, tuple[Measure, ...]]:
    """`measures_in_force_many` as the tuples the read cache keeps, keyed by code, in code order. Inside
    `reads_cached`, a line's tuple is the same object while the database's read generation is unchanged
    (and the shared cache has not started afresh), so a caller may recognise it by identity: the
    assessment engine finds its plans so. A write to any watched table, tariff or not, draws a new
    generation, hence new tuples in the units of work that follow; outside `reads_cached` every call
    makes new ones. Lines without measures all get the same empty tuple."""
    found = {code: peek(session, ("reference.measures", code, on)) for code in sorted(set(line_codes))}
    missing = [code for code, measures in found.items() if measures is MISSING]
    if missing:
        for code, loaded in _load_measures_in_force(session, missing, on).items():
            found[code] = measures = tuple(loaded)
            remember(session, ("reference.measures", code, on), measures, shared=True)
    return found


def _load_measures_in_force(session: Session, line_codes: list[str], on: date) -> dict[str, list[Measure]]:
    found: dict[str, list[Measure]] = {code: [] for code in line_codes}
    rows = session.scalars(
        select(MeasureRow).where(
            MeasureRow.line_code.in_(list(found)),
            *in_force_clause(MeasureRow.valid_from, MeasureRow.valid_to, on),
        )
    ).all()
    for measure in load_measures(session, rows):
        if measure.in_force(on):
            found[measure.line_code].append(measure)
    order = {t.code: t.computation_order for t in list_tax_types(session)}
    for measures in found.values():
        measures.sort(key=lambda m: (order.get(m.tax_code or "", 10_000), m.kind, m.document_code or ""))
    return found


def measure_history(session: Session, line_code: str) -> list[Measure]:
    """Every measure ever recorded on `line_code`, oldest first."""
    rows = session.scalars(
        select(MeasureRow)
        .where(MeasureRow.line_code == line_code)
        .order_by(MeasureRow.valid_from, MeasureRow.id)
    ).all()
    return load_measures(session, rows)


def required_documents(session: Session, line_code: str, on: date) -> list[str]:
    """Codes of the documents (formalities) the line requires on `on`."""
    return sorted(
        m.document_code
        for m in measures_in_force(session, line_code, on)
        if m.kind == MeasureKind.DOCUMENT_REQUIRED and m.document_code
    )


def is_prohibited(session: Session, line_code: str, on: date) -> bool:
    return any(m.kind == MeasureKind.PROHIBITION for m in measures_in_force(session, line_code, on))


def load_measures(session: Session, rows: Iterable[MeasureRow]) -> list[Measure]:
    rows = list(rows)
    components: dict[int, list[MeasureComponentRow]] = {row.id: [] for row in rows}
    ids = list(components)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        query = select(MeasureComponentRow).where(MeasureComponentRow.measure_id.in_(chunk))
        for component in session.scalars(query.order_by(MeasureComponentRow.position)):
            components[component.measure_id].append(component)
    return [measure_of(row, components[row.id]) for row in rows]


def measure_of(row: MeasureRow, components: list[MeasureComponentRow]) -> Measure:
    formulas = {role: formula_of(row, [c for c in components if c.role == role]) for role in ("min", "max")}
    season = (
        SeasonalWindow.from_keys(row.season_from, row.season_to)
        if row.season_from is not None and row.season_to is not None
        else None
    )
    main = formula_of(row, [c for c in components if c.role == "add"], rate_percent=row.rate_percent)
    return Measure(
        line_code=row.line_code,
        kind=MeasureKind(row.kind),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        tax_code=row.tax_code,
        formula=main or DutyFormula(),
        minimum=formulas["min"],
        maximum=formulas["max"],
        season=season,
        base=None if row.base is None else split_codes(row.base),
        document_code=row.document_code,
        legal_reference=row.legal_reference,
        id=row.id,
    )


def formula_of(
    row: MeasureRow, components: list[MeasureComponentRow], rate_percent: Decimal | None = None
) -> DutyFormula | None:
    if not components and rate_percent is None:
        return None
    specifics = tuple(
        SpecificDuty(c.amount, c.currency, c.per_quantity or Decimal(1), c.unit or "", c.qualifier)
        for c in components
        if c.amount is not None and c.currency is not None
    )
    percents = [c.rate_percent for c in components if c.rate_percent is not None]
    references = tuple(c.reference for c in components if c.reference)
    return DutyFormula(
        rate_percent=percents[0] if percents else rate_percent, specifics=specifics, references=references
    )


def measure_values(measure: Measure, *, source: str, created_at: object) -> dict[str, object]:
    """The tariff_measures row of a measure (components are separate: see `component_values`)."""
    return {
        "line_code": measure.line_code,
        "tax_code": measure.tax_code,
        "kind": measure.kind.value,
        "rate_percent": measure.formula.rate_percent,
        "season_from": measure.season.start_key if measure.season else None,
        "season_to": measure.season.end_key if measure.season else None,
        "base": None if measure.base is None else "|".join(measure.base),
        "document_code": measure.document_code,
        "legal_reference": measure.legal_reference,
        "valid_from": measure.valid_from,
        "valid_to": measure.valid_to,
        "source": source,
        "created_at": created_at,
    }


def component_values(measure: Measure, measure_id: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for role, formula in (("add", measure.formula), ("min", measure.minimum), ("max", measure.maximum)):
        if formula is None:
            continue
        if role != "add" and formula.rate_percent is not None:
            rows.append({"role": role, "rate_percent": formula.rate_percent})
        for duty in formula.specifics:
            rows.append(
                {
                    "role": role,
                    "amount": duty.amount,
                    "currency": duty.currency,
                    "per_quantity": duty.per_quantity,
                    "unit": duty.unit,
                    "qualifier": duty.qualifier,
                }
            )
        rows.extend({"role": role, "reference": ref} for ref in formula.references)
    empty = dict.fromkeys(
        ("rate_percent", "amount", "currency", "per_quantity", "unit", "qualifier", "reference")
    )
    return [{**empty, **row, "measure_id": measure_id, "position": i} for i, row in enumerate(rows)]


# --- HS nomenclature ---------------------------------------------------------------------------------


def hs_node(session: Session, code: str, edition: str = DEFAULT_EDITION) -> HsNodeRow:
    row = session.scalars(
        select(HsNodeRow).where(HsNodeRow.edition == edition, HsNodeRow.code == code)
    ).first()
    if row is None:
        raise NotFound(
            "reference.hs_code_not_found", "No HS code {hs_code} in {edition}", hs_code=code, edition=edition
        )
    return row


# --- exchange rates ----------------------------------------------------------------------------------


def rate_on(session: Session, currency: str, on: date) -> Decimal:
    """Dinars per unit of `currency` on `on` (1 for DZD); NotFound if no rate covers that date."""
    currency = currency.upper()
    if currency == DZD:
        return Decimal(1)
    rate = cached(
        session, ("reference.rate", currency, on), lambda: _load_rate(session, currency, on), shared=True
    )
    if rate is None:
        raise NotFound(
            "reference.exchange_rate_not_found",
            "No exchange rate for {currency} on {on}",
            currency=currency,
            on=on.isoformat(),
        )
    return rate


def _load_rate(session: Session, currency: str, on: date) -> Decimal | None:
    row = session.scalars(
        select(ExchangeRateRow)
        .where(
            ExchangeRateRow.currency == currency,
            *in_force_clause(ExchangeRateRow.valid_from, ExchangeRateRow.valid_to, on),
        )
        .order_by(ExchangeRateRow.valid_from.desc())
    ).first()
    return None if row is None else row.dzd_per_unit


def to_dzd(session: Session, amount: Money, on: date) -> Money:
    """`amount` converted to dinars at the rate in force on `on`, rounded half-even to the centime."""
    return Money(amount.amount * rate_on(session, amount.currency, on), DZD).quantized()


# --- countries and currencies ------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    alpha_2: str
    alpha_3: str
    numeric: str
    name_en: str
    name_fr: str
    name_ar: str


@dataclass(frozen=True)
class Currency:
    code: str
    numeric: str
    minor_units: int
    name_en: str
    name_fr: str
    name_ar: str


@lru_cache
def _translator(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


@lru_cache
def countries() -> tuple[Country, ...]:
    """ISO 3166-1 countries with their names in English, French and Arabic (pycountry's catalogs)."""
    fr, ar = _translator("iso3166-1", "fr"), _translator("iso3166-1", "ar")
    return tuple(
        Country(c.alpha_2, c.alpha_3, c.numeric, c.name, fr.gettext(c.name), ar.gettext(c.name))
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2)
    )


@lru_cache
def currencies() -> tuple[Currency, ...]:
    fr, ar = _translator("iso4217", "fr"), _translator("iso4217", "ar")
    return tuple(
        Currency(c.alpha_3, c.numeric, minor_units(c.alpha_3), c.name, fr.gettext(c.name), ar.gettext(c.name))
        for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
    )


def is_currency(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code) is not None


def country(code: str) -> Country:
    """The country of an alpha-2 or alpha-3 code (any case); NotFound if there is none."""
    code = code.upper()
    found = _countries_by_code().get(code)
    if found is None:
        raise NotFound("reference.country_not_found", "No country {country}", country=code)
    return found


@lru_cache
def _countries_by_code() -> dict[str, Country]:
    """Lodging looks up every item's origin: a walk through the 249 countries cost 3 (CN) to 21 (ZW)
    microseconds a lookup, this table 0.15."""
    return {code: c for c in countries() for code in (c.alpha_2, c.alpha_3)}


def require_currency(code: str) -> str:
    if not is_currency(code.upper()):
        raise InvalidInput(
            "reference.unknown_currency", "Not an ISO 4217 currency: {currency}", currency=code
        )
    return code.upper()


# --- tariff-line search --------------------------------------------------------------------------------


def search_tariff_lines(
    session: Session, q: str | None, on: date, offset: int = 0, limit: int = 50, *, hs6: str | None = None
) -> tuple[list[TariffLine], int]:
    """Tariff lines in force on `on`, by code order: a code prefix (dots and spaces ignored) or words of the
    description in any language, optionally under one HS subheading; returns one page and the total."""
    query = select(TariffLineRow).where(
        *in_force_clause(TariffLineRow.valid_from, TariffLineRow.valid_to, on)
    )
    if hs6:
        query = query.where(TariffLineRow.hs6 == hs6)
    text = (q or "").strip()
    if text:
        digits = text.replace(".", "").replace(" ", "")
        if digits.isdigit():
            query = query.where(TariffLineRow.code.startswith(digits))
        else:
            pattern = f"%{text.lower()}%"
            descriptions = (
                TariffLineRow.description_fr,
                TariffLineRow.description_en,
                TariffLineRow.description_ar,
            )
            query = query.where(or_(*(func.lower(column).like(pattern) for column in descriptions)))
    rows, total = fetch_page(session, query, TariffLineRow.code, offset, limit)
    return [tariff_line_of(row) for row in rows], total
