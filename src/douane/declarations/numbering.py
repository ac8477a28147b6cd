"""Registration numbers OFFICE/YEAR/SEQUENCE (e.g. 16011/2026/000123), gap-free per office and year.

The sequence row is created or advanced by one upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING, which
locks the row on PostgreSQL; SQLite serialises writers; other databases: SELECT ... FOR UPDATE) in
the registering transaction: if the registration rolls back, so does the number, so no number is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from douane.declarations.tables import RegistrationSequenceRow
from douane.kernel.errors import InvalidInput

SEQUENCE_DIGITS = 6
NUMBER_PATTERN = re.compile(r"^(\d{5})/(\d{4})/(\d{1,9})$")


@dataclass(frozen=True)
class RegistrationNumber:
    office_code: str
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{self.office_code}/{self.year:04d}/{self.sequence:0{SEQUENCE_DIGITS}d}"


def parse_number(text: str) -> RegistrationNumber:
    match = NUMBER_PATTERN.match(text.strip())
    if match is None:
        raise InvalidInput(
            "declarations.invalid_number",
            "A registration number reads OFFICE/YEAR/SEQUENCE, e.g. 16011/2026/000123",
            value=text[:40],
        )
    return RegistrationNumber(match.group(1), int(match.group(2)), int(match.group(3)))


def _ensure_sequence_row(session: Session, office_code: str, year: int) -> None:
    """Create the (office, year) counter if missing, without failing when another transaction races us."""
    values = {"office_code": office_code, "year": year, "last_number": 0}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(pg_insert(RegistrationSequenceRow).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(RegistrationSequenceRow).values(**values).on_conflict_do_nothing())
    elif session.get(RegistrationSequenceRow, (office_code, year)) is None:
        session.add(RegistrationSequenceRow(**values))
        session.flush()


def next_number(session: Session, office_code: str, year: int) -> RegistrationNumber:
    """The next number at the office for the year; the caller's transaction holds the lock until it ends."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        return RegistrationNumber(office_code, year, _advance_by_upsert(session, dialect, office_code, year))
    _ensure_sequence_row(session, office_code, year)
    row = session.scalars(
        select(RegistrationSequenceRow)
        .where(RegistrationSequenceRow.office_code == office_code, RegistrationSequenceRow.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    row.last_number += 1
    session.flush()
    return RegistrationNumber(office_code, year, row.last_number)


def _advance_by_upsert(session: Session, dialect: str, office_code: str, year: int) -> int:
    """Create the counter at 1 or add 1 to it, in one statement that returns the new number."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = RegistrationSequenceRow.__table__
    assert isinstance(table, Table)
    statement = (
        insert(table)
        .values(office_code=office_code, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.office_code, table.c.year],
            set_={"last_number": table.c.last_number + 1},
        )
        .returning(table.c.last_number)
    )
    number: int = session.execute(statement).scalar_one()
    return number
