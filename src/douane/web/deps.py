"""Request-scoped dependencies shared by every context's api.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from douane.bootstrap import Context
from douane.web.lodging_slots import LodgingSlots

T = TypeVar("T")
A = TypeVar("A")
P = TypeVar("P")


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
    """Check the caller (`caller(session)`, e.g. `Credentials.actor_in` of `requires_on_worker`), then run
    `work` for it in that unit of work, on a worker thread, in one of the process's lodging slots
    (`web.lodging_slots`); committed before this returns, and a refused caller leaves nothing written."""
    slots: LodgingSlots = request.app.state.lodging_slots
    result: T = await slots.run_alone(get_context(request), caller, work)
    return result


async def in_shared_lodging_slot(
    request: Request,
    caller: Callable[[Session], A],
    payload: P,
    size: int,
    work: Callable[[Context, Session, Sequence[tuple[A, P]]], list[T]],
) -> T:
    """`in_lodging_slot` for work that requests can share: `work(ctx, session, [(actor, payload), ...])`
    answers each request's payload (`size` declarations) in order, and the requests waiting together for
    a slot are run together, in one unit of work (`web.lodging_slots`). `work` must be the same function
    object for every request (a module-level function, not a closure)."""
    slots: LodgingSlots = request.app.state.lodging_slots
    result: T = await slots.run_together(get_context(request), caller, payload, size, work)
    return result
