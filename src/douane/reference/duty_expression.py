"""Parse published duty rate strings into duty rates (pure).

Shapes accepted (as published in the UK Global Tariff and the EU common external tariff):

    12.00%                                      ad valorem
    34.00 GBP/100kg    10.00 GBP / hl    0.20 GBP/ item    43.00 GBP/1000 items    114.00 EUR / tonne
    1.40 GBP / % vol / hl                       specific, per hl and per % of alcohol by volume
    0.30 GBP/100kg/net/%sacchar.   42.00 GBP/100kg mas   4.00% + 7.80 GBP/100kg eda   (qualified units)
    10.00% + 77.00 GBP/100kg   40.00% + 101.00 GBP/hl + 17 GBP/100kg   (compound: parts are added)
    4.50% MIN 0.30 EUR / item MAX 0.80 EUR / item   9.00% + EA MAX 18.70% + ADSZ   (bounds, references)
    14.00% (01 JUL - 31 JAN), 0.00% (01 FEB - 30 JUN)   (seasonal: one rate per window)
    6.4 + 24.6 EUR/100 kg                       a bare number is a percentage
    Entry Price                                 a reference to the entry-price system
    (blank)                                     no duty measure

`+` adds to the formula being read: the main one, or the MIN / MAX one after those words.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from decimal import Decimal

from douane.kernel.errors import InvalidInput
from douane.reference.model import DutyFormula, DutyRate, SeasonalWindow, SpecificDuty

MONTHS = {
    "JAN": 1,
    "FEB": 2,
    "MAR": 3,
    "APR": 4,
    "MAY": 5,
    "JUN": 6,
    "JUNE": 6,
    "JUL": 7,
    "JULY": 7,
    "AUG": 8,
    "SEP": 9,
    "SEPT": 9,
    "OCT": 10,
    "NOV": 11,
    "DEC": 12,
}
REFERENCES = {
    "EA": "EA",
    "EAR": "EAR",
    "ADSZ": "ADSZ",
    "ADSZR": "ADSZR",
    "ADFM": "ADFM",
    "ADFMR": "ADFMR",
    "ENTRY PRICE": "ENTRY_PRICE",
}
UNITS = {
    "kg": ("kg", 1),
    "hl": ("hl", 1),
    "l": ("l", 1),
    "item": ("item", 1),
    "items": ("item", 1),
    "tonne": ("kg", 1000),
    "tonnes": ("kg", 1000),
    "t": ("kg", 1000),
    "m": ("m", 1),
    "m2": ("m2", 1),
    "m3": ("m3", 1),
}

_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_PERCENT = re.compile(rf"^({_NUMBER})\s*%?$")
_SPECIFIC = re.compile(rf"^(?P<amount>{_NUMBER})\s*(?P<currency>[A-Z]{{3}})\s*/\s*(?P<per>.+)$")
_UNIT = re.compile(r"^(?P<qty>\d[\d,]*)?\s*(?P<unit>items?|tonnes?|kg|hl|m[23]?|l|t)\b\.?\s*(?P<tail>.*)$")
_OPERATOR = re.compile(r"\s*(\+|\bMIN\b|\bMAX\b)\s*")
_SEASON_TAIL = re.compile(r"^(?P<body>.*?)\s*\((?P<windows>[^()]*)\)$")
_WINDOW = re.compile(r"^(?P<d1>\d{1,2})\s*(?P<m1>[A-Z]+)?\s*-\s*(?P<d2>\d{1,2})\s*(?P<m2>[A-Z]+)$")

DAYS_IN_YEAR = [(m, d) for m in range(1, 13) for d in range(1, calendar.monthrange(2000, m)[1] + 1)]


class DutyExpressionError(InvalidInput):
    def __init__(self, text: str, why: str) -> None:
        super().__init__(
            "reference.bad_duty_expression", "Not a duty rate: {text} ({why})", text=text, why=why
        )


def parse_duty_expression(text: str) -> list[DutyRate]:
    """The duty rates of a published rate string; [] for a blank one (no duty measure)."""
    cleaned = _normalize(text)
    if not cleaned:
        return []
    rates: list[DutyRate] = []
    unseasoned: list[DutyRate] = []
    for part in _split_parts(cleaned):
        body, windows = _split_season(part, text)
        rate = _parse_formulas(body, text)
        if windows:
            rates.extend(replace(rate, season=w) for w in windows)
        else:
            unseasoned.append(rate)
    if len(unseasoned) > 1:
        raise DutyExpressionError(text, "several rates without a season")
    if unseasoned and rates:
        # "A (01 JAN-14 APR), B": B applies for the rest of the year.
        rates.extend(replace(unseasoned[0], season=w) for w in _complement([r.season for r in rates], text))
    elif unseasoned:
        rates = unseasoned
    return rates


def _normalize(text: str) -> str:
    text = text.replace("\xa0", " ").replace("€", " EUR ")
    return re.sub(r"\s+", " ", text).strip()


def _split_parts(text: str) -> list[str]:
    """Split on commas followed by a space outside parentheses ("1,000 items" has no space)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0 and text[i + 1 : i + 2] == " ":
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def _split_season(part: str, text: str) -> tuple[str, list[SeasonalWindow]]:
    match = _SEASON_TAIL.match(part)
    if not match:
        return part, []
    return match["body"], [_window(w.strip(), text) for w in match["windows"].split(",")]


def _window(spec: str, text: str) -> SeasonalWindow:
    match = _WINDOW.match(spec.upper())
    if not match:
        raise DutyExpressionError(text, f"bad seasonal window {spec!r}")
    month_to = MONTHS.get(match["m2"])
    month_from = MONTHS.get(match["m1"]) if match["m1"] else month_to
    if month_from is None or month_to is None:
        raise DutyExpressionError(text, f"unknown month in {spec!r}")
    # Published windows sometimes end on a day the month lacks ("31 APR"): that means its last day.
    day_from = min(int(match["d1"]), calendar.monthrange(2000, month_from)[1])
    day_to = min(int(match["d2"]), calendar.monthrange(2000, month_to)[1])
    return SeasonalWindow(month_from, day_from, month_to, day_to)


def _complement(windows: list[SeasonalWindow | None], text: str) -> list[SeasonalWindow]:
    covered = [any(w is not None and w.contains_month_day(m, d) for w in windows) for m, d in DAYS_IN_YEAR]
    result: list[SeasonalWindow] = []
    i = 0
    while i < len(DAYS_IN_YEAR):
        if covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(DAYS_IN_YEAR) and not covered[j + 1]:
            j += 1
        (m1, d1), (m2, d2) = DAYS_IN_YEAR[i], DAYS_IN_YEAR[j]
        result.append(SeasonalWindow(m1, d1, m2, d2))
        i = j + 1
    if not result:
        raise DutyExpressionError(text, "the seasons already cover the whole year")
    return result


def _parse_formulas(body: str, text: str) -> DutyRate:
    pieces = _OPERATOR.split(body.strip())
    sections: dict[str, DutyFormula] = {"main": DutyFormula()}
    current = "main"
    for index, piece in enumerate(pieces):
        if index % 2 == 1:
            if piece in ("MIN", "MAX"):
                current = piece.lower()
                if current in sections:
                    raise DutyExpressionError(text, f"{piece} given twice")
                sections[current] = DutyFormula()
            continue
        if not piece:
            raise DutyExpressionError(text, "a part is missing")
        sections[current] = _add_atom(sections[current], piece, text)
    return DutyRate(formula=sections["main"], minimum=sections.get("min"), maximum=sections.get("max"))


def _add_atom(formula: DutyFormula, atom: str, text: str) -> DutyFormula:
    reference = REFERENCES.get(atom.upper())
    if reference:
        return replace(formula, references=(*formula.references, reference))
    percent = _PERCENT.match(atom)
    if percent:
        if formula.rate_percent is not None:
            raise DutyExpressionError(text, "two ad valorem rates in one formula")
        return replace(formula, rate_percent=_decimal(percent[1]))
    specific = _SPECIFIC.match(atom)
    if specific:
        duty = _specific(specific["amount"], specific["currency"], specific["per"], text)
        return replace(formula, specifics=(*formula.specifics, duty))
    raise DutyExpressionError(text, f"cannot read {atom!r}")


def _specific(amount: str, currency: str, per: str, text: str) -> SpecificDuty:
    unit: tuple[str, int] | None = None
    quantity = Decimal(1)
    qualifiers: list[str] = []
    for segment in (s.strip() for s in per.split("/")):
        match = _UNIT.match(segment) if unit is None else None
        if match and match["unit"].lower() in UNITS:
            unit = UNITS[match["unit"].lower()]
            quantity = _decimal(match["qty"]) if match["qty"] else Decimal(1)
            if match["tail"]:
                qualifiers.append(match["tail"])
        elif segment:
            qualifiers.append(segment)
    if unit is None:
        raise DutyExpressionError(text, f"no unit in {per!r}")
    qualifier = "/".join(re.sub(r"%\s+", "%", q.lower()) for q in qualifiers) or None
    return SpecificDuty(_decimal(amount), currency, quantity * unit[1], unit[0], qualifier)


def _decimal(number: str) -> Decimal:
    return Decimal(number.replace(",", ""))
