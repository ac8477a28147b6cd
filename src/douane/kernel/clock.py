"""Time: aware UTC everywhere in storage and logic; a Clock is injected so deadlines are testable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

ALGIERS = ZoneInfo("Africa/Algiers")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, at: datetime) -> None:
        self._at = as_utc(at)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = as_utc(at)


def as_utc(moment: datetime) -> datetime:
    """Convert an aware datetime to UTC; a naive one is a programming error."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: douane keeps only timezone-aware datetimes")
    return moment.astimezone(UTC)


def local_date(moment: datetime) -> date:
    """The calendar date in Algeria at that moment (legal dates are Algerian dates)."""
    return as_utc(moment).astimezone(ALGIERS).date()
