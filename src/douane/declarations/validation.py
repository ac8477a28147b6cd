"""Validation of a declaration: a list of findings, never an exception for content.

`check_form` is pure (format, required fields, consistency); `check_references` asks the registry and the
reference data what holds on the date (the lodging date): tariff lines in force, the office's regimes, the
broker's approval, the operator's status, exchange rates, prohibitions and required documents.

Invoice tolerance: the items' invoice amounts must add up to the invoice total within the larger of 0.5 % of
the total and one unit of the invoice currency (e.g. 1 EUR).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from douane.assessment.model import Assessment
from douane.declarations.model import (
    MAX_ITEMS,
    REGIME_TYPES,
    Declaration,
    DeclarationType,
    Finding,
    Incoterm,
    Item,
    Severity,
)
from douane.kernel.errors import NotFound
from douane.read_cache import MISSING, peek, remember
from douane.reference import service as reference
from douane.reference.model import Measure, MeasureKind
from douane.registry import service as registry

OFFICE_CODE = re.compile(r"^\d{5}$", re.ASCII)
NIF = re.compile(r"^(\d{15}|\d{20})$", re.ASCII)
LINE_CODE = re.compile(r"^\d{10}$", re.ASCII)
TOLERANCE_RATE = Decimal("0.005")
TOLERANCE_MIN_UNITS = Decimal(1)
LineMeasures = Mapping[str, Sequence[Measure]]
INCOTERMS_WITHOUT_FREIGHT = frozenset({Incoterm.EXW, Incoterm.FCA, Incoterm.FAS, Incoterm.FOB})


def _finding(
    code: str, path: str, message: str, severity: Severity = Severity.BLOCKING, **params: Any
) -> Finding:
    return Finding(f"declarations.{code}", path, message, severity, params)


def invoice_tolerance(total: Decimal) -> Decimal:
    """How far the items' sum may be from the invoice total: max(0.5 % of it, 1 currency unit)."""
    return max(abs(total) * TOLERANCE_RATE, TOLERANCE_MIN_UNITS)


# --- pure checks ------------------------------------------------------------------------------------


def check_form(declaration: Declaration) -> list[Finding]:
    """Format, required fields and internal consistency; no database."""
    findings = _header_findings(declaration)
    findings += _items_findings(declaration.items)
    findings += _totals_findings(declaration)
    findings += _document_findings(declaration)
    return findings


def _country_ok(code: str | None) -> bool:
    if not code:
        return False
    try:
        reference.country(code)
    except NotFound:
        return False
    return len(code) == 2


def _header_findings(d: Declaration) -> list[Finding]:
    found: list[Finding] = []
    if d.type not in REGIME_TYPES[d.regime]:
        found.append(_finding(
            "regime_type_mismatch", "regime", "The regime {regime} does not apply to an {type} declaration",
            regime=d.regime.value, type=d.type.value,
        ))  # fmt: skip
    if not OFFICE_CODE.match(d.office_code or ""):
        found.append(_finding("invalid_office_code", "office_code", "A customs office code is 5 digits"))
    if not NIF.match(d.operator_nif or ""):
        found.append(_finding("invalid_nif", "operator_nif", "The NIF must be 15 or 20 digits"))
    if not reference.is_currency(d.invoice_currency or ""):
        found.append(_finding(
            "unknown_currency", "invoice_currency", "Not an ISO 4217 currency: {currency}",
            currency=d.invoice_currency,
        ))  # fmt: skip
    if d.costs_currency and not reference.is_currency(d.costs_currency):
        found.append(_finding(
            "unknown_currency", "costs_currency", "Not an ISO 4217 currency: {currency}",
            currency=d.costs_currency,
        ))  # fmt: skip
    if d.invoice_total <= 0:
        found.append(
            _finding("invoice_total_not_positive", "invoice_total", "The invoice total must be positive")
        )
    for name in ("freight", "insurance", "other_costs"):
        value = getattr(d, name)
        if value is not None and value < 0:
            found.append(_finding("negative_amount", name, "This amount cannot be negative"))
    found += _country_findings(d)
    if d.transport_mode is None:
        found.append(_finding("transport_mode_required", "transport_mode", "The transport mode is required"))
    if d.type is DeclarationType.IMPORT and d.incoterm in INCOTERMS_WITHOUT_FREIGHT and d.freight is None:
        found.append(_finding(
            "freight_missing", "freight",
            "With incoterm {incoterm} the freight to the border should be declared", Severity.WARNING,
            incoterm=d.incoterm.value,
        ))  # fmt: skip
    return found


def _country_findings(d: Declaration) -> list[Finding]:
    found: list[Finding] = []
    required = "dispatch_country" if d.type is DeclarationType.IMPORT else "destination_country"
    for name in ("dispatch_country", "destination_country"):
        value = getattr(d, name)
        if value is None and name != required:
            continue
        if value is None:
            found.append(_finding("field_required", name, "The field {field} is required", field=name))
        elif not _country_ok(value):
            found.append(_finding(
                "unknown_country", name, "Not an ISO 3166 country code: {country}", country=value
            ))  # fmt: skip
    return found


def _items_findings(items: tuple[Item, ...]) -> list[Finding]:
    if not items:
        return [_finding("no_items", "items", "A declaration has at least one item")]
    found: list[Finding] = []
    if len(items) > MAX_ITEMS:
        found.append(
            _finding("too_many_items", "items", "A declaration has at most {max} items", max=MAX_ITEMS)
        )
    for index, item in enumerate(items):
        found += _item_findings(index, item)
    return found


def _item_findings(index: int, item: Item) -> list[Finding]:
    path = f"items[{index}]"
    found: list[Finding] = []
    if item.number != index + 1:
        found.append(_finding(
            "item_number_out_of_order", f"{path}.number",
            "Items are numbered 1 to n in order: expected {expected}",
            expected=index + 1,
        ))  # fmt: skip
    if not LINE_CODE.match(item.line_code or ""):
        found.append(_finding("invalid_line_code", f"{path}.line_code", "A tariff line code is 10 digits"))
    if not (item.description or "").strip():
        found.append(_finding(
            "field_required", f"{path}.description", "The field {field} is required", field="description"
        ))  # fmt: skip
    if not _country_ok(item.origin_country):
        found.append(_finding(
            "unknown_country", f"{path}.origin_country", "Not an ISO 3166 country code: {country}",
            country=item.origin_country,
        ))  # fmt: skip
    if item.invoice_amount <= 0:
        found.append(_finding(
            "item_amount_not_positive", f"{path}.invoice_amount", "The item's invoice amount must be positive"
        ))  # fmt: skip
    found += _mass_findings(path, item)
    if item.supplementary_quantity is not None and item.supplementary_quantity < 0:
        found.append(_finding(
            "negative_amount", f"{path}.supplementary_quantity", "This amount cannot be negative"
        ))  # fmt: skip
    if item.packages is not None and item.packages < 0:
        found.append(_finding("negative_amount", f"{path}.packages", "This amount cannot be negative"))
    return found


def _mass_findings(path: str, item: Item) -> list[Finding]:
    if item.net_mass_kg <= 0:
        return [_finding("net_mass_not_positive", f"{path}.net_mass_kg", "The net mass must be positive")]
    if item.net_mass_kg > item.gross_mass_kg:
        return [_finding(
            "net_mass_above_gross", f"{path}.net_mass_kg",
            "The net mass ({net} kg) is greater than the gross mass ({gross} kg)",
            net=str(item.net_mass_kg), gross=str(item.gross_mass_kg),
        )]  # fmt: skip
    return []


def _totals_findings(d: Declaration) -> list[Finding]:
    if not d.items or d.invoice_total <= 0:
        return []
    items_sum = sum((i.invoice_amount for i in d.items), Decimal(0))
    tolerance = invoice_tolerance(d.invoice_total)
    if abs(items_sum - d.invoice_total) <= tolerance:
        return []
    return [_finding(
        "items_do_not_add_up", "invoice_total",
        "The items add up to {items_sum} {currency}, the invoice total is {total} (tolerance {tolerance})",
        items_sum=str(items_sum), total=str(d.invoice_total), currency=d.invoice_currency,
        tolerance=str(tolerance.quantize(Decimal("0.01"))),
    )]  # fmt: skip


def _document_findings(d: Declaration) -> list[Finding]:
    found: list[Finding] = []
    for index, doc in enumerate(d.documents):
        if not (doc.type_code or "").strip():
            found.append(_finding(
                "field_required", f"documents[{index}].type_code", "The field {field} is required",
                field="type_code",
            ))  # fmt: skip
        if not (doc.number or "").strip():
            found.append(_finding(
                "field_required", f"documents[{index}].number", "The field {field} is required",
                field="number",
            ))  # fmt: skip
    return found


# --- checks against reference data at a date ------------------------------------------------------


def check_references(
    session: Session, declaration: Declaration, on: date, *, measures: LineMeasures | None = None
) -> list[Finding]:
    """What the registry and the tariff say on `on` (the lodging date, or today for a draft).
    `measures`: the measures in force on `on` by line, when the caller already loaded them."""
    found = _office_findings(session, declaration, on)
    found += _operator_findings(session, declaration, on)
    found += _rate_findings(session, declaration, on)
    found += _tariff_findings(session, declaration, on, measures or {})
    found += _document_date_findings(declaration, on)
    return found


def _document_date_findings(d: Declaration, on: date) -> list[Finding]:
    """A warning for a document dated after the declaration's date: most likely mistyped, unless it came
    after the registration and is presented with an amendment."""
    return [
        _finding(
            "document_dated_later", f"documents[{index}].issued_on",
            "Document {number} is dated {issued_on}, after the declaration's date {on}", Severity.WARNING,
            number=doc.number, issued_on=doc.issued_on.isoformat(), on=on.isoformat(),
        )
        for index, doc in enumerate(d.documents)
        if doc.issued_on is not None and doc.issued_on > on
    ]  # fmt: skip


def _office_findings(session: Session, d: Declaration, on: date) -> list[Finding]:
    if not OFFICE_CODE.match(d.office_code or ""):
        return []
    found: list[Finding] = []
    if not registry.office_handles_regime(session, d.office_code, d.regime.value):
        if not registry.offices_by_code(session, [d.office_code]):
            return [
                _finding("unknown_office", "office_code", "No customs office {office}", office=d.office_code)
            ]
        found.append(_finding(
            "office_does_not_handle_regime", "regime", "Office {office} does not handle the regime {regime}",
            office=d.office_code, regime=d.regime.value,
        ))  # fmt: skip
    if d.broker_id is not None:
        try:
            refusal = registry.broker_declaration_refusal(session, d.broker_id, d.office_code, on)
        except NotFound:
            return [*found, _finding("unknown_broker", "broker_id", "No such customs broker")]
        if refusal is not None:
            found.append(Finding(refusal.code, "broker_id", refusal.message, Severity.BLOCKING, {}))
    return found


def _operator_findings(session: Session, d: Declaration, on: date) -> list[Finding]:
    if not NIF.match(d.operator_nif or ""):
        return []
    if registry.operator_id_of_nif(session, d.operator_nif) is None:
        return [_finding(
            "unknown_operator", "operator_nif", "No economic operator with NIF {nif}", nif=d.operator_nif
        )]  # fmt: skip
    if not registry.operator_is_active(session, d.operator_nif, on):
        return [_finding(
            "operator_not_active", "operator_nif", "The economic operator {nif} is not active on {on}",
            nif=d.operator_nif, on=on.isoformat(),
        )]  # fmt: skip
    return []


def _rate_findings(session: Session, d: Declaration, on: date) -> list[Finding]:
    found: list[Finding] = []
    for path, currency in (("invoice_currency", d.invoice_currency), ("costs_currency", d.costs_currency)):
        if not currency or not reference.is_currency(currency):
            continue
        try:
            reference.rate_on(session, currency, on)
        except NotFound:
            found.append(_finding(
                "no_exchange_rate", path, "No exchange rate for {currency} on {on}",
                currency=currency, on=on.isoformat(),
            ))  # fmt: skip
    return found


LineFacts = tuple[bool, frozenset[str], str | None]
"""Whether a line's goods are prohibited, the documents it requires, its supplementary unit."""


def _tariff_findings(session: Session, d: Declaration, on: date, measures: LineMeasures) -> list[Finding]:
    found: list[Finding] = []
    attached = {doc.type_code.strip() for doc in d.documents}
    facts_of = _lines_facts(
        session, {i.line_code for i in d.items if LINE_CODE.match(i.line_code or "")}, on, measures
    )
    for index, item in enumerate(d.items):
        if item.line_code not in facts_of:
            continue  # not a line code: check_form says so
        facts = facts_of[item.line_code]
        path = f"items[{index}]"
        if facts is None:
            found.append(_finding(
                "tariff_line_not_in_force", f"{path}.line_code",
                "No tariff line {line_code} in force on {on}",
                line_code=item.line_code, on=on.isoformat(),
            ))  # fmt: skip
            continue
        found += _line_findings(path, item, facts, attached, d.type)
    return found


def _lines_facts(
    session: Session, codes: set[str], on: date, measures: LineMeasures
) -> dict[str, LineFacts | None]:
    """The facts of each line in force on `on` (None for a line not in force). They are the same for every
    declaration of a unit of work: kept for it, and the lines it has not read yet are read in one query."""
    facts = {code: peek(session, _facts_key(code, on)) for code in codes}
    unread = [code for code, known in facts.items() if known is MISSING]
    if unread:
        reference.tariff_lines_at(session, unread, on)
    for code in unread:
        facts[code] = _read_line_facts(session, code, on, measures.get(code))
        remember(session, _facts_key(code, on), facts[code])
    return facts


def _facts_key(line_code: str, on: date) -> tuple[str, str, date]:
    return ("declarations.line_facts", line_code, on)


def _read_line_facts(
    session: Session, line_code: str, on: date, loaded: Sequence[Measure] | None
) -> LineFacts | None:
    try:
        line = reference.tariff_line_at(session, line_code, on)
    except NotFound:
        return None
    measures = loaded if loaded is not None else reference.measures_in_force(session, line_code, on)
    prohibited = any(m.kind == MeasureKind.PROHIBITION for m in measures)
    documents = frozenset(
        m.document_code for m in measures if m.kind == MeasureKind.DOCUMENT_REQUIRED and m.document_code
    )
    return prohibited, documents, line.supplementary_unit


def _line_findings(
    path: str,
    item: Item,
    facts: LineFacts,
    attached: Iterable[str],
    kind: DeclarationType,
) -> list[Finding]:
    prohibited, documents, unit = facts
    found: list[Finding] = []
    if prohibited:
        found.append(_finding(
            "prohibited_goods", f"{path}.line_code", "Goods of tariff line {line_code} are prohibited",
            line_code=item.line_code,
        ))  # fmt: skip
    if kind is DeclarationType.IMPORT:
        for code in sorted(documents - set(attached)):
            found.append(_finding(
                "required_document_missing", f"{path}.line_code",
                "Tariff line {line_code} requires document {document}, which is not attached",
                line_code=item.line_code, document=code,
            ))  # fmt: skip
    if unit and item.supplementary_quantity is None:
        found.append(_finding(
            "supplementary_quantity_missing", f"{path}.supplementary_quantity",
            "Tariff line {line_code} expects a quantity in {unit}", Severity.WARNING,
            line_code=item.line_code, unit=unit,
        ))  # fmt: skip
    return found


UNUSUAL_DINARS_PER_KG = Decimal(50_000_000)
"""Above this customs value a kilogram (five times gold's), an item's value or mass is most likely mistyped
(a few zeros too many, the wrong currency): a warning asks to check, nothing is refused."""


def value_warnings(declaration: Declaration, assessment: Assessment | None) -> list[Finding]:
    """A warning for each item whose assessed customs value per kilogram of net mass is unusually high."""
    if assessment is None:
        return []
    values = {assessed.number: assessed.customs_value_dzd for assessed in assessment.items}
    found = []
    for position, item in enumerate(declaration.items):
        value, mass = values.get(item.number), item.net_mass_kg
        if value is None or mass <= 0:
            continue
        per_kg = value / mass
        if per_kg > UNUSUAL_DINARS_PER_KG:
            found.append(_finding(
                "value_unusually_high", f"items[{position}].invoice_amount",
                "Item {item}: {per_kg} DZD per kg is unusually high: check the amount, currency and mass",
                Severity.WARNING, item=item.number, value=str(value), mass=str(mass),
                per_kg=str(per_kg.quantize(Decimal(1))),
            ))  # fmt: skip
    return found


def validate(
    session: Session, declaration: Declaration, on: date, *, measures: LineMeasures | None = None
) -> list[Finding]:
    """Every finding on the declaration at the date `on`."""
    return check_form(declaration) + check_references(session, declaration, on, measures=measures)
