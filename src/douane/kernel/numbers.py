"""Whole numbers typed by people: an identifier or a version read from a form field, a header or a query."""

from __future__ import annotations

MAX_DIGITS = 18
"""Any id or version fits in 18 digits (a signed 64-bit column holds 19); more is not a number we stored."""


def whole_number(text: str) -> int | None:
    """The number `text` spells in ASCII digits (surrounding spaces allowed), or None. `str.isdigit` alone
    also accepts digits such as "²" that `int` refuses, and `int` refuses more than 4,300 digits."""
    digits = text.strip()
    if not (0 < len(digits) <= MAX_DIGITS and digits.isascii() and digits.isdigit()):
        return None
    return int(digits)
