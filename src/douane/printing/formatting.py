"""Numbers, amounts and dates as a reader of the document's language expects them (Babel, Algerian locales).

Digits stay Latin (0-9) in every language, as Algerian administrative documents print them. Group separators
are ones the bidirectional algorithm keeps inside a number (".", ",", narrow no-break space), so an amount
is never split and reordered inside an Arabic line.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from douane.kernel.clock import ALGIERS, as_utc
from douane.kernel.money import Money

NUMBER_LOCALES = {"ar": "ar_DZ", "fr": "fr_DZ", "en": "en"}
CURRENCY_LABELS = {"DZD": {"ar": "د.ج", "fr": "DZD", "en": "DZD"}}
NO_BREAK_SPACE = "\u00a0"


def _locale(language: str) -> str:
    return NUMBER_LOCALES.get(language, "fr_DZ")


def amount(money: Money, language: str) -> str:
    """1 234 567,50 DZD (fr), 1,234,567.50 DZD (en), 1.234.567,50 د.ج (ar)."""
    figures = format_decimal(money.quantized().amount, format="#,##0.00", locale=_locale(language))
    label = CURRENCY_LABELS.get(money.currency, {}).get(language, money.currency)
    return f"{figures}{NO_BREAK_SPACE}{label}"


def number(value: Decimal | int, language: str, decimals: int = 3) -> str:
    """A quantity with up to `decimals` decimals, trailing zeros dropped."""
    pattern = "#,##0." + "#" * decimals if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=_locale(language))


def moment(at: datetime, language: str) -> str:
    """The Algerian wall-clock time of an instant: 15/03/2026 10:30."""
    local = as_utc(at).astimezone(ALGIERS)
    return format_datetime(local, "dd/MM/yyyy HH:mm", tzinfo=ALGIERS, locale=_locale(language))


def day(value: date, language: str) -> str:
    return format_date(value, "dd/MM/yyyy", locale=_locale(language))
