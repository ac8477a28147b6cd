"""Whole numbers typed by people: ASCII digits only, within what an id or a version can be."""

import pytest

from douane.kernel.numbers import whole_number


@pytest.mark.parametrize(
    ("text", "number"),
    [("7", 7), (" 42 ", 42), ("000123", 123), ("9" * 18, int("9" * 18))],
)
def test_ascii_digits_read_as_their_number(text: str, number: int) -> None:
    assert whole_number(text) == number


@pytest.mark.parametrize("text", ["", " ", "²", "١٢", "-3", "+3", "3.0", "1e3", "12a", "9" * 19, "9" * 5000])
def test_anything_else_is_no_number(text: str) -> None:
    assert whole_number(text) is None
