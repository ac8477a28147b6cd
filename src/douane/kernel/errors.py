"""Domain errors carry a stable code, an HTTP status and a default English message.

The message is a gettext msgid: the web layer translates it to the user's language.
Parameters are interpolated after translation with str.format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DouaneError(Exception):
    status = 400

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidInput(DouaneError):
    status = 422


class NotFound(DouaneError):
    status = 404


class Conflict(DouaneError):
    status = 409


class Unauthorized(DouaneError):
    status = 401


class Forbidden(DouaneError):
    status = 403


class Locked(DouaneError):
    status = 423


class TooManyRequests(DouaneError):
    status = 429

    def __init__(self, code: str, message: str, retry_after_seconds: int, **params: Any) -> None:
        super().__init__(code, message, **params)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class RowError:
    """One rejected row of an imported file."""

    line: int
    reason: str
    field: str | None = None


class ImportRejected(DouaneError):
    """A file is imported whole or not at all; this lists every rejected row."""

    status = 422

    def __init__(self, errors: list[RowError], total_rows: int) -> None:
        super().__init__(
            "import.rejected",
            "The file was rejected: invalid rows {count}, rows read {total}",
            count=len(errors),
            total=total_rows,
        )
        self.errors = errors
        self.total_rows = total_rows
