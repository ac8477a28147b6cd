"""Request-scoped dependencies shared by every context's api.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from douane.bootstrap import Context

T = TypeVar("T")
A = TypeVar("A")


def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def transaction(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the handler returns, rolled back if it raises.

    Declare it with `Depends(transaction, scope="function")` so the commit happens before the response is
    sent: a failed commit then answers an error instead of a success whose data was lost.
    """
    ctx = get_context(request)
    with ctx.db.transaction() as session:
        yield session


UnitOfWork = Annotated[Session, Depends(transaction, scope="function")]
"""Declare a handler parameter `session: UnitOfWork` to get the request's transaction."""


async def in_lodging_slot(
    request: Request, caller: Callable[[Session], A], work: Callable[[Session, A], T]
) -> T:
    """Check the caller (`caller(session)`, e.g. `Credentials.actor_in` of `requires_on_worker`, which reads
    a bearer token on the unit of work's own connection), then run `work` for it in that unit of work
    (committed before this returns; a refused caller leaves nothing written), on a worker thread, inside one
    of the process's lodging slots (`DOUANE_LODGINGS_AT_ONCE`, default 2), awaited on the event loop so
    that waiting lodgings hold no worker thread. The check and the whole unit of work are one thread hop:
    declared as dependencies, the check, opening the unit of work, the handler and closing it cost a hop
    each.

    A lodging holds its office's numbering row from the moment it takes its numbers to its commit. Many
    lodgings in one process share the interpreter lock, and the holder would wait for the others' Python
    work between its last statements, holding every other lodging of the office back; none at all in
    parallel leaves the process idle while its one lodging waits for the database. Measured with
    bench/lodge.py (2 workers, 8 clients, November 2026): one slot 226-239 declarations/s, two 241-283,
    three 271-282 (when the lock window was longer, one slot did best: 120 against 71-100 unlimited).
    """
    slots: anyio.Semaphore = request.app.state.lodging_slots
    ctx = get_context(request)
    async with slots:
        return await run_in_threadpool(_in_unit_of_work, ctx, caller, work)


def _in_unit_of_work(ctx: Context, caller: Callable[[Session], A], work: Callable[[Session, A], T]) -> T:
    with ctx.db.transaction() as session:
        return work(session, caller(session))
