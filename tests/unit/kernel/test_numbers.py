"""Numbers typed by people: whole numbers in ASCII digits only, within what an id or a version can be;
amounts as the page's language writes them, never in exponent notation."""

from decimal import Decimal

import pytest

from douane.kernel.numbers import typed_amount, whole_number


@pytest.mark.parametrize(
    ("text", "number"),
    [("7", 7), (" 42 ", 42), ("000123", 123), ("9" * 18, int("9" * 18))],
)
def test_ascii_digits_read_as_their_number(text: str, number: int) -> None:
    assert whole_number(text) == number


@pytest.mark.parametrize("text", ["", " ", "²", "١٢", "-3", "+3", "3.0", "1e3", "12a", "9" * 19, "9" * 5000])
def test_anything_else_is_no_number(text: str) -> None:
    assert whole_number(text) is None


@pytest.mark.parametrize(
    ("text", "language", "amount"),
    [
        ("2 500 000,00", "fr", "2500000.00"), ("2\u202f500\u00a0000,5", "fr", "2500000.5"),
        ("1.234,56", "fr", "1234.56"), ("1.234.567", "fr", "1234567"), ("2500000.00", "fr", "2500000.00"),
        ("1.500", "fr", "1.500"), ("1,5", "ar", "1.5"),
        ("\u0662\u0665\u0660\u0660\u066b\u0665", "ar", "2500.5"),
        ("1,000.00", "en", "1000.00"), ("1,000,000.25", "en", "1000000.25"), (" 12 ", "en", "12"),
        ("1 000", "en", "1000"),
    ],
)  # fmt: skip
def test_an_amount_reads_as_the_language_writes_it(text: str, language: str, amount: str) -> None:
    assert typed_amount(text, language) == Decimal(amount)
    assert str(typed_amount(text, language)) == amount  # the places typed are kept


@pytest.mark.parametrize(
    ("text", "language"),
    [("1e3", "en"), ("1E3", "fr"), ("-5", "en"), ("+5", "fr"), ("1,5", "en"), ("1,00,000", "en"),
     ("12.", "en"), (".5", "fr"), ("1,2,3", "fr"), ("abc", "fr"), ("", "ar"), ("NaN", "en"),
     ("Infinity", "fr"), ("9" * 41, "en")],
)  # fmt: skip
def test_what_is_no_amount_is_none(text: str, language: str) -> None:
    assert typed_amount(text, language) is None
