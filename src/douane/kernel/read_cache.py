"""Reference reads memoised for the length of one unit of work (a lodging, a bulk batch).

Inside `reads_cached(session)`, `cached(session, key, load)` runs `load` once per key and returns the same
value afterwards; outside it, `load` runs every time. Only for data the unit of work itself does not change
(tariff lines, tax types, exchange rates, offices, operators). Values must be immutable or not mutated.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")
_KEY = "douane.read_cache"


@contextmanager
def reads_cached(session: Session) -> Iterator[None]:
    """Memoise `cached` reads on this session until the block ends (nested blocks share the outer cache)."""
    if _KEY in session.info:
        yield
        return
    session.info[_KEY] = {}
    try:
        yield
    finally:
        session.info.pop(_KEY, None)


MISSING: Any = object()


def peek(session: Session, key: Hashable) -> Any:
    """The memoised value of `key`, or MISSING (always MISSING outside `reads_cached`)."""
    memo: dict[Hashable, Any] | None = session.info.get(_KEY)
    return MISSING if memo is None else memo.get(key, MISSING)


def cached(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    memo: dict[Hashable, Any] | None = session.info.get(_KEY)
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    value: T = memo[key]
    return value
