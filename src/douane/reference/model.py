"""Reference data as pure values: HS nodes, tariff lines, tax types and effective-dated measures.

A measure is one tax on one tariff line over a validity period. Its duty is a formula: an ad valorem
rate, specific amounts (per quantity of a unit, possibly qualified: "per 100 kg net drained weight"),
references to components computed elsewhere (EU agricultural components), and optional minimum and
maximum formulas. National rules (which tax, which rate, which base) are data, not code.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from douane.kernel.errors import InvalidInput

DEFAULT_EDITION = "HS2022"
HS_LEVELS = (2, 4, 6)
ROMAN_SECTIONS = (
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
    "XX",
    "XXI",
)
CUSTOMS_VALUE = "CV"
"""The pseudo tax code of the customs value in a base: every base starts from it."""


class MeasureKind(StrEnum):
    AD_VALOREM = "ad_valorem"
    SPECIFIC = "specific"
    COMPOUND = "compound"
    PROHIBITION = "prohibition"
    DOCUMENT_REQUIRED = "document_required"


@dataclass(frozen=True, slots=True)
class SpecificDuty:
    """`amount` `currency` per `per_quantity` `unit`, e.g. 77.00 GBP per 100 kg; `qualifier` narrows the
    quantity (e.g. "%vol": per % of alcohol by volume and per hl; "net drained wt"; "eda")."""

    amount: Decimal
    currency: str
    per_quantity: Decimal
    unit: str
    qualifier: str | None = None

    def __str__(self) -> str:
        per = "" if self.per_quantity == 1 else f"{self.per_quantity} "
        qualifier = f" {self.qualifier}" if self.qualifier else ""
        return f"{self.amount} {self.currency}/{per}{self.unit}{qualifier}"


@dataclass(frozen=True, slots=True)
class DutyFormula:
    """Ad valorem rate + specific amounts + referenced components, all added together."""

    rate_percent: Decimal | None = None
    specifics: tuple[SpecificDuty, ...] = ()
    references: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self.rate_percent is None and not self.specifics and not self.references

    def __str__(self) -> str:
        parts = [f"{self.rate_percent}%"] if self.rate_percent is not None else []
        parts += [str(s) for s in self.specifics] + list(self.references)
        return " + ".join(parts)


@dataclass(frozen=True, slots=True)
class SeasonalWindow:
    """A yearly window of month-days, both ends included; it may wrap the new year (01 JUL - 31 JAN)."""

    from_month: int
    from_day: int
    to_month: int
    to_day: int

    def __post_init__(self) -> None:
        for month, day in ((self.from_month, self.from_day), (self.to_month, self.to_day)):
            if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2000, month)[1]:
                raise InvalidInput(
                    "reference.invalid_season",
                    "Not a valid day of the year: {day}/{month}",
                    day=day,
                    month=month,
                )

    @classmethod
    def from_keys(cls, start: int, end: int) -> SeasonalWindow:
        """From MMDD integers (as stored)."""
        return cls(start // 100, start % 100, end // 100, end % 100)

    @property
    def start_key(self) -> int:
        return self.from_month * 100 + self.from_day

    @property
    def end_key(self) -> int:
        return self.to_month * 100 + self.to_day

    def contains(self, on: date) -> bool:
        return self.contains_month_day(on.month, on.day)

    def contains_month_day(self, month: int, day: int) -> bool:
        key = month * 100 + day
        if self.start_key <= self.end_key:
            return self.start_key <= key <= self.end_key
        return key >= self.start_key or key <= self.end_key

    def __str__(self) -> str:
        return f"{self.from_day:02d}/{self.from_month:02d}-{self.to_day:02d}/{self.to_month:02d}"


@dataclass(frozen=True, slots=True)
class DutyRate:
    """One parsed rate: the duty formula with optional bounds, in force during an optional season."""

    formula: DutyFormula
    minimum: DutyFormula | None = None
    maximum: DutyFormula | None = None
    season: SeasonalWindow | None = None

    @property
    def kind(self) -> MeasureKind:
        formula = self.formula
        parts = (formula.rate_percent is not None) + len(formula.specifics) + len(formula.references)
        if parts > 1 or formula.references or self.minimum or self.maximum:
            return MeasureKind.COMPOUND
        return MeasureKind.SPECIFIC if formula.specifics else MeasureKind.AD_VALOREM


@dataclass(frozen=True, slots=True)
class Measure:
    """A tax, prohibition or document requirement on a tariff line, in force from `valid_from` to
    `valid_to` (both included; None = open-ended)."""

    line_code: str
    kind: MeasureKind
    valid_from: date
    valid_to: date | None = None
    tax_code: str | None = None
    formula: DutyFormula = field(default_factory=DutyFormula)
    minimum: DutyFormula | None = None
    maximum: DutyFormula | None = None
    season: SeasonalWindow | None = None
    base: tuple[str, ...] | None = None
    document_code: str | None = None
    legal_reference: str | None = None
    id: int | None = None

    @property
    def rate_percent(self) -> Decimal | None:
        return self.formula.rate_percent

    @property
    def specifics(self) -> tuple[SpecificDuty, ...]:
        return self.formula.specifics

    def in_force(self, on: date) -> bool:
        if on < self.valid_from or (self.valid_to is not None and on > self.valid_to):
            return False
        return self.season is None or self.season.contains(on)

    def effective_base(self, tax_types: dict[str, TaxType]) -> tuple[str, ...]:
        """Tax codes added to the customs value to form this measure's base."""
        if self.base is not None:
            return self.base
        tax_type = tax_types.get(self.tax_code or "")
        return tax_type.default_base if tax_type else ()

    def describe(self) -> str:
        if self.kind == MeasureKind.PROHIBITION:
            return "prohibited"
        if self.kind == MeasureKind.DOCUMENT_REQUIRED:
            return f"document {self.document_code}"
        text = str(self.formula)
        if self.minimum:
            text += f" MIN {self.minimum}"
        if self.maximum:
            text += f" MAX {self.maximum}"
        if self.season:
            text += f" ({self.season})"
        return text


def measure_from_rate(
    rate: DutyRate,
    *,
    line_code: str,
    tax_code: str,
    valid_from: date,
    valid_to: date | None = None,
    base: tuple[str, ...] | None = None,
    legal_reference: str | None = None,
) -> Measure:
    return Measure(
        line_code=line_code,
        kind=rate.kind,
        valid_from=valid_from,
        valid_to=valid_to,
        tax_code=tax_code,
        formula=rate.formula,
        minimum=rate.minimum,
        maximum=rate.maximum,
        season=rate.season,
        base=base,
        legal_reference=legal_reference,
    )


@dataclass(frozen=True, slots=True)
class TaxType:
    """A kind of duty or tax; `default_base` lists the tax codes added to the customs value."""

    code: str
    name_fr: str
    name_ar: str
    name_en: str
    computation_order: int
    default_base: tuple[str, ...] = ()
    notes: str | None = None


def base_problems(tax_types: list[TaxType]) -> list[str]:
    """Every base must name known taxes computed earlier, so the computation has no cycle."""
    order = {t.code: t.computation_order for t in tax_types}
    problems = []
    for tax in tax_types:
        for code in tax.default_base:
            if code not in order:
                problems.append(f"{tax.code}: base names an unknown tax {code}")
            elif order[code] >= tax.computation_order:
                problems.append(f"{tax.code}: base tax {code} is not computed before it")
    return problems


@dataclass(frozen=True, slots=True)
class TariffLine:
    code: str
    hs6: str
    description_fr: str | None
    valid_from: date
    valid_to: date | None = None
    description_ar: str | None = None
    description_en: str | None = None
    supplementary_unit: str | None = None

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


def is_hs_code(code: str) -> bool:
    return code.isdigit() and code.isascii() and len(code) in HS_LEVELS


def is_tariff_code(code: str) -> bool:
    return len(code) == 10 and code.isdigit() and code.isascii()
