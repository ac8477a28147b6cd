"""Numbers typed by people: an identifier or a version read from a form field, a header or a query; an
amount typed in a form, as the page's language writes it."""

from __future__ import annotations

import re
from decimal import Decimal

MAX_DIGITS = 18
"""Any id or version fits in 18 digits (a signed 64-bit column holds 19); more is not a number we stored."""


def whole_number(text: str) -> int | None:
    """The number `text` spells in ASCII digits (surrounding spaces allowed), or None. `str.isdigit` alone
    also accepts digits such as "²" that `int` refuses, and `int` refuses more than 4,300 digits."""
    digits = text.strip()
    if not (0 < len(digits) <= MAX_DIGITS and digits.isascii() and digits.isdigit()):
        return None
    return int(digits)


GROUPING = frozenset(" \u00a0\u202f\u2009\u066c")
"""What people put between groups of digits: spaces (plain, no-break, narrow, thin) and the Arabic thousands
separator."""
EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
PLAIN_NUMBER = re.compile(r"^\d+(\.\d+)?$")
COMMA_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
DOT_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
MAX_TYPED_LENGTH = 40


def typed_amount(text: str, language: str) -> Decimal | None:
    """The number a person typed in a form, as the page's language writes it, or None if it is not one.

    Spaces between groups of digits are dropped, Arabic-Indic digits read, the Arabic decimal separator read
    as a comma. In English a comma only separates thousands (1,000.50); in French and Arabic a comma is the
    decimal separator (2 500 000,00), dots then separating thousands (1.234,56 or 1.234.567), and a lone dot
    is read as a decimal point (2500000.00 or 1.500, as software writes it). No sign, no exponent (1e3 is not
    an amount)."""
    compact = "".join(c for c in text.strip().translate(EASTERN_DIGITS) if c not in GROUPING)
    compact = compact.replace("\u066b", ",")
    if not compact.isascii() or len(compact) > MAX_TYPED_LENGTH:
        return None
    if COMMA_GROUPED.match(compact) and language == "en":
        compact = compact.replace(",", "")
    elif DOT_GROUPED.match(compact) and ("," in compact or compact.count(".") > 1) and language != "en":
        compact = compact.replace(".", "").replace(",", ".")
    elif compact.count(",") == 1 and "." not in compact and language != "en":
        compact = compact.replace(",", ".")
    return Decimal(compact) if PLAIN_NUMBER.match(compact) else None


def untyped_amount_reason(text: str, language: str) -> str:
    """Why `typed_amount` read no amount in `text`, in words for the person who typed it (a msgid)."""
    unsigned = text.strip().removeprefix("-").removeprefix("\u2212")  # a hyphen or a minus sign
    if unsigned != text.strip() and typed_amount(unsigned, language) is not None:
        return "The amount must be more than zero"
    return "The amount is not a number"
