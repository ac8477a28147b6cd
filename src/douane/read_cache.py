"""Reference reads memoised for one unit of work, and across units of work while the data is unchanged.

Inside `reads_cached(session)`, `cached(session, key, load)` runs `load` once per key and returns the same
value afterwards; outside it, `load` runs every time. Only for data the unit of work itself does not change
(tariff lines, tax types, exchange rates, offices, operators). Values must be immutable or not mutated.

`cached(..., shared=True)` also keeps the value for later units of work on the same database, in this
process. Such a value must not be an ORM row (rows belong to one session). Shared values stay valid while the
database's read generation is unchanged: every write to a table registered with `watch_writes` (through the
ORM or `session.execute`) draws a new generation in the writing transaction, so other processes see the
change at their next unit of work and the writer stops using shared values at once. The writer stops as soon
as it edits such a row, before the edit is flushed: a watched row added to the session or a column of one set
forgets what this unit of work memoised and keeps it from shared values, so its next read goes to the
database (and flushes the edit first; under `no_autoflush`, reads before the flush cannot see the edit, and
what they memoise is forgotten again when it is flushed, as after any write to a watched table).
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import BigInteger, String, bindparam, event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, mapped_column, object_session
from sqlalchemy.sql.dml import UpdateBase

from douane.db import Base, dialect_insert, read_rows

T = TypeVar("T")
MISSING: Any = object()

_MEMO = "douane.read_cache"
_SHARED = "douane.read_cache.shared"
_WROTE = "douane.read_cache.wrote_watched"
_SCOPE = "reads"
_SHARED_LIMIT = 200_000  # entries per database before the shared memo starts afresh
_watched_tables: set[str] = set()


class ReadGenerationRow(Base):
    """A random token redrawn by every write to a watched table; shared memos are valid for one token."""

    __tablename__ = "read_generations"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


def watch_writes(*row_classes: type[Base]) -> None:
    """Writes to these tables invalidate the shared memo (call once, beside the table definitions)."""
    _watched_tables.update(str(cls.__tablename__) for cls in row_classes)
    for cls in row_classes:
        if cls.__mapper__.configured:  # else when SQLAlchemy configures it (`_watch_edits_once_configured`)
            _watch_edits(cls.__mapper__)


_edits_watched: set[Mapper[Any]] = set()


def _watch_edits(mapper: Mapper[Any]) -> None:
    if mapper in _edits_watched:
        return
    _edits_watched.add(mapper)
    for column in mapper.column_attrs:
        event.listen(getattr(mapper.class_, column.key), "set", _column_set, propagate=True)


@event.listens_for(Mapper, "mapper_configured")
def _watch_edits_once_configured(mapper: Mapper[Any], cls: type) -> None:
    if getattr(cls, "__tablename__", None) in _watched_tables:
        _watch_edits(mapper)


def _column_set(target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    session = object_session(target)
    if session is not None:
        _edited(session)
    return value


@event.listens_for(Session, "transient_to_pending")
def _added(session: Session, instance: Any) -> None:
    if getattr(instance, "__tablename__", None) in _watched_tables:
        _edited(session)


def _edited(session: Session) -> None:
    """A watched row is edited in this unit of work: what it memoised may be stale, shared values too."""
    session.info[_WROTE] = True
    memo = session.info.get(_MEMO)
    if memo:
        memo.clear()


# --- the memo ----------------------------------------------------------------------------------------


class _SharedMemo:
    """The values of one database for one generation token."""

    def __init__(self, token: int) -> None:
        self.token = token
        self.values: dict[Hashable, Any] = {}


_shared_by_engine: weakref.WeakKeyDictionary[Engine, _SharedMemo] = weakref.WeakKeyDictionary()


@contextmanager
def reads_cached(session: Session) -> Iterator[None]:
    """Memoise `cached` reads on this session until the block ends (nested blocks share the outer cache)."""
    if _MEMO in session.info:
        yield
        return
    session.info[_MEMO] = {}
    session.info[_SHARED] = _shared_memo(session)
    try:
        yield
    finally:
        session.info.pop(_MEMO, None)
        session.info.pop(_SHARED, None)


def _shared_memo(session: Session) -> _SharedMemo:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    token = current_token(session)
    memo = _shared_by_engine.get(engine)
    if memo is None or memo.token != token or len(memo.values) > _SHARED_LIMIT:
        memo = _SharedMemo(token)
        _shared_by_engine[engine] = memo
    return memo


def current_token(session: Session) -> int:
    """This database's read generation (drawn on first use)."""
    found = read_rows(session, _CURRENT_TOKEN, {"scope": _SCOPE})
    if found:
        return int(found[0][0])
    first = {"scope": _SCOPE, "token": _new_token()}
    session.execute(dialect_insert(session)(ReadGenerationRow).values(first).on_conflict_do_nothing())
    return int(
        session.scalars(select(ReadGenerationRow.token).where(ReadGenerationRow.scope == _SCOPE)).one()
    )


_CURRENT_TOKEN = select(ReadGenerationRow.token).where(ReadGenerationRow.scope == bindparam("scope"))


def peek(session: Session, key: Hashable) -> Any:
    """The memoised value of `key`, or MISSING (always MISSING outside `reads_cached`)."""
    for memo in _memos(session):
        if key in memo:
            return memo[key]
    return MISSING


def cached(session: Session, key: Hashable, load: Callable[[], T], *, shared: bool = False) -> T:
    memo: dict[Hashable, Any] | None = session.info.get(_MEMO)
    if memo is None:
        return load()
    shared_values = _shared_values(session) if shared else None
    if key in memo:
        value: T = memo[key]
        return value
    if shared_values is not None and key in shared_values:
        value = shared_values[key]
        return value
    value = memo[key] = load()
    if shared_values is not None and not session.info.get(_WROTE):
        shared_values[key] = value
    return value


def remember(session: Session, key: Hashable, value: Any, *, shared: bool = False) -> None:
    """Store a value loaded in bulk (several keys in one query) as if `cached` had loaded it."""
    cached(session, key, lambda: value, shared=shared)


def _memos(session: Session) -> list[dict[Hashable, Any]]:
    memos = []
    if (memo := session.info.get(_MEMO)) is not None:
        memos.append(memo)
    if (shared := _shared_values(session)) is not None:
        memos.append(shared)
    return memos


def _shared_values(session: Session) -> dict[Hashable, Any] | None:
    """The shared values this unit of work may use: none once it has written to a watched table."""
    memo: _SharedMemo | None = session.info.get(_SHARED)
    if memo is None or session.info.get(_WROTE):
        return None
    return memo.values


# --- invalidation ------------------------------------------------------------------------------------


def _new_token() -> int:
    return secrets.randbits(62)


def _redraw_token(session: Session) -> None:
    _edited(session)
    session.connection().execute(
        update(ReadGenerationRow).where(ReadGenerationRow.scope == _SCOPE).values(token=_new_token())
    )


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(getattr(obj, "__tablename__", None) in _watched_tables for obj in changed):
        _redraw_token(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, UpdateBase) and getattr(statement.table, "name", None) in _watched_tables:
        _redraw_token(state.session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
