"""Benchmark: the pure assessment engine, items assessed per second on one core.

    python bench/assess.py [--items 100000] [--per-declaration 100]

Two workloads, one run each: ad valorem lines only (D.D + PRCT + T.C.S + T.V.A) and mixed lines where
half the taxes are compound (ad valorem with a specific MIN, a specific T.I.C in EUR per litre).
Prints items/s of CPU time, of wall-clock time and of the fastest single declaration (the least
disturbed by other processes on a shared machine), for the computation alone and with the JSON
breakdown a declaration stores (`to_dict`, which renders every readable text). No pass/fail
(target: >= 50,000 items/s).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from decimal import Decimal

from douane.assessment.model import AssessmentInput, ItemInput, assess
from douane.kernel.money import Money
from douane.reference.duty_expression import parse_duty_expression
from douane.reference.model import Measure, measure_from_rate
from douane.reference.service import default_tax_types

ON = date(2026, 3, 15)
AD_VALOREM = {"DD": "15%", "PRCT": "2%", "TCS": "3%", "TVA": "19%"}
MIXED = {
    "DD": "30% MIN 5 DZD/kg",
    "DAPS": "60%",
    "PRCT": "2%",
    "TCS": "3%",
    "TIC": "10% + 0.20 EUR/l",
    "TVA": "19%",
}


def measures(line_code: str, rates: dict[str, str]) -> list[Measure]:
    result = []
    for tax_code, text in rates.items():
        (rate,) = parse_duty_expression(text)
        result.append(measure_from_rate(rate, line_code=line_code, tax_code=tax_code, valid_from=ON))
    return result


def declaration(lines: dict[str, list[Measure]], items: int, start: int) -> AssessmentInput:
    codes = sorted(lines)
    return AssessmentInput(
        on=ON,
        invoice_currency="EUR",
        incoterm="FOB",
        freight=Money.of("1234.56", "EUR"),
        insurance=Money.of("98765.43", "DZD"),
        items=tuple(
            ItemInput(
                number=n + 1,
                line_code=codes[n % len(codes)],
                invoice_amount=Decimal(1000 + (start + n) % 9000) + Decimal("0.37"),
                net_mass_kg=Decimal(100 + n % 50),
                gross_mass_kg=Decimal(120 + n % 50),
                supplementary_quantity=Decimal(50 + n % 20),
                supplementary_unit="l",
            )
            for n in range(items)
        ),
        exchange_rates={"EUR": Decimal("148.5123")},
        measures=lines,
        tax_types=default_tax_types(),
    )


def run(name: str, rates: dict[str, str], total: int, per_declaration: int) -> None:
    lines = {f"21039091{n:02d}": measures(f"21039091{n:02d}", rates) for n in range(10)}
    inputs = [declaration(lines, per_declaration, start) for start in range(0, total, per_declaration)]
    items = len(inputs) * per_declaration
    for label, stored in (("assess", False), ("assess + to_dict", True)):
        wall, cpu = time.perf_counter(), time.process_time()
        for data in inputs:
            result = assess(data)
            if stored:
                result.to_dict()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        fastest = min(_timed(data, stored) for data in inputs[:200])
        print(
            f"{name:<18} {label:<17} {items:>7} items  {items / cpu:>9,.0f} items/s of CPU"
            f"  ({items / wall:,.0f}/s wall clock; fastest declaration {per_declaration / fastest:,.0f}/s)"
        )


def _timed(data: AssessmentInput, stored: bool) -> float:
    started = time.perf_counter()
    result = assess(data)
    if stored:
        result.to_dict()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--per-declaration", type=int, default=100)
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"assessment engine, one core, {args.per_declaration} items per declaration (target >= 50,000/s)")
    print(f"load average before the run: {load} on {os.cpu_count()} CPUs (others' work slows CPU time too)")
    run("ad valorem only", AD_VALOREM, args.items, args.per_declaration)
    run("mixed compound", MIXED, args.items, args.per_declaration)


if __name__ == "__main__":
    main()
