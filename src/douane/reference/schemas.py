"""API shapes of reference data. Decimals travel as strings so rates stay exact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from douane.kernel.imports import ImportReport
from douane.reference.model import DutyFormula, Measure, SeasonalWindow, SpecificDuty, TariffLine, TaxType
from douane.reference.service import Country, Currency
from douane.reference.tables import ExchangeRateRow, HsNodeRow, HsSectionRow


class ImportKind(StrEnum):
    HS = "hs"
    HS_SECTIONS = "hs-sections"
    TARIFF = "tariff"
    RATES = "rates"
    TAX_TYPES = "tax-types"


class HsNodeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    edition: str
    code: str
    level: int
    parent_code: str | None
    section: str
    description_en: str
    description_fr: str | None
    description_ar: str | None


class HsSectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    edition: str
    number: str
    position: int
    name_en: str | None
    name_fr: str | None
    name_ar: str | None


class HsNodeDetailOut(HsNodeOut):
    ancestors: list[HsNodeOut]
    children: list[HsNodeOut]
    section_detail: HsSectionOut | None


class SpecificOut(BaseModel):
    amount: Decimal
    currency: str
    per_quantity: Decimal
    unit: str
    qualifier: str | None

    @classmethod
    def of(cls, duty: SpecificDuty) -> SpecificOut:
        return cls(
            amount=duty.amount,
            currency=duty.currency,
            per_quantity=duty.per_quantity,
            unit=duty.unit,
            qualifier=duty.qualifier,
        )


class FormulaOut(BaseModel):
    rate_percent: Decimal | None
    specifics: list[SpecificOut]
    references: list[str]

    @classmethod
    def of(cls, formula: DutyFormula | None) -> FormulaOut | None:
        if formula is None:
            return None
        return cls(
            rate_percent=formula.rate_percent,
            specifics=[SpecificOut.of(s) for s in formula.specifics],
            references=list(formula.references),
        )


class SeasonOut(BaseModel):
    start: str  # MM-DD
    end: str

    @classmethod
    def of(cls, season: SeasonalWindow | None) -> SeasonOut | None:
        if season is None:
            return None
        return cls(
            start=f"{season.from_month:02d}-{season.from_day:02d}",
            end=f"{season.to_month:02d}-{season.to_day:02d}",
        )


class MeasureOut(BaseModel):
    id: int | None
    tax_code: str | None
    kind: str
    text: str
    rate_percent: Decimal | None
    specifics: list[SpecificOut]
    references: list[str]
    minimum: FormulaOut | None
    maximum: FormulaOut | None
    season: SeasonOut | None
    base: list[str]
    base_overridden: bool
    document_code: str | None
    legal_reference: str | None
    valid_from: date
    valid_to: date | None

    @classmethod
    def of(cls, measure: Measure, tax_types: dict[str, TaxType]) -> MeasureOut:
        return cls(
            id=measure.id,
            tax_code=measure.tax_code,
            kind=measure.kind.value,
            text=measure.describe(),
            rate_percent=measure.rate_percent,
            specifics=[SpecificOut.of(s) for s in measure.specifics],
            references=list(measure.formula.references),
            minimum=FormulaOut.of(measure.minimum),
            maximum=FormulaOut.of(measure.maximum),
            season=SeasonOut.of(measure.season),
            base=list(measure.effective_base(tax_types)) if measure.tax_code else [],
            base_overridden=measure.base is not None,
            document_code=measure.document_code,
            legal_reference=measure.legal_reference,
            valid_from=measure.valid_from,
            valid_to=measure.valid_to,
        )


class TariffLineOut(BaseModel):
    code: str
    hs6: str
    description_fr: str | None
    description_ar: str | None
    description_en: str | None
    supplementary_unit: str | None
    valid_from: date
    valid_to: date | None

    @classmethod
    def of(cls, line: TariffLine) -> TariffLineOut:
        return cls(
            code=line.code,
            hs6=line.hs6,
            description_fr=line.description_fr,
            description_ar=line.description_ar,
            description_en=line.description_en,
            supplementary_unit=line.supplementary_unit,
            valid_from=line.valid_from,
            valid_to=line.valid_to,
        )


class TariffLineDetailOut(TariffLineOut):
    on: date
    measures: list[MeasureOut]
    required_documents: list[str]
    prohibited: bool


class TaxTypeOut(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    name_en: str
    computation_order: int
    default_base: list[str]
    notes: str | None

    @classmethod
    def of(cls, tax: TaxType) -> TaxTypeOut:
        return cls(
            code=tax.code,
            name_fr=tax.name_fr,
            name_ar=tax.name_ar,
            name_en=tax.name_en,
            computation_order=tax.computation_order,
            default_base=list(tax.default_base),
            notes=tax.notes,
        )


class ExchangeRateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    currency: str
    dzd_per_unit: Decimal
    valid_from: date
    valid_to: date | None

    @classmethod
    def of(cls, row: ExchangeRateRow) -> ExchangeRateOut:
        return cls.model_validate(row)


class RateOnOut(BaseModel):
    currency: str
    on: date
    dzd_per_unit: Decimal


class CountryOut(BaseModel):
    alpha_2: str
    alpha_3: str
    numeric: str
    name_en: str
    name_fr: str
    name_ar: str

    @classmethod
    def of(cls, country: Country) -> CountryOut:
        return cls(
            alpha_2=country.alpha_2,
            alpha_3=country.alpha_3,
            numeric=country.numeric,
            name_en=country.name_en,
            name_fr=country.name_fr,
            name_ar=country.name_ar,
        )


class CurrencyOut(BaseModel):
    code: str
    numeric: str
    minor_units: int
    name_en: str
    name_fr: str
    name_ar: str

    @classmethod
    def of(cls, currency: Currency) -> CurrencyOut:
        return cls(
            code=currency.code,
            numeric=currency.numeric,
            minor_units=currency.minor_units,
            name_en=currency.name_en,
            name_fr=currency.name_fr,
            name_ar=currency.name_ar,
        )


class ImportReportOut(BaseModel):
    kind: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    notes: list[str]

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        return cls(
            kind=report.kind,
            rows=report.rows,
            inserted=report.inserted,
            updated=report.updated,
            unchanged=report.unchanged,
            notes=report.notes,
        )


def section_out(row: HsSectionRow | None) -> HsSectionOut | None:
    return None if row is None else HsSectionOut.model_validate(row)


def node_out(row: HsNodeRow) -> HsNodeOut:
    return HsNodeOut.model_validate(row)
