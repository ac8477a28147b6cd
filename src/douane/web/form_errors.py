"""Why a form field was refused, in the page's language: the error types the request models report (pydantic),
said as a person filling in the form would need to hear them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from douane.i18n import translate

COUNTRY_PATTERN = r"^[A-Z]{2}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"

MESSAGES = {
    "missing": "Fill in this field",
    "string_type": "Fill in this field",
    "string_too_short": "Fill in this field",
    "string_too_long": "At most {max_length} characters",
    "decimal_parsing": "Type a number",
    "decimal_type": "Type a number",
    "float_parsing": "Type a number",
    "decimal_max_digits": "This number has too many digits",
    "decimal_whole_digits": "This number has too many digits",
    "decimal_max_places": "At most {decimal_places} digits after the decimal point",
    "int_parsing": "Type a whole number",
    "int_type": "Type a whole number",
    "int_from_float": "Type a whole number",
    "greater_than_equal": "The smallest value allowed is {ge}",
    "greater_than": "The value must be above {gt}",
    "less_than_equal": "The largest value allowed is {le}",
    "less_than": "The value must be below {lt}",
    "enum": "Choose one of the values offered",
    "literal_error": "Choose one of the values offered",
    "too_long": "Too many entries: at most {max_length}",
}
PATTERNS = {
    COUNTRY_PATTERN: "Type a two-letter country code, such as CN",
    CURRENCY_PATTERN: "Type a three-letter currency code, such as EUR",
}
VALUE_ERROR_PREFIX = "Value error, "
NOT_VALID = "This value is not valid"


def field_error_text(error: Mapping[str, Any], language: str) -> str:
    """One validation error (an item of `ValidationError.errors()`) in `language`."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        return translate(PATTERNS.get(str(context.get("pattern")), "The format is not valid"), language)
    if kind == "value_error":  # a check of ours, already a sentence (in English: translated if catalogued)
        return translate(str(error.get("msg", "")).removeprefix(VALUE_ERROR_PREFIX), language)
    message = MESSAGES.get(kind)
    if message is None:
        return translate(NOT_VALID, language)
    return translate(message, language, **{key: _plain(value) for key, value in context.items()})


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | float):
        return format(Decimal(str(value)).normalize(), "f")
    return value
