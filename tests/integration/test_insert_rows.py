"""insert_rows (COPY or a pipelined INSERT on PostgreSQL, executemany elsewhere) stores what an INSERT
stores, in the given order; insert_later queues rows until the unit of work writes or commits them."""

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    null,
    select,
    text,
)
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session

from douane.db import (
    COPY_FROM_ROWS,
    Database,
    DZDAmount,
    ExactDecimal,
    Tuples,
    UTCDateTime,
    _utc_text,
    column_values,
    insert_later,
    insert_rows,
    insert_rows_with_ids,
    json_text,
    update_later,
    write_pending,
)
from douane.kernel.errors import InvalidInput
from douane.kernel.money import Money

probe_metadata = MetaData()
probe = Table(
    "insert_rows_probe",
    probe_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", String(40)),
    Column("note", Text),
    Column("amount", DZDAmount),
    Column("mass", ExactDecimal(scale=3)),
    Column("at", UTCDateTime),
    Column("flag", Boolean),
    Column("detail", JSON),
)

AWKWARD_TEXT = 'tab\there, new\nline, back\\slash, quote " and \\N, عربية é'
CONTROL_TEXT = "\x00 \x01 \x1f \r \x7f"
DETAIL: dict[Any, Any] = {
    "text": AWKWARD_TEXT,
    "control": CONTROL_TEXT,
    "list": [1, "2", None],
    "n": 1.5,
    "big": 2**70,
    7: "int key",
}


def _rows(label: str) -> list[dict[str, Any]]:
    algiers = timezone(timedelta(hours=1))
    return [
        {"label": f"{label}-1", "note": AWKWARD_TEXT, "amount": Money.of("123456789012.34"),
         "mass": Decimal("0.125"), "at": datetime(2026, 7, 14, 10, 45, 12, 123456, tzinfo=algiers),
         "flag": True, "detail": DETAIL},
        {"label": f"{label}-2", "note": None, "amount": None, "mass": None, "at": None, "flag": False,
         "detail": None},
        {"label": f"{label}-3", "note": "", "amount": Money.zero(), "mass": Decimal("1000000.000"),
         "at": datetime(2026, 1, 1, tzinfo=UTC), "flag": None, "detail": []},
    ]  # fmt: skip


def _stored(session: Session, prefix: str) -> list[tuple[Any, ...]]:
    columns = [c for c in probe.c if c.name != "id"]
    query = select(probe.c.id, *columns).where(probe.c.label.startswith(prefix)).order_by(probe.c.id)
    return [tuple(row)[1:] for row in session.execute(query)]


@pytest.fixture
def probe_table(db: Database) -> Any:
    probe_metadata.create_all(db.engine)
    yield db
    probe_metadata.drop_all(db.engine)


def _written_both_ways(
    db: Database, rows_of: Callable[[str], list[dict[str, Any]]], copies: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows as stored when an INSERT writes them and when `insert_rows` does, `copies` times each."""
    with db.transaction() as session:
        session.execute(insert(probe), rows_of("insert") * copies)
        insert_rows(session, probe, rows_of("copied") * copies)
    with db.transaction() as session:
        return _stored(session, "insert"), _stored(session, "copied")


@pytest.mark.parametrize("copies", [1, COPY_FROM_ROWS], ids=["a few rows", "enough rows to copy"])
def test_rows_given_as_tuples_are_stored_as_the_same_rows_given_as_mappings(
    probe_table: Database, copies: int
) -> None:
    columns = tuple(_rows("x")[0])
    with probe_table.transaction() as session:
        insert_rows(session, probe, _rows("mapped") * copies)
        insert_rows(session, probe, Tuples(columns, [tuple(r.values()) for r in _rows("tupled")] * copies))
        insert_later(session, probe, Tuples(columns, [tuple(r.values()) for r in _rows("queued")] * copies))
        insert_later(session, probe, _rows("queued") * copies)  # mappings after tuples, in the same queue
    with probe_table.transaction() as session:
        mapped, tupled, queued = (_stored(session, prefix) for prefix in ("mapped", "tupled", "queued"))
    assert len(tupled) == 3 * copies and len(queued) == 6 * copies
    assert [row[1:] for row in tupled] == [row[1:] for row in mapped]
    assert [row[1:] for row in queued] == [row[1:] for row in mapped] * 2
    assert [row[0] for row in tupled[:3]] == ["tupled-1", "tupled-2", "tupled-3"]


@pytest.mark.parametrize("copies", [1, COPY_FROM_ROWS], ids=["a few rows", "enough rows to copy"])
def test_rows_read_back_exactly_as_an_insert_writes_them(probe_table: Database, copies: int) -> None:
    inserted, copied = _written_both_ways(probe_table, _rows, copies)
    assert len(copied) == 3 * copies
    assert [row[1:] for row in copied] == [row[1:] for row in inserted]
    assert [row[0] for row in copied[:3]] == ["copied-1", "copied-2", "copied-3"]  # in the order given
    assert copied[0][1] == AWKWARD_TEXT
    assert copied[0][2] == Money.of("123456789012.34")
    assert copied[0][4].utcoffset() == timedelta(0) and copied[0][4].hour == 9
    assert copied[0][6] == {
        "text": AWKWARD_TEXT,
        "control": CONTROL_TEXT,
        "list": [1, "2", None],
        "n": 1.5,
        "big": 2**70,
        "7": "int key",
    }


def test_rows_are_part_of_the_transaction(probe_table: Database) -> None:
    db = probe_table
    with pytest.raises(RuntimeError), db.transaction() as session:
        insert_rows(session, probe, _rows("rolled-back"))
        raise RuntimeError("the unit of work fails")
    with db.transaction() as session:
        assert _stored(session, "rolled-back") == []


def test_queued_rows_are_written_when_the_transaction_commits_and_dropped_when_it_rolls_back(
    probe_table: Database,
) -> None:
    db = probe_table
    with db.transaction() as session:
        insert_later(session, probe, _rows("queued")[:1])
        insert_later(session, probe, _rows("queued")[1:])
        assert _stored(session, "queued") == []  # not yet: nothing has asked for them
    with pytest.raises(RuntimeError), db.transaction() as session:
        insert_later(session, probe, _rows("dropped"))
        raise RuntimeError("the unit of work fails")
    with db.transaction() as session:
        assert [row[0] for row in _stored(session, "queued")] == ["queued-1", "queued-2", "queued-3"]
        assert _stored(session, "dropped") == []
        insert_later(session, probe, _rows("asked-for"))
        write_pending(session)
        assert len(_stored(session, "asked-for")) == 3


@pytest.mark.parametrize("count", [2, COPY_FROM_ROWS + 5], ids=["a few rows", "enough rows to copy"])
def test_new_ids_come_back_in_the_order_of_the_rows(probe_table: Database, count: int) -> None:
    db = probe_table
    rows = [{**_rows("numbered")[1], "label": f"numbered-{n}"} for n in range(count)]
    with db.transaction() as session:
        insert_rows(session, probe, _rows("before"))  # the keys do not start at one
        ids = insert_rows_with_ids(session, probe, rows)
    with db.transaction() as session:
        stored = dict(session.execute(select(probe.c.id, probe.c.label).where(probe.c.id.in_(ids))).all())
    assert len(set(ids)) == count
    assert [stored[new_id] for new_id in ids] == [f"numbered-{n}" for n in range(count)]


@pytest.mark.parametrize("copies", [1, COPY_FROM_ROWS], ids=["a few rows", "enough rows to copy"])
def test_queued_updates_follow_the_queued_inserts(probe_table: Database, copies: int) -> None:
    db = probe_table
    with db.transaction() as session:
        ids = insert_rows_with_ids(session, probe, _rows("to-update"))
        insert_later(session, probe, _rows("queued-with-updates") * copies)
        changed_at = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
        update_later(
            session, probe, [{"id": ids[0], "note": "changed", "amount": Money.of("5"), "at": changed_at}]
        )
        update_later(session, probe, [{"id": ids[1], "note": "also changed", "amount": None, "at": None}])
    with db.transaction() as session:
        notes = dict(session.execute(select(probe.c.id, probe.c.note).where(probe.c.id.in_(ids))).all())
        amount = session.execute(select(probe.c.amount).where(probe.c.id == ids[0])).scalar_one()
        assert len(_stored(session, "queued-with-updates")) == 3 * copies
    assert [notes[i] for i in ids] == ["changed", "also changed", ""]
    assert amount == Money.of("5")


def test_several_rows_updated_at_once_keep_every_type(probe_table: Database) -> None:
    db = probe_table
    first, second = {**_rows("bulk-updated")[0], "detail": None}, _rows("bulk-updated")[1]
    with db.transaction() as session:
        ids = insert_rows_with_ids(session, probe, [second, second, second])
        update_later(session, probe, [{"id": ids[2], **second}, {"id": ids[0], **first}])
    with db.transaction() as session:
        stored = _stored(session, "bulk-updated")
    assert stored[0] == tuple(first.values()) and stored[2] == tuple(second.values())
    assert stored[1] == tuple(second.values())  # not named: unchanged


@pytest.mark.parametrize("copies", [1, COPY_FROM_ROWS], ids=["a few rows", "enough rows to copy"])
def test_a_json_column_keeps_json_null_apart_from_sql_null(probe_table: Database, copies: int) -> None:
    db = probe_table
    rows = [{"label": "json-null", "detail": None}, {"label": "sql-null", "detail": null()}] * copies
    with db.transaction() as session:
        ids = insert_rows_with_ids(session, probe, rows[:2])
        insert_rows(session, probe, rows)
        update_later(session, probe, [{"id": ids[0], "detail": None}, {"id": ids[1], "detail": null()}])
    with db.transaction() as session:
        stored = session.execute(select(probe.c.label, probe.c.detail.is_(None)).order_by(probe.c.id)).all()
    assert stored == [("json-null", False), ("sql-null", True)] * (copies + 1)


def test_an_update_sees_the_rows_queued_before_it_in_the_same_write(probe_table: Database) -> None:
    db = probe_table
    rows = [{**_rows("queued-then-updated")[1], "id": 9_000 + n} for n in range(2)]
    with db.transaction() as session:
        insert_later(session, probe, rows)
        update_later(session, probe, [{"id": 9_001, "note": "updated in the same write"}])
    with db.transaction() as session:
        notes = session.execute(
            select(probe.c.note).where(probe.c.id >= 9_000).order_by(probe.c.id)
        ).scalars()
        assert list(notes) == [None, "updated in the same write"]


def test_queued_updates_of_one_row_all_apply_in_the_order_queued(probe_table: Database) -> None:
    db = probe_table
    with db.transaction() as session:
        [row_id] = insert_rows_with_ids(session, probe, [_rows("updated-twice")[1]])
        update_later(session, probe, [{"id": row_id, "note": "first"}])
        update_later(session, probe, [{"id": row_id, "flag": True}])
        update_later(session, probe, [{"id": row_id, "note": "last"}])
    with db.transaction() as session:
        stored = session.execute(select(probe.c.note, probe.c.flag).where(probe.c.id == row_id)).one()
    assert tuple(stored) == ("last", True)


def test_a_row_named_twice_in_one_update_keeps_its_last_values_on_any_plan(probe_table: Database) -> None:
    db = probe_table
    with db.transaction() as session:
        [row_id] = insert_rows_with_ids(session, probe, [_rows("named-twice")[1]])
        if db.dialect == "postgresql":  # a plan the server may pick: a nested loop over the given rows
            session.execute(text("SET LOCAL enable_hashjoin = off"))
            session.execute(text("SET LOCAL enable_mergejoin = off"))
        update_later(session, probe, [{"id": row_id, "note": "first"}, {"id": row_id, "note": "last"}])
        write_pending(session)
    with db.transaction() as session:
        assert session.execute(select(probe.c.note).where(probe.c.id == row_id)).scalar_one() == "last"


def test_json_text_refuses_what_it_always_refused() -> None:
    with pytest.raises(TypeError):
        json_text({"at": datetime(2026, 11, 23, tzinfo=UTC)})  # a datetime is turned into text on purpose
    assert json.loads(json_text({"big": 2**70, 3: "x"})) == {"big": 2**70, "3": "x"}
    assert json_text({"ratio": float("nan")}) == '{"ratio":null}'  # PostgreSQL's json refuses NaN


class _RenamedBase(DeclarativeBase):
    metadata = probe_metadata


class _RenamedRow(_RenamedBase):
    """A row whose attributes are named apart from their columns."""

    __table__ = probe
    id: Mapped[int]
    title: Mapped[str | None] = probe.c.label  # type: ignore[assignment]
    due: Mapped[Money | None] = probe.c.amount  # type: ignore[assignment]


def test_a_row_built_in_memory_stores_attributes_named_apart_from_columns(probe_table: Database) -> None:
    db = probe_table
    row = _RenamedRow(title="renamed", due=Money.of("12.50"))
    with db.transaction() as session:
        insert_rows(session, probe, [column_values(row)])
    with db.transaction() as session:
        stored = session.execute(select(probe.c.label, probe.c.amount)).one()
    assert tuple(stored) == ("renamed", Money.of("12.50"))


ALGIERS = ZoneInfo("Africa/Algiers")


def _exact_rows(label: str) -> list[dict[str, Any]]:
    """Values each column type converts, in the forms a caller may give them."""
    masses: list[Any] = [
        Decimal("1.2300"),
        Decimal("-0"),
        Decimal("1E+3"),
        Decimal("123456789012345.125"),
        7,
        "2.5",
        Decimal("0.001"),
        None,
    ]
    amounts = [
        Money.of("-0.00"),
        Money.of("1E+2"),
        Money.of("123456789012345.67"),
        Money.of("0.5"),
        Money.zero(),
        Money.of("1.1" + "0" * 40),
        Money.of("9223372036854775.80"),
        None,
    ]
    moments = [
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 7, 1, 12, 0, 0, 1, tzinfo=ALGIERS),
        datetime(2026, 7, 1, tzinfo=ZoneInfo("UTC")),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        None,
    ]
    return [
        {"label": f"{label}-{n}", "mass": mass, "amount": amount, "at": at}
        for n, (mass, amount, at) in enumerate(zip(masses, amounts, moments, strict=True))
    ]  # fmt: skip


@pytest.mark.parametrize("copies", [1, COPY_FROM_ROWS], ids=["a few rows", "enough rows to copy"])
def test_decimals_money_and_moments_read_back_as_an_insert_writes_them(
    probe_table: Database, copies: int
) -> None:
    inserted, copied = _written_both_ways(probe_table, _exact_rows, copies)
    assert len(copied) == 8 * copies
    assert [row[1:] for row in copied] == [row[1:] for row in inserted]
    assert copied[0][3] == Decimal("1.23") and copied[0][2] == Money.zero()
    assert copied[1][4] == datetime(2026, 7, 1, 11, 0, 0, 1, tzinfo=UTC)


def _refusing(column: str, value: Any) -> list[dict[str, Any]]:
    return [_rows("refused")[0], {**_rows("refused")[1], column: value}]


def _cause(error: BaseException) -> BaseException:
    """The error itself, or the one SQLAlchemy wraps (an executemany INSERT on SQLite)."""
    return error.orig if isinstance(error, StatementError) and error.orig is not None else error


REFUSED = [
    ("mass", Decimal("0.0001"), ValueError, "more than 3 decimals"),
    ("mass", Decimal("NaN"), ValueError, "more than 3 decimals"),
    ("mass", Decimal("sNaN"), InvalidOperation, ""),
    ("mass", 0.1, ValueError, "more than 3 decimals"),
    ("amount", Money.of("0.001"), InvalidInput, "more decimals than its currency allows"),
    ("amount", Money.of("1", "EUR"), ValueError, "DZDAmount column got EUR"),
    ("amount", "12", AttributeError, "currency"),
    ("at", datetime(2026, 7, 1), ValueError, "naive datetime"),
]


@pytest.mark.parametrize("copies", [1, COPY_FROM_ROWS], ids=["a few rows", "enough rows to copy"])
@pytest.mark.parametrize(
    ("column", "value", "error", "message"), REFUSED, ids=[str(case[1]) for case in REFUSED]
)
def test_a_value_its_column_refuses_fails_as_an_insert_fails(
    probe_table: Database, copies: int, column: str, value: Any, error: type[Exception], message: str
) -> None:
    db = probe_table
    with pytest.raises(Exception) as raised, db.transaction() as session:
        insert_rows(session, probe, _refusing(column, value) * copies)
    assert isinstance(_cause(raised.value), error)
    assert message in str(_cause(raised.value))


@pytest.mark.parametrize("copies", [1, COPY_FROM_ROWS], ids=["a few rows", "enough rows to copy"])
def test_the_error_is_that_of_the_first_refused_row(probe_table: Database, copies: int) -> None:
    db = probe_table
    first = {**_rows("refused")[0], "at": datetime(2026, 7, 1)}  # its column comes after the mass
    second = {**_rows("refused")[0], "mass": Decimal("0.0001")}
    with pytest.raises(Exception) as raised, db.transaction() as session:
        insert_rows(session, probe, [first, second] * copies)
    assert "naive datetime" in str(_cause(raised.value))


@pytest.mark.parametrize("copies", [1, COPY_FROM_ROWS], ids=["a few rows", "enough rows to copy"])
@pytest.mark.parametrize(
    ("column", "value"),
    [("mass", Decimal("Infinity")), ("mass", Decimal("1E+30")), ("amount", Money.of("1E+20"))],
    ids=["infinite", "too large a decimal", "beyond a bigint"],
)
def test_a_value_the_server_refuses_fails_as_an_insert_fails(
    probe_table: Database, copies: int, column: str, value: Any
) -> None:
    db = probe_table
    if db.dialect != "postgresql":
        pytest.skip("the server's own refusals")
    with pytest.raises(StatementError) as by_insert, db.transaction() as session:
        session.execute(insert(probe), _refusing(column, value))
    with pytest.raises(psycopg.errors.DataError) as by_copy, db.transaction() as session:
        insert_rows(session, probe, _refusing(column, value) * copies)
    assert type(by_copy.value) is type(by_insert.value.orig)


json_probe = Table(
    "insert_rows_json_probe",
    probe_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", String(40)),
    Column("kept", JSON),
    Column("dropped", JSON(none_as_null=True)),
)


@pytest.mark.parametrize("copies", [1, COPY_FROM_ROWS], ids=["a few rows", "enough rows to copy"])
def test_json_nulls_follow_the_column_as_an_insert_does(probe_table: Database, copies: int) -> None:
    db = probe_table
    rows: list[dict[str, Any]] = [
        {"label": "none", "kept": None, "dropped": None},
        {"label": "json-null", "kept": JSON.NULL, "dropped": JSON.NULL},
        {"label": "sql-null", "kept": null(), "dropped": null()},
        {"label": "value", "kept": {"a": [1, None]}, "dropped": "text"},
    ]
    stored = select(
        json_probe.c.kept.is_(None), json_probe.c.dropped.is_(None), json_probe.c.kept, json_probe.c.dropped
    )
    with db.transaction() as session:
        session.execute(insert(json_probe), rows)
        inserted = session.execute(stored.order_by(json_probe.c.id)).all()
        session.execute(json_probe.delete())
        insert_rows(session, json_probe, rows * copies)
        copied = session.execute(stored.order_by(json_probe.c.id)).all()
    assert copied == inserted * copies
    assert [tuple(row[:2]) for row in inserted] == [
        (False, True),
        (False, False),
        (True, True),
        (False, False),
    ]


def test_a_utc_moment_copied_as_text_is_the_text_the_driver_writes() -> None:
    first, last = datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    draw = random.Random(20261206)
    moments = [
        first,
        last,
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    ]
    moments += [first + (last - first) * draw.random() for _ in range(2_000)]
    moments += [moment.replace(microsecond=0) for moment in moments]
    assert [_utc_text(moment) for moment in moments] == [str(moment) for moment in moments]
