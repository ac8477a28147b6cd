"""Money, decimals and timestamps read back exactly what was written, on both engines."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from douane.db import Database, DZDAmount, ExactDecimal, UTCDateTime
from douane.kernel.money import Money

probe_metadata = MetaData()
probe = Table(
    "column_type_probe",
    probe_metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", DZDAmount),
    Column("rate", ExactDecimal(scale=6)),
    Column("at", UTCDateTime),
)


def test_a_17_digit_amount_and_a_plus_one_hour_timestamp_round_trip(db: Database) -> None:
    amount = Money.of("123456789012345.67")  # 17 significant digits
    assert len(str(amount.amount).replace(".", "")) == 17
    algiers_time = datetime(2026, 7, 14, 10, 45, 12, 123456, tzinfo=timezone(timedelta(hours=1)))
    rate = Decimal("146.123456")
    probe_metadata.create_all(db.engine)
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(probe).values(id=1, amount=amount, rate=rate, at=algiers_time))
        with db.engine.connect() as conn:
            row = conn.execute(select(probe.c.amount, probe.c.rate, probe.c.at)).one()
    finally:
        probe_metadata.drop_all(db.engine)
    assert row.amount == amount
    assert row.amount.amount == Decimal("123456789012345.67")
    assert row.rate == rate
    assert row.at == algiers_time
    assert row.at.utcoffset() == timedelta(0)
    assert row.at.hour == 9
