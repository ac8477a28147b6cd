"""Measures and items for assessment tests, written the way a tariff publishes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from douane.assessment.model import AssessmentInput, ItemInput
from douane.kernel.money import Money
from douane.reference.duty_expression import parse_duty_expression
from douane.reference.model import Measure, measure_from_rate
from douane.reference.service import default_tax_types

ON = date(2026, 3, 15)
TAX_TYPES = tuple(default_tax_types())


def line(code: str, **rates: str) -> list[Measure]:
    """The measures of a line from published rate texts: line("2103909100", DD="15%", TVA="19%")."""
    measures = []
    for tax_code, text in rates.items():
        for rate in parse_duty_expression(text):
            measures.append(measure_from_rate(rate, line_code=code, tax_code=tax_code, valid_from=ON))
    return measures


def item(number: int, code: str, invoice: str, net_kg: str = "100", **extra: object) -> ItemInput:
    return ItemInput(
        number=number,
        line_code=code,
        invoice_amount=Decimal(invoice),
        net_mass_kg=Decimal(net_kg),
        gross_mass_kg=Decimal(net_kg) + 10,
        **extra,  # type: ignore[arg-type]
    )


def declaration(
    *items: ItemInput,
    lines: dict[str, list[Measure]],
    currency: str = "EUR",
    incoterm: str = "CIF",
    freight: Money | None = None,
    insurance: Money | None = None,
    other: Money | None = None,
    rates: dict[str, str] | None = None,
) -> AssessmentInput:
    return AssessmentInput(
        on=ON,
        invoice_currency=currency,
        incoterm=incoterm,
        freight=freight,
        insurance=insurance,
        other_costs_to_border=other,
        items=items,
        exchange_rates={k: Decimal(v) for k, v in (rates or {"EUR": "148.5123"}).items()},
        measures=lines,
        tax_types=TAX_TYPES,
    )
