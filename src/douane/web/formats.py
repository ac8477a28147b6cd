"""Numbers, amounts and dates as a page's language writes them (Babel), and message parameters written so."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from douane.kernel.clock import ALGIERS
from douane.kernel.money import Money

NUMBER_LOCALES = {"ar": "ar_DZ", "fr": "fr_DZ", "en": "en"}
DATE_LOCALES = {"ar": "ar_DZ", "fr": "fr", "en": "en_GB"}

CODE_BEFORE_DIGITS = re.compile(r"^([A-Z]{3})(?=\d)")
AMOUNT_PARAMS = frozenset({
    "amount", "total", "tolerance", "items_sum", "outstanding", "allocated", "available", "net", "gross",
    "needed", "left", "carried", "used",
})  # fmt: skip
"""Message parameters that hold an amount or a mass: written as the page's language writes numbers."""
DATE_PARAMS = frozenset(
    {"on", "date", "day", "released", "arrived_on", "valid_from", "valid_to", "issued_on"}
)
PLAIN_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
FIGURE = re.compile(r"(?<![\w.,-])(?:0|[1-9][0-9]{0,2})(?: [0-9]{3})*(?:\.[0-9]+)?(?![\w.-])")
"""A figure as a breakdown's sentences write it: thousands after spaces, a decimal point ("1 234.50")."""


def readable_params(params: Mapping[str, Any], language: str) -> dict[str, Any]:
    """A message's parameters with its amounts and dates written for a reader of `language` (125,00 and
    6 déc. 2026 in French); codes, identifiers and numbers of other kinds stay as they are."""
    formats = Formats(language)
    readable = dict(params)
    for key, value in params.items():
        text = str(value)
        if key in AMOUNT_PARAMS and PLAIN_DECIMAL.match(text):
            readable[key] = formats.exact(text)
        elif key in DATE_PARAMS and ISO_DATE.match(text):
            readable[key] = formats.date(date.fromisoformat(text))
    return readable


class Formats:
    """Formatting helpers bound to one page language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.number_locale = NUMBER_LOCALES.get(language, "en")
        self.date_locale = DATE_LOCALES.get(language, "en_GB")

    def money(self, value: Money | Decimal | int | str | None) -> str:
        amount = _as_decimal(value)
        if amount is None:
            return "—"
        text = format_currency(amount, "DZD", locale=self.number_locale)
        return CODE_BEFORE_DIGITS.sub("\\1\u00a0", text)  # "DZD 1,524,195.00": CLDR currency spacing

    def number(self, value: Decimal | int | float | str | None, digits: int = 3) -> str:
        amount = _as_decimal(value)
        if amount is None:
            return "—"
        return format_decimal(amount, format=f"#,##0.{'#' * digits}", locale=self.number_locale)

    def exact(self, text: str) -> str:
        """A plain decimal ("-1234.50") with its thousands grouped and just its own decimal places."""
        places = len(text.partition(".")[2])
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(Decimal(text), format=pattern, locale=self.number_locale)

    def figures(self, sentence: str) -> str:
        """A breakdown's sentence ("EUR 6 000 x 150.75 = 904 500.00") with its figures as the language writes
        numbers; its codes ("8471301000", "DD") as they are."""
        return FIGURE.sub(lambda found: self.exact(found.group(0).replace(" ", "")), sentence)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return format_datetime(value, "medium", tzinfo=ALGIERS, locale=self.date_locale)

    def date(self, value: date | str | None) -> str:
        """A date, or the ISO text a breakdown keeps ("2026-12-06"), written for the language."""
        if isinstance(value, str):
            value = date.fromisoformat(value) if ISO_DATE.match(value) else None
        if value is None:
            return "—"
        return format_date(value, "medium", locale=self.date_locale)


def _as_decimal(value: Money | Decimal | int | float | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Money):
        return value.amount
    return Decimal(str(value))
