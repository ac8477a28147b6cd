"""A registration number typed with Arabic-Indic or Eastern Arabic-Indic digits names the same declaration as
in ASCII digits, in every part: office, year and sequence."""

from __future__ import annotations

import pytest

from douane.declarations.numbering import RegistrationNumber, parse_number
from douane.kernel.errors import InvalidInput


@pytest.mark.parametrize(
    "typed",
    ["١٦٠١١/٢٠٢٦/٠٠٠١٢٣", "۱۶۰۱۱/۲۰۲۶/۰۰۰۱۲۳", "16011/٢٠٢٦/۱۲۳", " ١٦٠١١/2026/000123 "],
    ids=["arabic-indic", "eastern arabic-indic", "mixed", "office only"],
)
def test_a_number_in_arabic_digits_reads_as_in_ascii_digits(typed: str) -> None:
    parsed = parse_number(typed)

    assert parsed == RegistrationNumber("16011", 2026, 123)
    assert str(parsed) == "16011/2026/000123"


def test_digits_of_another_script_are_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_number("१६०११/2026/000123")  # Devanagari office
    assert refused.value.code == "declarations.invalid_number"


@pytest.mark.parametrize("typed", ["16011/2026/0", "16011/2026/٠٠٠", "16011/1899/000123"])
def test_no_number_has_sequence_zero_or_a_year_before_1900(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_number(typed)
    assert refused.value.code == "declarations.invalid_number"
