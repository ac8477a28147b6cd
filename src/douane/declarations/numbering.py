"""Registration numbers OFFICE/YEAR/SEQUENCE (e.g. 16011/2026/000123), gap-free per office and year.

The counter row advances in the registering transaction (`douane.db.advance_counter`): if the registration
rolls back, so does the number, so no number is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from douane.db import advance_counter
from douane.declarations.tables import RegistrationSequenceRow
from douane.kernel.errors import InvalidInput

SEQUENCE_DIGITS = 6
NUMBER_PATTERN = re.compile(r"^([0-9]{5})/([0-9]{4})/([0-9]{1,9})$")
ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
"""A number typed with Arabic-Indic (٠١٢) or Eastern Arabic-Indic (۰۱۲) digits reads as the same number in
ASCII digits. Any other script's digits are refused: `\\d` would take them in, and the office code would
keep them, naming no office."""


@dataclass(frozen=True)
class RegistrationNumber:
    office_code: str
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{self.office_code}/{self.year:04d}/{self.sequence:0{SEQUENCE_DIGITS}d}"


FIRST_YEAR = 1900


def parse_number(text: str) -> RegistrationNumber:
    """The number as typed, in ASCII or Arabic digits; no number has sequence 0 or a year before 1900."""
    match = NUMBER_PATTERN.match(text.strip().translate(ASCII_DIGITS))
    if match is None or int(match.group(3)) == 0 or int(match.group(2)) < FIRST_YEAR:
        raise InvalidInput(
            "declarations.invalid_number",
            "A registration number reads OFFICE/YEAR/SEQUENCE, e.g. 16011/2026/000123",
            value=text[:40],
        )
    return RegistrationNumber(match.group(1), int(match.group(2)), int(match.group(3)))


def take_numbers(session: Session, office_code: str, year: int, count: int) -> list[RegistrationNumber]:
    """The next `count` numbers at the office for the year, in order; the counter stays locked until the
    transaction ends."""
    last = advance_counter(session, RegistrationSequenceRow, by=count, office_code=office_code, year=year)
    return [RegistrationNumber(office_code, year, sequence) for sequence in range(last - count + 1, last + 1)]
