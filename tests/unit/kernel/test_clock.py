from datetime import UTC, datetime, timedelta, timezone

import pytest

from douane.kernel.clock import FixedClock, as_utc, local_date


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        as_utc(datetime(2026, 1, 1))


def test_legal_dates_are_algerian_dates() -> None:
    # 23:30 UTC on 31 December is already 1 January in Algiers (UTC+1).
    assert local_date(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)).isoformat() == "2026-01-01"


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2026, 1, 1, 11, tzinfo=UTC)
    clock.advance(timedelta(days=31))
    assert clock.now().date().isoformat() == "2026-02-01"
