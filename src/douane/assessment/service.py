"""Assessment at a date: loads what the pure engine needs from `douane.reference.service` (measures in
force, tax types, exchange rates on the registration date) and runs it. The caller owns the session's
transaction; nothing is written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from douane.assessment.model import (
    ADD_FREIGHT_AND_INSURANCE,
    ADD_INSURANCE,
    SUSPENSION_NOTE,
    Assessment,
    AssessmentError,
    AssessmentInput,
    ItemInput,
    assess,
    mark_suspended,
)
from douane.i18n import LANGUAGES, translate
from douane.kernel.errors import NotFound
from douane.kernel.money import DZD, Money
from douane.read_cache import cached
from douane.reference import service as reference

if TYPE_CHECKING:
    from douane.reference.model import Measure


def assessment_input_at(
    session: Session,
    on: date,
    *,
    invoice_currency: str,
    incoterm: str,
    freight: Money | None = None,
    insurance: Money | None = None,
    other_costs_to_border: Money | None = None,
    items: Sequence[ItemInput],
) -> AssessmentInput:
    """The engine's input for a declaration registered on `on`. An item declaring a supplementary
    quantity without its unit gets the unit of its tariff line. AssessmentError
    `assessment.exchange_rate_missing` when a currency used has no rate on `on`."""
    measures, specific_currencies = _lines(session, _codes(items), on)
    currencies = {invoice_currency.upper()} | specific_currencies
    currencies |= {m.currency for m in _added_costs(incoterm, freight, insurance, other_costs_to_border)}
    return AssessmentInput(
        on=on,
        invoice_currency=invoice_currency.upper(),
        incoterm=incoterm,
        freight=freight,
        insurance=insurance,
        other_costs_to_border=other_costs_to_border,
        items=tuple(_with_unit(session, item, on) for item in items),
        exchange_rates={code: _rate(session, code, on) for code in sorted(currencies - {DZD})},
        measures=measures,
        tax_types=reference.tax_types_in_order(session),
    )


def assess_at(
    session: Session,
    on: date,
    *,
    invoice_currency: str,
    incoterm: str,
    freight: Money | None = None,
    insurance: Money | None = None,
    other_costs_to_border: Money | None = None,
    items: Sequence[ItemInput],
) -> Assessment:
    """The assessment of a declaration registered on `on` (see `assessment_input_at`)."""
    return assess(
        assessment_input_at(
            session,
            on,
            invoice_currency=invoice_currency,
            incoterm=incoterm,
            freight=freight,
            insurance=insurance,
            other_costs_to_border=other_costs_to_border,
            items=items,
        )
    )


def measures_by_line(session: Session, codes: Sequence[str], on: date) -> dict[str, tuple[Measure, ...]]:
    """The measures in force on `on` of each line, read for all lines at once."""
    found = reference.measures_in_force_by_line(session, codes, on)
    return {code: found[code] for code in codes}


def _lines(
    session: Session, codes: list[str], on: date
) -> tuple[dict[str, tuple[Measure, ...]], frozenset[str]]:
    """The measures of `codes` (sorted, distinct) on `on` and the currencies of their specific duties.
    Kept for the set of lines during the unit of work only (a batch's declarations often share theirs;
    sets are too many to keep between units of work, unlike single lines).

    Like every read kept for a unit of work (see `douane.read_cache`), this assumes the unit of work does
    not write the tariff: after such a write, a set read earlier in the same unit of work is handed out
    as read. Lodging, the only caller inside `reads_cached`, writes no reference table."""
    measures, currencies = cached(
        session, ("assessment.lines", tuple(codes), on), lambda: _lines_read(session, codes, on)
    )
    return dict(measures), currencies


def _lines_read(
    session: Session, codes: list[str], on: date
) -> tuple[dict[str, tuple[Measure, ...]], frozenset[str]]:
    measures = measures_by_line(session, codes, on)
    return measures, frozenset(_specific_currencies(m for ms in measures.values() for m in ms))


def _added_costs(
    incoterm: str, freight: Money | None, insurance: Money | None, other: Money | None
) -> list[Money]:
    """The header costs the incoterm adds to the invoice (only their currencies need a rate)."""
    term = incoterm.strip().upper()
    added = [other]
    if term in ADD_FREIGHT_AND_INSURANCE:
        added += [freight, insurance]
    elif term in ADD_INSURANCE:
        added.append(insurance)
    return [money for money in added if money is not None]


def _codes(items: Sequence[ItemInput]) -> list[str]:
    return sorted({item.line_code for item in items})


def _specific_currencies(measures: Iterable[Measure]) -> set[str]:
    found = set()
    for measure in measures:
        for formula in (measure.formula, measure.minimum, measure.maximum):
            if formula is not None:
                found |= {duty.currency for duty in formula.specifics}
    return found


def _rate(session: Session, currency: str, on: date) -> Decimal:
    try:
        return reference.rate_on(session, currency, on)
    except NotFound as exc:
        raise AssessmentError(
            "assessment.exchange_rate_missing",
            "No exchange rate for {currency} on {on}",
            currency=currency,
            on=on.isoformat(),
        ) from exc


def _with_unit(session: Session, item: ItemInput, on: date) -> ItemInput:
    if item.supplementary_quantity is None or item.supplementary_unit:
        return item
    try:
        line = reference.tariff_line_at(session, item.line_code, on)
    except NotFound:
        return item
    return item._replace(supplementary_unit=line.supplementary_unit)


def suspended_breakdown(breakdown: Mapping[str, Any]) -> dict[str, Any]:
    """The stored breakdown marked as suspended (see `model.mark_suspended`), its note in ar, fr and en."""
    total = breakdown["total"]
    notes = {language: translate(SUSPENSION_NOTE, language, total=total) for language in LANGUAGES}
    return mark_suspended(breakdown, notes)
