"""Time: aware UTC everywhere in storage and logic; a Clock is injected so deadlines are testable."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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


EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def start_of_local_day(day: date) -> datetime:
    """The first instant of an Algerian calendar day, as an aware datetime (of 1 January of year 1, whose
    first hour lies before year 1 in UTC, the first instant there is)."""
    return EARLIEST if day == date.min else datetime.combine(day, time(0), ALGIERS)


def end_of_local_day(day: date) -> datetime:
    """The last instant of an Algerian calendar day, as an aware datetime (of 31 December 9999, the last
    instant there is)."""
    if day == date.max:
        return LATEST
    return datetime.combine(day + timedelta(days=1), time(0), ALGIERS) - timedelta(microseconds=1)
