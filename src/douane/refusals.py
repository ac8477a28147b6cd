"""A write the database refused, as a domain error with a stable code.

The API answers these as problems and the command line prints them, so both say the same thing about the same
refusal. Rows written through the ORM fail with SQLAlchemy's errors; rows written through the driver itself
(`db.insert_rows_with_ids`, COPY, pipelines) fail with psycopg's, and SQLite's driver raises a bare
OverflowError for an integer beyond 64 bits.
"""

from __future__ import annotations

from psycopg import DataError as DriverDataError
from psycopg import IntegrityError as DriverIntegrityError
from sqlalchemy.exc import DataError, IntegrityError, StatementError

from douane.kernel.errors import Conflict, DouaneError, InvalidInput

REFUSED_WRITES = (
    IntegrityError, DataError, DriverIntegrityError, DriverDataError, StatementError, OverflowError,
)  # fmt: skip
"""What a refused write raises, from the ORM, from the driver itself or, for SQLite, as a bare overflow
(`refusal_of` says whether it is the database refusing a row)."""


def refusal_of(exc: BaseException) -> DouaneError | None:
    """The domain error a refused write stands for, or None when `exc` is not the database refusing a row."""
    if isinstance(exc, IntegrityError | DriverIntegrityError):
        return Conflict("conflict.integrity", "The change conflicts with existing data")
    if (
        isinstance(exc, OverflowError)
        or _sqlstate(exc) in OUT_OF_RANGE
        or (isinstance(exc, StatementError) and isinstance(exc.orig, OverflowError))
    ):
        return InvalidInput("request.out_of_range", "A date or number in the request is out of range")
    if isinstance(exc, DataError | DriverDataError):
        return InvalidInput(
            "request.unstorable_value",
            "A value in the request cannot be stored: remove control characters and check number ranges",
        )
    return None


OUT_OF_RANGE = frozenset({"22003", "22008"})
"""PostgreSQL's numeric_value_out_of_range and datetime_field_overflow: the refusal SQLite's driver raises
as an OverflowError, so that both engines answer `request.out_of_range`."""


def _sqlstate(exc: BaseException) -> str | None:
    driver_error = exc.orig if isinstance(exc, StatementError) else exc
    return getattr(driver_error, "sqlstate", None)
