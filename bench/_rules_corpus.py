"""Synthetic targeting rules and declarations for bench/rules.py, the same for a given seed.

Declarations look like an Algerian import flow: a few busy offices, most goods from a few countries, HS lines
and operators with long-tailed popularity, 1 to 10 items, unit values spread around the value indicator of
their line and origin with a small undervalued share. Rules are the kinds analysts write: undervaluation
against indicators, operator and broker history, office and regime scopes, hours and weekdays, list
membership and arithmetic on masses and values.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from douane.risk.rules import Type
from douane.risk.rules.batch import column_type
from douane.risk.targeting.schema import DECLARATION_SCHEMA, HEADER_FIELDS

HEADINGS = [
    "8703",
    "8704",
    "8708",
    "8711",
    "4011",
    "8471",
    "8517",
    "8528",
    "8544",
    "8418",
    "8450",
    "8415",
    "9503",
    "6109",
    "6110",
    "6203",
    "6204",
    "6402",
    "6403",
    "6302",
    "3004",
    "3304",
    "3305",
    "3401",
    "3923",
    "3926",
    "2203",
    "2208",
    "2402",
    "2710",
    "1701",
    "1001",
    "1507",
    "0901",
    "0902",
    "0306",
    "0303",
    "1905",
    "2106",
    "7208",
    "7210",
    "7308",
    "7318",
    "9403",
    "9401",
    "8481",
    "8413",
    "8414",
    "8516",
    "8509",
    "4202",
    "4818",
    "6907",
    "7013",
    "8536",
    "8539",
    "9405",
    "8714",
    "9004",
    "4410",
]
ORIGINS = [
    "CN",
    "TR",
    "FR",
    "IT",
    "DE",
    "ES",
    "IN",
    "US",
    "AE",
    "EG",
    "TN",
    "SA",
    "JP",
    "KR",
    "BR",
    "AR",
    "VN",
    "TH",
    "MY",
    "ID",
    "BE",
    "NL",
    "GB",
    "PL",
    "UA",
    "RU",
    "PT",
    "MA",
    "JO",
    "PK",
]
SANCTIONED_OR_TRANSIT = ["AE", "JO", "PK", "MY", "UA"]
OFFICES = [
    "16001",
    "16002",
    "16003",
    "31001",
    "31002",
    "23001",
    "06001",
    "21001",
    "13001",
    "19001",
    "25001",
    "30001",
    "07001",
    "27001",
]
REGIMES = ["IM4", "IM4", "IM4", "IM4", "IM4", "IM4", "IM5", "IM7", "IM6", "IM4"]
MODES = ["1"] * 7 + ["4"] * 2 + ["3"]
INCOTERMS = ["FOB", "CIF", "CFR", "EXW", "DAP"]
CURRENCIES = ["EUR", "USD", "CNY", "DZD"]
EU = frozenset({"FR", "IT", "DE", "ES", "BE", "NL", "PT", "PL"})
CENT, GRAM, RATIO = Decimal("0.01"), Decimal("0.001"), Decimal("0.0001")
ITEM_COUNT_WEIGHTS = [0.30, 0.18, 0.13, 0.10, 0.08, 0.06, 0.05, 0.04, 0.03, 0.03]


def zipf_weights(count: int, exponent: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, count + 1) ** exponent
    return weights / weights.sum()


@dataclass(frozen=True)
class Reference:
    """The lines, operators, brokers and value indicators the declarations and rules draw from."""

    hs6: list[str]
    hs6_weights: np.ndarray
    base_value_per_kg: dict[str, float]  # DZD per kg, typical for the line
    indicators: dict[tuple[str, str], Decimal]  # (hs6, origin) -> DZD per kg
    operators: list[str]
    operator_weights: np.ndarray
    operator_days: np.ndarray
    operator_controls: np.ndarray
    operator_rate: np.ndarray  # discrepancy rate, NaN when never controlled
    brokers: list[str]
    broker_rate: np.ndarray


def reference(seed: int) -> Reference:
    rng = np.random.default_rng(seed)
    hs6 = [
        heading + suffix for heading in HEADINGS for suffix in ("10", "20", "30", "90")[: rng.integers(2, 5)]
    ]
    order = rng.permutation(len(hs6))
    hs6 = [hs6[i] for i in order]
    base = {code: float(np.exp(rng.normal(6.0, 1.6))) for code in hs6}
    origin_weights = zipf_weights(len(ORIGINS), 1.3)
    indicators: dict[tuple[str, str], Decimal] = {}
    for code in hs6:
        for origin in rng.choice(ORIGINS, size=8, replace=False, p=origin_weights):
            level = base[code] * float(np.exp(rng.normal(0, 0.25)))
            indicators[(code, str(origin))] = Decimal(f"{level:.2f}")
    operators = [f"{rng.integers(10**14, 10**15):015d}" for _ in range(20_000)]
    controls = rng.poisson(6, len(operators))
    rate = np.where(controls > 0, rng.beta(1.2, 8, len(operators)), np.nan)
    brokers = [f"B{index:04d}" for index in range(300)]
    return Reference(
        hs6=hs6,
        hs6_weights=zipf_weights(len(hs6), 1.05),
        base_value_per_kg=base,
        indicators=indicators,
        operators=operators,
        operator_weights=zipf_weights(len(operators), 0.9),
        operator_days=rng.integers(1, 6000, len(operators)),
        operator_controls=controls,
        operator_rate=rate,
        brokers=brokers,
        broker_rate=rng.beta(1.5, 10, len(brokers)),
    )


def _cents(value: float) -> Decimal:
    return Decimal(round(value * 100)).scaleb(-2)


def _rate(value: float) -> Decimal | None:
    return None if np.isnan(value) else Decimal(round(value * 10_000)).scaleb(-4)


class Declarations:
    """`count` declarations with their items, as mappings (one at a time) and as one frame (batch)."""

    def __init__(self, count: int, ref: Reference, seed: int) -> None:
        rng = np.random.default_rng(seed + 1)
        self.count = count
        item_counts = rng.choice(np.arange(1, 11), size=count, p=ITEM_COUNT_WEIGHTS)
        draws = _Draws(rng, ref, count, int(item_counts.sum()))
        self.items: list[list[dict[str, Any]]] = []
        first = 0
        for index, item_count in enumerate(item_counts.tolist()):
            header = draws.header(index)
            items = [draws.item(position, header) for position in range(first, first + item_count)]
            first += item_count
            header["item_count"] = Decimal(item_count)
            header["invoice_total_dzd"] = sum(item["customs_value_dzd"] for item in items)
            self.items.append([{**header, **item} for item in items])

    def frame(self) -> pl.DataFrame:
        """One row per item, one column per schema field, and the `declaration` key."""
        names = ("declaration", *DECLARATION_SCHEMA.fields)
        columns = {name: [item.get(name) for items in self.items for item in items] for name in names}
        return pl.DataFrame([_series(name, values) for name, values in columns.items()])


class _Draws:
    """Every random choice drawn at once (per declaration and per item), then read by position."""

    def __init__(self, rng: np.random.Generator, ref: Reference, count: int, items: int) -> None:
        self.ref = ref
        self.operator = rng.choice(len(ref.operators), size=count, p=ref.operator_weights)
        self.broker = np.where(rng.random(count) < 0.7, rng.integers(0, len(ref.brokers), count), -1)
        self.regime = rng.integers(0, len(REGIMES), count)
        self.day = rng.integers(0, 330, count)
        usual_hours = np.clip(rng.normal(12, 3.5, count), 0, 23)
        self.hour = np.where(rng.random(count) < 0.95, usual_hours, rng.integers(0, 24, count)).astype(int)
        self.office = np.minimum(rng.zipf(1.6, count) - 1, len(OFFICES) - 1)
        self.dispatch = np.minimum(rng.zipf(1.5, count) - 1, len(ORIGINS) - 1)
        self.mode = rng.integers(0, len(MODES), count)
        self.incoterm = rng.integers(0, len(INCOTERMS), count)
        self.currency = np.minimum(rng.zipf(2.0, count) - 1, len(CURRENCIES) - 1)
        self.hs6 = rng.choice(len(ref.hs6), size=items, p=ref.hs6_weights)
        self.same_origin = rng.random(items) < 0.8
        self.other_origin = rng.integers(0, len(ORIGINS), items)
        undervalued = rng.random(items) < 0.04
        self.factor = np.where(
            undervalued, rng.uniform(0.2, 0.7, items), np.exp(rng.normal(0.05, 0.3, items))
        )
        self.net = np.exp(rng.normal(5.0, 1.8, items))
        self.unit_mass = np.exp(rng.normal(0.5, 1.5, items))
        self.national = rng.random(items) < 0.6

    def header(self, index: int) -> dict[str, Any]:
        ref = self.ref
        operator, broker = int(self.operator[index]), int(self.broker[index])
        regime = REGIMES[int(self.regime[index])]
        lodged = date(2026, 1, 1) + timedelta(days=int(self.day[index]))
        return {
            "declaration": index,
            "declaration_type": "export" if regime.startswith("EX") else "import",
            "regime": regime,
            "office": OFFICES[int(self.office[index])],
            "operator": ref.operators[operator],
            "broker": "" if broker < 0 else ref.brokers[broker],
            "dispatch_country": ORIGINS[int(self.dispatch[index])],
            "destination_country": "DZ",
            "transport_mode": MODES[int(self.mode[index])],
            "incoterm": INCOTERMS[int(self.incoterm[index])],
            "currency": CURRENCIES[int(self.currency[index])],
            "operator_days_registered": Decimal(int(ref.operator_days[operator])),
            "operator_controls": Decimal(int(ref.operator_controls[operator])),
            "operator_discrepancy_rate": _rate(float(ref.operator_rate[operator])),
            "broker_discrepancy_rate": None if broker < 0 else _rate(float(ref.broker_rate[broker])),
            "lodged_on": lodged,
            "weekday": Decimal(lodged.isoweekday()),
            "hour": Decimal(int(self.hour[index])),
        }

    def item(self, position: int, header: dict[str, Any]) -> dict[str, Any]:
        ref = self.ref
        code = ref.hs6[int(self.hs6[position])]
        origin = header["dispatch_country"]
        if not self.same_origin[position]:
            origin = ORIGINS[int(self.other_origin[position])]
        indicator = ref.indicators.get((code, origin))
        typical = float(indicator) if indicator is not None else ref.base_value_per_kg[code]
        net = float(self.net[position])
        net_mass = Decimal(max(1, round(net * 1000))).scaleb(-3)
        value = _cents(max(1.0, float(net_mass) * typical * float(self.factor[position])))
        quantity = Decimal(max(1, round(net / float(self.unit_mass[position]))))
        value_per_kg = (value / net_mass).quantize(CENT)
        hs10 = code + ("0000" if self.national[position] else "1000")
        return {
            "hs10": hs10,
            "hs6": code,
            "hs4": code[:4],
            "hs2": code[:2],
            "hs_prefixes": [code[:2], code[:4], code, hs10],
            "origin": origin,
            "preference": "EU" if origin in EU else "",
            "description": f"goods {code}",
            "quantity": quantity,
            "net_mass_kg": net_mass,
            "gross_mass_kg": (net_mass * Decimal("1.06")).quantize(GRAM),
            "customs_value_dzd": value,
            "value_per_kg": value_per_kg,
            "value_per_unit": (value / quantity).quantize(CENT),
            "indicator_ratio": None if indicator is None else (value_per_kg / indicator).quantize(RATIO),
        }


def _series(name: str, values: list[Any]) -> pl.Series:
    kind = DECLARATION_SCHEMA.fields.get(name)
    if kind is None:
        return pl.Series(name, values, dtype=pl.Int64())
    if kind is Type.NUMBER:  # through text: several times faster than from Decimal objects, and exact
        return pl.Series(name, [None if v is None else str(v) for v in values]).cast(column_type(kind))
    widths = {len(value) for value in values if isinstance(value, list)}
    if kind is Type.TEXT_LIST and len(widths) == 1 and None not in values:
        (width,) = widths  # every item lists its prefixes: building from one flat column is much faster
        flat = pl.Series(name, [text for value in values for text in value], dtype=pl.String())
        return flat.reshape((len(values), width)).cast(column_type(kind))
    return pl.Series(name, values, dtype=column_type(kind))


# Rules


def rules(count: int, ref: Reference, seed: int) -> dict[str, str]:
    """`count` rule sources, by id, in the mix of kinds an analysis service keeps active."""
    rng = random.Random(seed + 2)
    makers = [
        (0.30, _undervalued),
        (0.08, _indicator_ratio),
        (0.12, _fixed_value_per_kg),
        (0.06, _operator_history),
        (0.08, _broker_office_regime),
        (0.08, _hours_and_weekdays),
        (0.12, _membership),
        (0.12, _arithmetic),
        (0.04, _unguarded_mix),
    ]
    weights = [weight for weight, _ in makers]
    sources: dict[str, str] = {}
    while len(sources) < count:
        (maker,) = rng.choices([maker for _, maker in makers], weights)
        source = maker(rng, ref)
        if source not in sources.values():
            sources[f"R{len(sources) + 1:04d}"] = source
    return sources


def _popular_hs6(rng: random.Random, ref: Reference, count: int) -> list[str]:
    top = ref.hs6[: max(20, len(ref.hs6) // 2)]
    return sorted(set(rng.choices(top, k=count)))


def _texts(values: list[str]) -> str:
    return "[" + ", ".join(f'"{value}"' for value in values) + "]"


def _popular_origins(rng: random.Random, count: int) -> list[str]:
    return sorted(set(rng.choices(ORIGINS[:15], k=count)))


def _undervalued(rng: random.Random, ref: Reference) -> str:
    lines, origins = _popular_hs6(rng, ref, rng.randint(1, 3)), _popular_origins(rng, rng.randint(1, 3))
    factor = rng.choice(["0.4", "0.5", "0.6", "0.7"])
    return (
        f"hs6 in {_texts(lines)} and origin in {_texts(origins)}"
        f" and value_per_kg < {factor} * indicator(hs6, origin)"
    )


def _indicator_ratio(rng: random.Random, ref: Reference) -> str:
    heading = rng.choice(HEADINGS[:40])
    limit = rng.choice(["0.25", "0.3", "0.35", "0.4"])
    return f'hs4 == "{heading}" and indicator_ratio < {limit}'


def _fixed_value_per_kg(rng: random.Random, ref: Reference) -> str:
    line = _popular_hs6(rng, ref, 1)[0]
    origin = _popular_origins(rng, 1)[0]
    threshold = f"{ref.base_value_per_kg[line] * rng.uniform(0.3, 0.6):.2f}"
    return f'hs6 == "{line}" and origin == "{origin}" and value_per_kg < {threshold}'


def _operator_history(rng: random.Random, ref: Reference) -> str:
    options = [
        f"operator_discrepancy_rate > {rng.choice(['0.35', '0.4', '0.5'])}"
        f" and operator_controls >= {rng.randint(6, 12)}",
        f"operator_days_registered < {rng.choice([30, 60, 90, 180])}"
        f" and invoice_total_dzd > {rng.choice([2, 5, 10, 20])}000000",
        f"broker_discrepancy_rate > {rng.choice(['0.3', '0.35', '0.4'])}"
        f" and item_count >= {rng.randint(6, 9)}",
        f'operator_controls == 0 and regime == "{rng.choice(["IM5", "IM7"])}"'
        f" and invoice_total_dzd > {rng.randint(1, 9)}000000",
    ]
    return rng.choice(options)


def _broker_office_regime(rng: random.Random, ref: Reference) -> str:
    office = rng.choice(OFFICES)
    chapters = sorted({heading[:2] for heading in rng.sample(HEADINGS, 3)})
    brokers = sorted(set(rng.choices(ref.brokers, k=rng.randint(1, 4))))
    options = [
        f'office == "{office}" and broker in {_texts(brokers)} and broker_discrepancy_rate > 0.15',
        f'regime == "{rng.choice(["IM5", "IM7", "IM6"])}" and hs2 in {_texts(chapters)}'
        f' and origin != "{rng.choice(ORIGINS[:5])}" and customs_value_dzd > {rng.randint(2, 9)}000000',
        f'office == "{office}" and broker == "" and invoice_total_dzd > {rng.randint(3, 30)}000000',
    ]
    return rng.choice(options)


def _hours_and_weekdays(rng: random.Random, ref: Reference) -> str:
    office = rng.choice(OFFICES)
    lines = _popular_hs6(rng, ref, rng.randint(2, 5))
    options = [
        f'office == "{office}" and (hour < {rng.randint(3, 5)} or hour >= {rng.randint(22, 23)})',
        f"weekday in [5, 6] and hs6 in {_texts(lines)} and customs_value_dzd > {rng.randint(5, 20)}000000",
        f'hour >= 18 and office == "{office}" and transport_mode == "4" and net_mass_kg < 5',
    ]
    return rng.choice(options)


def _membership(rng: random.Random, ref: Reference) -> str:
    heading = rng.choice(HEADINGS)
    rare = sorted(set(rng.choices(ORIGINS[12:], k=rng.randint(1, 3))))
    options = [
        f'"{heading}" in hs_prefixes and origin in {_texts(rare)}'
        f" and customs_value_dzd > {rng.randint(1, 9)}00000",
        f'origin in {_texts(SANCTIONED_OR_TRANSIT)} and dispatch_country != origin and hs4 == "{heading}"',
        f'hs4 == "{heading}" and incoterm in ["EXW", "FOB"] and currency not in ["EUR", "USD"]',
    ]
    return rng.choice(options)


def _arithmetic(rng: random.Random, ref: Reference) -> str:
    heading = rng.choice(HEADINGS)
    lines = _popular_hs6(rng, ref, rng.randint(1, 3))
    share = rng.choice(["0.1", "0.2", "0.3"])
    options = [
        f'hs4 == "{heading}" and gross_mass_kg - net_mass_kg > {share} * gross_mass_kg',
        f"hs6 in {_texts(lines)} and customs_value_dzd / quantity < {share} * value_per_unit",
        f'hs4 == "{heading}" and quantity * {rng.choice([200, 500, 1000])} < net_mass_kg',
        f"hs6 in {_texts(lines)} and customs_value_dzd / net_mass_kg < 0.5 * indicator(hs6, origin)",
        f'hs4 == "{heading}" and invoice_total_dzd / item_count > {rng.randint(2, 9)}000000',
    ]
    return rng.choice(options)


def _unguarded_mix(rng: random.Random, ref: Reference) -> str:
    options = [
        f"indicator_ratio < {rng.choice(['0.15', '0.2'])} and customs_value_dzd > {rng.randint(5, 20)}000000",
        f'value_per_kg < {rng.choice(["0.5", "1"])} and transport_mode == "4"',
        f"net_mass_kg > {rng.randint(20, 40)}000 and value_per_kg > {rng.randint(5, 20)}000",
    ]
    return rng.choice(options)


__all__ = ["HEADER_FIELDS", "Declarations", "Reference", "reference", "rules"]
