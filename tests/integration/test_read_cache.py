"""Reference reads shared between units of work: reused while nothing changed, dropped at once after a write,
whether the write came from this process or from another one (another engine on the same database)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import event, select, update

from douane.db import Database
from douane.read_cache import reads_cached
from douane.reference import service as reference
from douane.reference.tables import ExchangeRateRow

DAY = date(2026, 3, 15)


def _add_rate(database: Database, dzd_per_unit: str) -> None:
    with database.transaction() as session:
        session.add(
            ExchangeRateRow(
                currency="EUR", dzd_per_unit=Decimal(dzd_per_unit), valid_from=date(2026, 1, 1),
                source="test", created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )  # fmt: skip


def _set_rate(database: Database, dzd_per_unit: str) -> None:
    with database.transaction() as session:
        session.execute(update(ExchangeRateRow).values(dzd_per_unit=Decimal(dzd_per_unit)))


def _rate_read_in_one_unit_of_work(database: Database) -> Decimal:
    with database.transaction() as session, reads_cached(session):
        return reference.rate_on(session, "EUR", DAY)


@contextmanager
def _rate_queries(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM exchange_rates" in statement:
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def test_a_rate_read_once_serves_later_units_of_work_without_a_query(db: Database) -> None:
    _add_rate(db, "150.25")
    assert _rate_read_in_one_unit_of_work(db) == Decimal("150.25")
    with _rate_queries(db) as queries:
        assert _rate_read_in_one_unit_of_work(db) == Decimal("150.25")
    assert queries == []


def test_a_changed_rate_is_read_at_the_next_unit_of_work(db: Database) -> None:
    _add_rate(db, "150.25")
    assert _rate_read_in_one_unit_of_work(db) == Decimal("150.25")
    _set_rate(db, "151.00")
    assert _rate_read_in_one_unit_of_work(db) == Decimal("151.00")


def test_a_change_made_by_another_process_is_seen_too(db: Database) -> None:
    _add_rate(db, "150.25")
    assert _rate_read_in_one_unit_of_work(db) == Decimal("150.25")
    other_process = Database(db.url)  # its own engine, as another web worker would have
    try:
        with other_process.transaction() as session:
            row = session.scalars(select(ExchangeRateRow)).one()
            row.dzd_per_unit = Decimal("149.50")  # an ORM change this time
    finally:
        other_process.dispose()
    assert _rate_read_in_one_unit_of_work(db) == Decimal("149.50")


def test_the_writing_unit_of_work_reads_its_own_change(db: Database) -> None:
    _add_rate(db, "150.25")
    assert _rate_read_in_one_unit_of_work(db) == Decimal("150.25")
    with db.transaction() as session, reads_cached(session):
        session.execute(update(ExchangeRateRow).values(dzd_per_unit=Decimal("152.00")))
        assert reference.rate_on(session, "EUR", DAY) == Decimal("152.00")


def test_a_rolled_back_change_leaves_the_value_in_force(db: Database) -> None:
    _add_rate(db, "150.25")
    assert _rate_read_in_one_unit_of_work(db) == Decimal("150.25")
    with db.sessions() as session:
        session.execute(update(ExchangeRateRow).values(dzd_per_unit=Decimal("999.00")))
        session.rollback()
    assert _rate_read_in_one_unit_of_work(db) == Decimal("150.25")


def test_an_edit_not_flushed_yet_is_read_too(db: Database) -> None:
    _add_rate(db, "150.25")
    assert _rate_read_in_one_unit_of_work(db) == Decimal("150.25")
    with db.transaction() as session, reads_cached(session):
        assert reference.rate_on(session, "EUR", DAY) == Decimal("150.25")  # memoised here, and shared
        session.scalars(select(ExchangeRateRow)).one().dzd_per_unit = Decimal("152.00")
        assert reference.rate_on(session, "EUR", DAY) == Decimal("152.00")
        session.add(
            ExchangeRateRow(
                currency="EUR", dzd_per_unit=Decimal("153.50"), valid_from=date(2026, 3, 1), source="test",
                created_at=datetime(2026, 3, 1, tzinfo=UTC),
            )
        )  # fmt: skip
        assert reference.rate_on(session, "EUR", DAY) == Decimal("153.50")
    assert _rate_read_in_one_unit_of_work(db) == Decimal("153.50")


def test_what_was_memoised_before_a_flush_or_an_update_statement_is_read_again_after_it(db: Database) -> None:
    _add_rate(db, "150.25")
    with db.transaction() as session, reads_cached(session):
        with session.no_autoflush:
            session.add(
                ExchangeRateRow(
                    currency="EUR", dzd_per_unit=Decimal("153.50"), valid_from=date(2026, 3, 1),
                    source="test", created_at=datetime(2026, 3, 1, tzinfo=UTC),
                )
            )  # fmt: skip
            assert reference.rate_on(session, "EUR", DAY) == Decimal("150.25")  # not flushed: not seen yet
        session.flush()
        assert reference.rate_on(session, "EUR", DAY) == Decimal("153.50")
        session.execute(update(ExchangeRateRow).values(dzd_per_unit=Decimal("160.00")))
        assert reference.rate_on(session, "EUR", DAY) == Decimal("160.00")
