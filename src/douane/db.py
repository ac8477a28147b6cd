"""Database plumbing: engine, sessions, the declarative base and exact column types.

Both engines must round-trip values exactly: DZD money as integer centimes (BIGINT),
decimals as scaled integers on SQLite and NUMERIC on PostgreSQL, datetimes as aware UTC.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

import orjson
from psycopg import OperationalError as DriverOperationalError
from psycopg import sql
from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    ColumnDefault,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    Select,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    null,
    select,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.elements import Null
from sqlalchemy.types import TypeDecorator, TypeEngine

from douane.kernel.clock import as_utc
from douane.kernel.money import DZD, Money

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# A 64-bit surrogate key; SQLite auto-increments only a column declared exactly INTEGER.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; naive values are refused, reads come back aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class DZDAmount(TypeDecorator[Money]):
    """A DZD Money stored as integer centimes (BIGINT)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Money | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value.currency != DZD:
            raise ValueError(f"DZDAmount column got {value.currency}")
        return value.to_minor()

    def process_result_value(self, value: int | None, dialect: Dialect) -> Money | None:
        return None if value is None else Money.from_minor(int(value), DZD)


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal with a fixed number of decimals: NUMERIC on PostgreSQL, a scaled BIGINT on SQLite.

    SQLite has no exact decimal type (NUMERIC there is a float), so the value is stored as an
    integer count of 10**-scale units; ordering and equality still work in SQL.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int = 6, precision: int = 24) -> None:
        super().__init__()
        self.scale = scale
        self.precision = precision
        self._unit = Decimal(1).scaleb(-scale)

    def __repr__(self) -> str:  # Alembic renders column types with repr()
        return f"ExactDecimal(scale={self.scale}, precision={self.precision})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
        if type(value) is Decimal and dialect.name != "sqlite" and _exact_to(value, self._unit):
            return value  # the usual case, checked in one step (a bulk lodging writes thousands)
        value = Decimal(value)
        scaled = value.scaleb(self.scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimals")
        return int(scaled) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale).normalize() + Decimal(0)
        return Decimal(value).normalize() + Decimal(0)


def _exact_to(value: Decimal, unit: Decimal) -> bool:
    """Whether `value` has no digit below `unit` (False where it cannot tell: not finite, too long)."""
    try:
        return value.quantize(unit) == value
    except ArithmeticError:
        return False


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_ORJSON_ANY_KEYS = _ORJSON_OPTIONS | orjson.OPT_NON_STR_KEYS


def json_text(value: Any) -> str:
    """A JSON column's text: orjson, about seven times faster than the standard library on a stored
    assessment breakdown. Keys other than text (which orjson reads 2.5 times slower: 12 µs instead of 5
    for a breakdown of ten items) are tried only when the value has some. What orjson refuses goes to the
    standard library: integers beyond 64 bits are written, datetimes and dataclasses still fail as they
    always did (a value meant for a JSON column is turned into text on purpose). Unlike the standard
    library, a NaN or an infinity is written as null (PostgreSQL's json refuses NaN)."""
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS).decode()
    except TypeError:
        pass
    try:
        return orjson.dumps(value, option=_ORJSON_ANY_KEYS).decode()
    except TypeError:
        return json.dumps(value)


LZ4_AVAILABLE = (
    "EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals))"
)


def lz4_compression_sql(table: str, columns: Sequence[str]) -> str:
    """PostgreSQL statement compressing the large values of `columns` with LZ4 instead of the built-in
    pglz, where the server has LZ4 (PostgreSQL 14 and later, built with it); elsewhere it does nothing (the
    statements go through EXECUTE: an older server would refuse their syntax even in a branch not taken).

    A lodging stores its assessment breakdown twice (then 10 kB for ten items, 5 kB since format 2) and a
    snapshot of the declaration; pglz compressing them cost PostgreSQL a tenth (one lodging a request) to a
    third (bulk) of its CPU per declaration, measured in December 2026 before format 2."""
    alters = "".join(
        f"""EXECUTE 'ALTER TABLE "{table}" ALTER COLUMN "{name}" SET COMPRESSION lz4'; """ for name in columns
    )
    return f"DO $$BEGIN IF {LZ4_AVAILABLE} THEN {alters}END IF; END$$"


def compress_with_lz4(table: Table, *columns: str) -> None:
    """`lz4_compression_sql` for a table made by `create_all` (migration 0009 says the same for a migrated
    database)."""
    event.listen(
        table, "after_create", DDL(lz4_compression_sql(table.name, columns)).execute_if(dialect="postgresql")
    )


def make_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("json_serializer", json_text)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle(engine.dialect))
    return engine


IDLE_BEFORE_PING = 5.0
"""Seconds a pooled connection may rest before its next use checks it is still alive.

Pinging at every checkout costs a round trip per unit of work (two per request: its token, then its
work), on a busy server for connections used milliseconds ago. A connection that rested longer (the
database may have restarted, a firewall dropped it) is pinged; a broken connection met in use renews the
whole pool, so after a restart under load about one unit of work per process fails (the API answers it
with 503 and Retry-After)."""


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dialect: Dialect) -> Callable[[Any, ConnectionPoolEntry, Any], None]:
    def checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("checked_in_at", 0.0) < IDLE_BEFORE_PING:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as failed:  # the pool drops the connection and checks out another
            raise DisconnectionError("the pooled connection is gone") from failed

    return checkout


class Database:
    """An engine and its session factory; `transaction()` is one unit of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Single reads that need no transaction (a bearer token on every request): no BEGIN, no COMMIT.
        self.read_sessions = sessionmaker(self.engine.execution_options(isolation_level="AUTOCOMMIT"))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def fetch_page(
    session: Session, query: Select[Any], order: Any, offset: int, limit: int
) -> tuple[list[Any], int]:
    """One page of `query`'s rows in `order` (a column or a tuple of them), and how many rows the whole
    query has."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    orders = order if isinstance(order, tuple) else (order,)
    rows = session.scalars(query.order_by(*orders).offset(offset).limit(limit)).unique().all()
    return list(rows), total


def dialect_insert(session: Session) -> Any:
    """The INSERT construct of the session's engine (PostgreSQL's or SQLite's, both with ON CONFLICT)."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def advance_counter(session: Session, row_class: type[Base], *, by: int = 1, **key: object) -> int:
    """Add `by` to the `last_number` of the counter row `key` (created at `by` if missing) and return the
    new last number: the numbers last - by + 1 .. last are the caller's.

    One upsert statement: on PostgreSQL it row-locks the counter until the transaction ends, SQLite
    serialises writers. A rollback takes the numbers back, so numbers stay gap-free.
    """
    dialect_name = session.get_bind().dialect.name
    statement = _counter_upsert(_table_of(row_class), tuple(key), dialect_name)
    values = {**{f"key_{name}": value for name, value in key.items()}, "by": by}
    if dialect_name != "postgresql":
        return int(session.execute(statement, values).scalar_one())
    with _driver_cursor(session) as cursor:  # every lodging passes here: no SQLAlchemy layer
        cursor.execute(_driver_text(statement), values)
        found = cursor.fetchone()
    assert found is not None
    return int(found[0])


def read_rows(session: Session, statement: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of a Core SELECT built once (its parameters as `bindparam`s named in `values`), as plain
    tuples. On PostgreSQL it goes straight to the driver with its text compiled once: for the reads every
    request makes (its bearer token, the read generation), where the ORM's statement handling costs more
    than the read. Values come back as the driver reads them: no column type conversions."""
    if session.get_bind().dialect.name != "postgresql":
        return [tuple(row) for row in session.execute(statement, values)]
    with _driver_cursor(session) as cursor:
        cursor.execute(_driver_text(statement), values)
        return cursor.fetchall()


@lru_cache(maxsize=16)
def _counter_upsert(table: Table, key: tuple[str, ...], dialect_name: str) -> Any:
    insert_into = postgresql_insert if dialect_name == "postgresql" else sqlite_insert
    return (
        insert_into(table)
        .values({**{name: bindparam(f"key_{name}") for name in key}, "last_number": bindparam("by")})
        .on_conflict_do_update(
            index_elements=[table.c[name] for name in key],
            set_={"last_number": table.c.last_number + bindparam("by")},
        )
        .returning(table.c.last_number)
    )


@lru_cache(maxsize=64)
def _driver_text(statement: Any) -> str:
    """A Core statement's PostgreSQL text with %(name)s placeholders, compiled once."""
    from sqlalchemy.dialects import postgresql

    return str(statement.compile(dialect=postgresql.dialect()))


@contextmanager
def _driver_cursor(session: Session) -> Iterator[Any]:
    """A cursor of the session's own PostgreSQL connection, in its transaction.

    SQLAlchemy does not see what fails here: a broken link is reported to the pool as SQLAlchemy would
    report one of its own (that connection invalidated, the others renewed at their next checkout)."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor:
            yield cursor
    except DriverOperationalError:
        if driver.broken:
            connection.invalidate()
            connection.engine.dispose(close=False)
        raise


def insert_rows(session: Session, into: type[Base] | Table, rows: Rows) -> None:
    """Insert many rows in the order given, reading nothing back; every row names the same columns.

    PostgreSQL receives many rows through one COPY stream: no statement text to build and parse, which
    for a batch of a thousand item rows costs more than the rows themselves; a few rows go as one
    pipelined INSERT. Values pass through each column's own bind conversion first (money to centimes, UTC
    datetimes, JSON), exactly as an INSERT would. Other engines get one executemany INSERT.

    Pending ORM changes are not flushed first (flush before if these rows refer to them), and the read
    cache's write watch does not see these rows: not for a table whose reads are shared (`watch_writes`).
    """
    insert_tables(session, [(_table_of(into), rows)])


class Tuples(list[tuple[Any, ...]]):
    """Rows as tuples of their values in the order of `columns`: for many rows, cheaper to build than a
    mapping each (a lodging's items). `insert_rows`, `insert_later` and `write_pending` take them wherever
    they take mappings."""

    def __init__(self, columns: Sequence[str], rows: Iterable[tuple[Any, ...]] = ()) -> None:
        super().__init__(rows)
        self.columns = tuple(columns)

    def as_mappings(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self]


Rows = Sequence[Mapping[str, Any]] | Tuples
"""Rows to insert: mappings naming the same columns, or `Tuples`."""


def _mappings(rows: Rows) -> Sequence[Mapping[str, Any]]:
    return rows.as_mappings() if isinstance(rows, Tuples) else rows


Updates = Sequence[tuple[Table, str, Sequence[Mapping[str, Any]]]]
"""Rows to update: the table, the key column and, per row, the key and the new values."""


def insert_tables(session: Session, batches: Sequence[tuple[Table, Rows]], updates: Updates = ()) -> None:
    """`insert_rows` for several tables in the order given, then `updates`. On PostgreSQL the tables with
    few rows share one round trip (a pipeline) with the updates; the others are copied."""
    batches = [(table, rows) for table, rows in batches if rows]
    updates = [(table, key, rows) for table, key, rows in updates if rows]
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        with session.no_autoflush:
            for table, rows in batches:
                session.execute(insert(table).execution_options(render_nulls=True), list(_mappings(rows)))
            for table, key, rows in updates:
                session.execute(
                    _update_by_key(table, key, tuple(rows[0])), [_keyed(row, key) for row in rows]
                )
        return
    copied = [(table, rows) for table, rows in batches if len(rows) >= COPY_FROM_ROWS]
    piped = [(table, rows) for table, rows in batches if len(rows) < COPY_FROM_ROWS]
    if piped and copied and _dependency_order_breaks(piped, copied):
        for batch in batches:  # a small parent of a copied child: table by table, in order
            insert_tables(session, [batch])
        insert_tables(session, [], updates)
        return
    with _driver_cursor(session) as cursor:
        for table, rows in copied:
            names, values = _converted(table, rows, dialect)
            with cursor.copy(_copy_statement(table.name, names)) as copy:
                for row_values in values:
                    copy.write_row(row_values)
        inserted = [_json_insert(table, _mappings(rows), dialect) for table, rows in piped]
        updated = [_json_update(table, key, rows, dialect) for table, key, rows in updates]
        if _updates_in_sequence(piped, updates):
            with cursor.connection.pipeline():  # each statement sees the rows written before it
                _execute_together(cursor, inserted)
                for statement in updated:
                    _execute_together(cursor, [statement])
        else:
            _execute_together(cursor, inserted + updated)


def _updates_in_sequence(piped: Sequence[tuple[Table, Any]], updates: Updates) -> bool:
    """Whether an update must wait for an earlier write of its table: rows inserted beside it, or another
    update (two clauses of one statement updating the same row apply only one of the two)."""
    updated = [table for table, _, _ in updates]
    return len(set(updated)) < len(updated) or bool({table for table, _ in piped} & set(updated))


JsonStatement = tuple[str, str]
"""A statement taking one JSON array of rows, and that array."""


def _json_insert(table: Table, rows: Sequence[Mapping[str, Any]], dialect: Dialect) -> JsonStatement:
    names, given = _as_json(table, rows, dialect)
    return _insert_statement(table, names), given


def _json_update(
    table: Table, key: str, rows: Sequence[Mapping[str, Any]], dialect: Dialect
) -> JsonStatement:
    """One UPDATE of the rows; a key given twice keeps its last values, as updates one after the other would
    (an UPDATE ... FROM would apply any one of them)."""
    last_by_key = {row[key]: row for row in rows}
    names, given = _as_json(table, list(last_by_key.values()), dialect)
    return _update_statement(table, names, key), given


def _execute_together(cursor: Any, statements: Sequence[JsonStatement]) -> None:
    """Several writes as one statement: one parse, one plan, one execution for the driver and the server."""
    if statements:
        cursor.execute(_together(tuple(text for text, _ in statements)), [given for _, given in statements])


@lru_cache(maxsize=256)
def _together(texts: tuple[str, ...]) -> str:
    """The writes as data-modifying WITH clauses of the last one. They run on one snapshot and in no set
    order (an update would not see a row inserted beside it); foreign keys are checked once all are done,
    so a row may refer to a parent written beside it."""
    clauses = [f"written_{position} AS ({text})" for position, text in enumerate(texts[:-1])]
    return f"WITH {', '.join(clauses)} {texts[-1]}" if clauses else texts[-1]


def _dependency_order_breaks(piped: Sequence[tuple[Table, Any]], copied: Sequence[tuple[Table, Any]]) -> bool:
    """Whether a copied table refers to one of the piped tables (the copies go first)."""
    piped_tables = {table for table, _ in piped}
    return any(fk.column.table in piped_tables for table, _ in copied for fk in table.foreign_keys)


def _keyed(row: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {f"new_{name}": value for name, value in row.items() if name != key} | {f"key_{key}": row[key]}


@lru_cache(maxsize=64)
def _update_by_key(table: Table, key: str, names: tuple[str, ...]) -> Any:
    columns: dict[str, Any] = {name: bindparam(f"new_{name}") for name in names if name != key}
    return update(table).where(table.c[key] == bindparam(f"key_{key}")).values(columns)


def _converted(table: Table, rows: Rows, dialect: Dialect) -> tuple[tuple[str, ...], list[Sequence[Any]]]:
    """The column names and each row's values as COPY takes them (bind conversions applied, JSON and
    datetimes as their text).

    The values are converted a column at a time (no Python loop per row); if one fails, the rows are
    converted again in order so that the error raised is the one an INSERT of the rows would meet first."""
    if isinstance(rows, Tuples):
        names, values = rows.columns, list(rows)
    else:
        names = tuple(rows[0])
        values = list(map(_picker(names), rows))
    converting = _converting(_copy_converters(table, names, dialect))
    columns = list(zip(*values, strict=True))
    try:
        for position, convert in converting:
            columns[position] = tuple(map(convert, columns[position]))
    except Exception:
        _convert_in_order(values, converting)
        raise
    return names, list(zip(*columns, strict=True))


def _convert_in_order(values: list[tuple[Any, ...]], converting: tuple[tuple[int, Converter], ...]) -> None:
    for row in values:
        for position, convert in converting:
            convert(row[position])


@lru_cache(maxsize=512)
def _picker(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A row's values in the order of `names`, as a tuple."""
    if len(names) == 1:
        [name] = names
        return lambda row: (row[name],)
    return itemgetter(*names)


def _as_json(
    table: Table, rows: Sequence[Mapping[str, Any]], dialect: Dialect
) -> tuple[tuple[str, ...], str]:
    """The column names and the rows as one JSON array of objects, values converted as for an INSERT.

    A JSON column's value goes in as its JSON text (see `_given_values`); decimals go as strings, which
    the numeric columns read exactly."""
    names = tuple(rows[0])
    converters = _json_converters(table, names, dialect)
    converting = [(names[at], convert) for at, convert in _converting(converters)]
    objects = [{name: row[name] for name in names} for row in rows]
    for given in objects:
        for name, convert in converting:
            given[name] = convert(given[name])
    try:
        return names, orjson.dumps(objects, default=_exact_decimal).decode()
    except orjson.JSONEncodeError:  # orjson writes no integer beyond 64 bits (and never asks `default`)
        return names, orjson.dumps(_wide_integers_as_text(objects), default=_exact_decimal).decode()


def _wide_integers_as_text(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with each integer beyond 64 bits as its digits: a numeric column reads them exactly, a
    BIGINT column refuses them (out of range) as it refuses them from an INSERT."""
    return [{name: _text_if_wide(value) for name, value in row.items()} for row in objects]


def _text_if_wide(value: Any) -> Any:
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        return str(value)
    return value


def _exact_decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form for a column")


COPY_FROM_ROWS = 20
"""Fewer rows go as one INSERT of the rows as JSON (pipelined with the other tables': one round trip);
COPY costs two round trips but much less per row."""


def insert_rows_with_ids(
    session: Session, into: type[Base] | Table, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """`insert_rows` for rows whose surrogate keys the caller needs: the new ids, in the rows' order.

    On PostgreSQL a few rows go as one pipelined INSERT ... RETURNING; many rows draw their ids from the
    key's sequence in one statement and are copied with them. Other engines insert with RETURNING.
    """
    if not rows:
        return []
    table = _table_of(into)
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        with session.no_autoflush:
            return list(session.scalars(statement.execution_options(render_nulls=True), list(rows)))
    if len(rows) < COPY_FROM_ROWS:  # one round trip
        names, given = _as_json(table, rows, dialect)
        with _driver_cursor(session) as cursor:
            cursor.execute(_insert_statement(table, names, "id"), (given,))
            # The rows draw their ids from the sequence in the order given: ascending ids are the rows' order.
            return sorted(int(found[0]) for found in cursor.fetchall())
    ids = reserve_ids(session, table, len(rows))
    assert ids is not None
    insert_rows(session, table, [{"id": new_id, **row} for new_id, row in zip(ids, rows, strict=True)])
    return ids


def reserve_ids(session: Session, into: type[Base] | Table, count: int) -> list[int] | None:
    """`count` new surrogate keys drawn now from the table's sequence, ascending, for rows written later
    (`insert_later` with their ids); None where the database draws keys only as it inserts (SQLite)."""
    if count == 0 or session.get_bind().dialect.name != "postgresql":
        return None if count else []
    with _driver_cursor(session) as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (_table_of(into).name, count),
        )
        return sorted(int(found[0]) for found in cursor.fetchall())


_PENDING_ROWS = "douane.pending_rows"
_PENDING_UPDATES = "douane.pending_updates"


def insert_later(
    session: Session, into: type[Base] | Table, rows: Iterable[Mapping[str, Any]] | Tuples
) -> None:
    """Queue rows for `write_pending`, which sends every queued table at once (one round trip for the few
    rows of one lodging). The queue is written at the latest when the transaction commits and dropped if
    it rolls back; a reader in the same transaction that needs the rows calls `write_pending` first."""
    queued: dict[Table, list[Rows]] = session.info.setdefault(_PENDING_ROWS, {})
    chunks = queued.setdefault(_table_of(into), [])
    last = chunks[-1] if chunks else None
    if isinstance(rows, Tuples) or last is None or isinstance(last, Tuples):
        chunks.append(rows if isinstance(rows, Tuples) else list(rows))
    else:  # mappings after mappings: one chunk, written as one batch
        cast(list[Mapping[str, Any]], last).extend(rows)


def update_later(
    session: Session, into: type[Base] | Table, rows: Iterable[Mapping[str, Any]], *, key: str = "id"
) -> None:
    """Queue UPDATEs by `key`: each row maps the key and the new values (the same columns every row);
    `write_pending` sends them after the queued inserts, in the same round trip."""
    queued: list[tuple[Table, str, list[Mapping[str, Any]]]] = session.info.setdefault(_PENDING_UPDATES, [])
    queued.append((_table_of(into), key, list(rows)))


def write_pending(session: Session) -> None:
    """Write the rows `insert_later` queued, parent tables before the tables that refer to them, then
    the updates `update_later` queued."""
    queued: dict[Table, list[Rows]] = session.info.pop(_PENDING_ROWS, None) or {}
    updates = session.info.pop(_PENDING_UPDATES, None) or []
    if queued or updates:
        order = _dependency_order()
        tables = sorted(queued, key=lambda table: order.get(table, len(order)))
        insert_tables(session, [(table, chunk) for table in tables for chunk in queued[table]], updates)


@lru_cache(maxsize=1)
def _dependency_order() -> dict[Table, int]:
    """Each table's place with parents first (every context's tables are loaded once the app runs)."""
    return {table: position for position, table in enumerate(load_all_tables().sorted_tables)}


@event.listens_for(Session, "before_commit")
def _write_pending_before_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "after_rollback")
def _drop_pending_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_ROWS, None)
    session.info.pop(_PENDING_UPDATES, None)


def is_new(row: Base) -> bool:
    """Whether the row was built in memory and never added to a session (no change history to keep)."""
    state = row._sa_instance_state  # type: ignore[attr-defined]
    return state.key is None and state.session_id is None


def set_columns(row: Base, **values: Any) -> None:
    """Set a row's columns: a new row (`is_new`) takes them straight into its state, where an insert reads
    them (a bulk lodging sets some thirty columns of each of its rows); a row a session has seen takes them
    through its attributes."""
    if is_new(row):
        row.__dict__.update(values)
        return
    for name, value in values.items():
        setattr(row, name, value)


def column_values(row: Base) -> dict[str, Any]:
    """Every column of a row built in memory (never added to a session) but its surrogate key, with the
    column's default where it was left unset, as a flush would write it: for `insert_rows`."""
    given = row.__dict__  # what was set; a transient row keeps nothing else there
    values = {}
    for attribute, key, is_json, default in _column_plan(type(row)):
        value = given.get(attribute)
        if value is None:
            if is_json and attribute not in given:
                value = null()  # never set: SQL NULL, as a flush leaves it (a None set is JSON null)
            elif default is not None:
                value = default
                setattr(row, attribute, value)
        values[key] = value
    return values


@lru_cache(maxsize=128)
def _column_plan(row_class: type[Base]) -> tuple[tuple[str, str, bool, Any], ...]:
    """Per column but the surrogate key: the row's attribute holding it (which may be named apart from the
    column), the column's key as plain text, whether it is JSON, its scalar default (or None)."""
    mapper = sa_inspect(row_class)
    plan = []
    for column in _table_of(row_class).columns:
        if column.primary_key:
            continue
        default = column.default
        scalar = default.arg if isinstance(default, ColumnDefault) and default.is_scalar else None
        attribute = mapper.get_property_by_column(column).key
        plan.append((attribute, str(column.key), isinstance(column.type, JSON), scalar))
    return tuple(plan)


@lru_cache(maxsize=256)
def _insert_statement(table: Table, names: tuple[str, ...], returning: str | None = None) -> str:
    """INSERT of any number of rows given as one JSON array of objects keyed by column name (`_as_json`).

    The text does not grow with the rows: the driver reads it once, the server plans it once, and the
    rows' values are read by the table's own column types."""
    statement = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(map(sql.Identifier, names)),
        sql.SQL(", ").join(_given_values(table, names)),
        _given_rows(table),
    )
    if returning is not None:
        statement += sql.SQL(" RETURNING {}").format(sql.Identifier(returning))
    return statement.as_string(None)


@lru_cache(maxsize=64)
def _update_statement(table: Table, names: tuple[str, ...], key: str) -> str:
    """UPDATE by `key` of any number of rows given as one JSON array of objects keyed by column name."""
    assignments = [
        sql.SQL("{} = {}").format(sql.Identifier(name), given)
        for name, given in zip(names, _given_values(table, names), strict=True)
        if name != key
    ]
    statement = sql.SQL("UPDATE {0} SET {1} FROM {2} WHERE {0}.{3} = given.{3}").format(
        sql.Identifier(table.name), sql.SQL(", ").join(assignments), _given_rows(table), sql.Identifier(key)
    )
    return statement.as_string(None)


def _given_rows(table: Table) -> sql.Composable:
    return sql.SQL("json_populate_recordset(NULL::{}, %s::json) AS given").format(sql.Identifier(table.name))


def _given_values(table: Table, names: tuple[str, ...]) -> list[sql.Composable]:
    """Each column's value in the given rows. A JSON column's value arrives as the text of its JSON
    (parsed here): a JSON null given as such would be stored as SQL NULL, not as the JSON null an
    INSERT writes."""
    return [
        sql.SQL("(given.{} #>> '{{}}')::json" if isinstance(table.c[name].type, JSON) else "given.{}").format(
            sql.Identifier(name)
        )
        for name in names
    ]


@lru_cache(maxsize=256)
def _copy_statement(table: str, columns: tuple[str, ...]) -> str:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    return statement.as_string(None)


def _table_of(into: type[Base] | Table) -> Table:
    table = into if isinstance(into, Table) else into.__table__
    assert isinstance(table, Table)
    return table


Converter = Callable[[Any], Any]


@lru_cache(maxsize=512)
def _bind_converters(table: Table, names: tuple[str, ...], dialect: Dialect) -> tuple[Converter, ...]:
    return tuple(_bind_converter(table.c[name].type, dialect) for name in names)


@lru_cache(maxsize=512)
def _json_converters(table: Table, names: tuple[str, ...], dialect: Dialect) -> tuple[Converter, ...]:
    """`_bind_converters`, but a JSON column's value is its JSON text, not the driver's wrapper."""
    return tuple(
        _json_text_converter(column_type) if isinstance(column_type, JSON) else convert
        for column_type, convert in zip(
            (table.c[name].type for name in names), _bind_converters(table, names, dialect), strict=True
        )
    )


@lru_cache(maxsize=512)
def _copy_converters(table: Table, names: tuple[str, ...], dialect: Dialect) -> tuple[Converter, ...]:
    """`_json_converters`, but a UTC datetime is its text as the driver writes it (which finds a datetime's
    format through a Python call per value), and DZD amounts and exact decimals take one call where the
    column's own conversion takes three or four (a lodging of ten items converts about sixty)."""
    return tuple(
        _quick_converter(column_type, dialect, convert)
        for column_type, convert in zip(
            (table.c[name].type for name in names), _json_converters(table, names, dialect), strict=True
        )
    )


def _quick_converter(column_type: TypeEngine[Any], dialect: Dialect, checked: Converter) -> Converter:
    """The column's conversion for COPY, a quick path where there is one; any value the quick path does
    not take goes through the column's own conversion (`checked`), which raises as an INSERT would."""
    if _quick_path_fits(column_type, dialect, UTCDateTime):
        return _utc_text_converter(checked)
    if _quick_path_fits(column_type, dialect, DZDAmount):
        return _centimes_converter(checked)
    if _quick_path_fits(column_type, dialect, ExactDecimal):
        assert isinstance(column_type, ExactDecimal)
        return _exact_decimal_converter(column_type._unit, checked)
    return checked


def _centimes_converter(checked: Converter) -> Converter:
    def convert(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is Money and value.currency == DZD:
            return value.to_minor()  # refuses a fraction of a centime as the column's conversion does
        return checked(value)

    return convert


def _exact_decimal_converter(unit: Decimal, checked: Converter) -> Converter:
    def convert(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is Decimal and _exact_to(value, unit):
            return value
        return checked(value)

    return convert


@lru_cache(maxsize=512)
def _converting(converters: tuple[Converter, ...]) -> tuple[tuple[int, Converter], ...]:
    """The positions whose values change (a string or an integer column has no conversion): a row of
    items converts 7 of its 16 values."""
    return tuple((at, convert) for at, convert in enumerate(converters) if convert is not _unchanged)


def _json_text_converter(column_type: JSON) -> Converter:
    """A JSON column's value as the text of its JSON (`json_text`, as the engine gives it to the driver),
    or None for SQL NULL: `null()`, and None where the column says so (`none_as_null`); otherwise a None
    set is JSON null, as a flush writes it."""
    none_text = None if column_type.none_as_null else json_text(None)

    def convert(value: Any) -> str | None:
        if value is None:
            return none_text
        if isinstance(value, Null):
            return None
        return json_text(None if value is JSON.NULL else value)

    return convert


def _utc_text_converter(checked: Converter) -> Converter:
    """A UTC datetime column's value as the text the driver writes for it (str of the UTC datetime);
    other values (None, naive, another type) as the column's own conversion gives them."""

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is datetime and value.tzinfo is UTC:
            return _utc_text(value)
        converted = checked(value)
        if type(converted) is datetime and converted.tzinfo is UTC:
            return _utc_text(converted)
        return converted

    return convert


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc_text(moment: datetime) -> str:
    """str(moment) for a UTC datetime, three times quicker: the text of its second is remembered (the
    moments of a unit of work share a few seconds), only the microseconds are written each time."""
    since = moment - _EPOCH
    second = _second_text(since.days * 86_400 + since.seconds)
    micro = since.microseconds
    return f"{second}.{micro:06d}+00:00" if micro else f"{second}+00:00"


@lru_cache(maxsize=1024)
def _second_text(seconds: int) -> str:
    return str((_EPOCH + timedelta(seconds=seconds)).replace(tzinfo=None))


def _bind_converter(column_type: TypeEngine[Any], dialect: Dialect) -> Converter:
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else _unchanged


def _quick_path_fits(column_type: TypeEngine[Any], dialect: Dialect, of_type: type) -> bool:
    """Whether a column is of exactly `of_type`, on PostgreSQL, with no conversion of the driver type after
    its own (which a quick path would skip)."""
    if type(column_type) is not of_type or dialect.name != "postgresql":
        return False
    typed = column_type.dialect_impl(dialect)
    return isinstance(typed, TypeDecorator) and typed.impl_instance.bind_processor(dialect) is None


def _unchanged(value: Any) -> Any:
    return value


def load_all_tables() -> MetaData:
    """Import every context's tables so Base.metadata is complete (migrations, create_all)."""
    import douane.audit.tables
    import douane.declarations.tables
    import douane.identity.tables
    import douane.payments.tables
    import douane.read_cache
    import douane.reference.tables
    import douane.registry.tables
    import douane.risk.tables  # noqa: F401

    return Base.metadata
