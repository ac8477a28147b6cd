"""Database plumbing: engine, sessions, the declarative base and exact column types.

Both engines must round-trip values exactly: DZD money as integer centimes (BIGINT),
decimals as scaled integers on SQLite and NUMERIC on PostgreSQL, datetimes as aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    Select,
    Table,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
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

    def __repr__(self) -> str:  # Alembic renders column types with repr()
        return f"ExactDecimal(scale={self.scale}, precision={self.precision})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
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


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


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
    table = row_class.__table__
    assert isinstance(table, Table)
    statement = (
        dialect_insert(session)(table)
        .values(**key, last_number=by)
        .on_conflict_do_update(
            index_elements=[table.c[name] for name in key],
            set_={"last_number": table.c.last_number + by},
        )
        .returning(table.c.last_number)
    )
    number: int = session.execute(statement).scalar_one()
    return number


def insert_rows(session: Session, into: type[Base] | Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows in the order given, reading nothing back; every row names the same columns.

    PostgreSQL receives them through one COPY stream: no statement text to build and parse, which for a
    batch of a thousand item rows costs more than the rows themselves. Values pass through each column's
    own bind conversion first (money to centimes, UTC datetimes, JSON), exactly as an INSERT would.
    Other engines get one executemany INSERT.

    Pending ORM changes are not flushed first (flush before if these rows refer to them), and the read
    cache's write watch does not see these rows: not for a table whose reads are shared (`watch_writes`).
    """
    if not rows:
        return
    table = _table_of(into)
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        with session.no_autoflush:
            session.execute(insert(table).execution_options(render_nulls=True), list(rows))
        return
    names = list(rows[0])
    converters = [_bind_converter(table.c[name].type, dialect) for name in names]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    connection = session.connection().connection.driver_connection
    assert connection is not None
    with connection.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([convert(row[name]) for name, convert in zip(names, converters, strict=True)])


def insert_rows_with_ids(
    session: Session, into: type[Base] | Table, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """`insert_rows` for rows whose surrogate keys the caller needs: the new ids, in the rows' order.

    On PostgreSQL the ids are drawn from the key's sequence in one statement and the rows copied with
    them; other engines insert with RETURNING.
    """
    if not rows:
        return []
    table = _table_of(into)
    with session.no_autoflush:
        if session.get_bind().dialect.name != "postgresql":
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return list(session.scalars(statement.execution_options(render_nulls=True), list(rows)))
        sequence = func.pg_get_serial_sequence(table.name, "id")
        draws = select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows)))
        ids = sorted(session.scalars(draws))
    insert_rows(session, table, [{"id": new_id, **row} for new_id, row in zip(ids, rows, strict=True)])
    return ids


def _table_of(into: type[Base] | Table) -> Table:
    table = into if isinstance(into, Table) else into.__table__
    assert isinstance(table, Table)
    return table


def _bind_converter(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any]:
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else _unchanged


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
