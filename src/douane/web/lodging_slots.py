"""A worker process's lodging slots: lodgings run a few at a time, and requests that wait for a slot
together are lodged together, in one unit of work.

A lodging request is one worker-thread hop: the caller's check (`caller(session)`, e.g.
`Credentials.actor_in`, which reads a bearer token on the unit of work's own connection) and its work, in
one unit of work committed before the request is answered. Waiting requests hold no worker thread.

Shared lodging is group commit. When a slot frees, it takes every waiting request of the same kind, oldest
first, up to `batch_limit` declarations, and runs them in one unit of work: each caller is checked, and the
work gets each admitted caller's payload and answers each its own result. A lodging's fixed cost (the
transaction, its round trips, the numbering lock, the commit) is then paid once for the group instead of
once per request. An idle server lodges a request at once, alone; under load, requests queue while the
slots are busy, and the queue becomes the next group. Each request is answered only after its group's
commit.

A group is all or nothing in the database, not for its requests. A refused caller is answered its
refusal and the others go on. If anything fails before the commit, or the commit is refused for what was
written (a deferred check), nothing of the group was kept, and each request is run again alone, so that each
hears its own outcome. A commit that fails otherwise (the connection lost) may or may not have been kept:
each request is answered the failure, never run again, since that could lodge it twice. A group runs in a
task of its own and holds its slot until its worker thread is done, whatever happens to the requests.

Measured with bench/lodge.py (one request per declaration, 2 workers, 8 clients, PostgreSQL on the same 2
cores, December 2026): 223-237 lodgings a second before, 286-399 with groups (mostly of three to five under
that load); server CPU 5.2-5.5 -> 3.1-4.4 ms and PostgreSQL 2.1-2.3 -> 1.2-1.6 ms per declaration. One slot
per worker did better than two (356 and 399 against 324 and 284): a second slot runs small groups side by
side instead of one larger one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from douane.bootstrap import Context
from douane.kernel.errors import DouaneError

Caller = Callable[[Any], Any]
"""Checks the request's caller in the unit of work (`caller(session) -> actor`), or raises DouaneError."""
WorkAlone = Callable[[Any, Any], Any]
"""`work(session, actor) -> result`: a request that is never grouped."""
WorkTogether = Callable[[Context, Any, Sequence[tuple[Any, Any]]], list[Any]]
"""`work(ctx, session, [(actor, payload), ...]) -> [result, ...]`, one result per request, in order."""

_PENDING: Any = object()
JOINING_TURNS = 4


@dataclass(eq=False)
class _Request:
    caller: Caller
    work: Callable[..., Any]  # WorkAlone, or WorkTogether for a request run together
    payload: Any = None
    size: int = 1
    together: bool = False
    result: Any = _PENDING
    error: BaseException | None = None
    taken: bool = False
    finished: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def joins(self, first: _Request) -> bool:
        return self.together and first.together and self.work is first.work


class LodgingSlots:
    """`slots` lodgings at once in this process; a group carries at most `batch_limit` declarations (a
    request larger than that runs alone). `groups` and `requests` count what has run (their ratio is the
    mean group size)."""

    def __init__(self, slots: int, batch_limit: int) -> None:
        self._free = slots
        self._batch_limit = batch_limit
        self._waiting: deque[_Request] = deque()
        self._running: set[asyncio.Task[None]] = set()
        self.groups = self.requests = 0

    async def run_alone(self, ctx: Context, caller: Caller, work: WorkAlone) -> Any:
        """`work(session, caller(session))` in a unit of work of its own, in a slot."""
        return await self._run(ctx, _Request(caller, work))

    async def run_together(
        self, ctx: Context, caller: Caller, payload: Any, size: int, work: WorkTogether
    ) -> Any:
        """This request's result of `work`, run in a slot for it and for whichever requests of the same
        `work` (the same function object) wait with it. `size` is its number of declarations."""
        return await self._run(ctx, _Request(caller, work, payload, size, together=True))

    async def _run(self, ctx: Context, request: _Request) -> Any:
        self._waiting.append(request)
        try:
            while not request.finished:
                if self._free and not request.taken:
                    await self._let_others_join()
                if self._free and not request.taken:
                    self._start_group(ctx, self._next_group())
                if not request.finished:
                    await self._wait(request)
        except BaseException:  # cancelled: a request no group has taken yet is never run
            if not request.taken:
                self._waiting.remove(request)
                self._offer_free_slots()
            raise
        if request.error is not None:
            raise request.error
        return request.result

    @staticmethod
    async def _let_others_join() -> None:
        """Give the requests that arrived meanwhile a few turns of the event loop to reach the queue (their
        bodies are read and validated on it), so that they join this group instead of each starting one
        alone: requests answered together tend to come back together."""
        for _ in range(JOINING_TURNS):
            await asyncio.sleep(0)

    def _next_group(self) -> list[_Request]:
        """The oldest waiting request and the waiting requests that join it, oldest first, within the
        limit."""
        first = self._waiting[0]
        group, size = [first], first.size
        for request in list(self._waiting)[1:]:
            if request.joins(first) and size + request.size <= self._batch_limit:
                group.append(request)
                size += request.size
        for request in group:
            self._waiting.remove(request)
            request.taken = True
        return group

    def _start_group(self, ctx: Context, group: list[_Request]) -> None:
        """Run the group in a task of its own, holding a slot until its worker thread is done: a request
        cancelled meanwhile (even the one that started it) neither cuts the group short nor frees the slot
        early."""
        self._free -= 1
        self.groups += 1
        self.requests += len(group)
        task = asyncio.get_running_loop().create_task(self._run_group(ctx, group))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        self._offer_free_slots()

    async def _run_group(self, ctx: Context, group: list[_Request]) -> None:
        try:
            await run_in_threadpool(_run_group_on_worker, ctx, group)
        finally:
            self._free += 1
            for request in group:
                if request.result is _PENDING and request.error is None:
                    request.error = RuntimeError("the lodging was interrupted")
                request.finished = True
                request.wake.set()
            self._offer_free_slots()

    async def _wait(self, request: _Request) -> None:
        """Until the request is answered by a group, or a slot is offered to it."""
        request.wake = asyncio.Event()
        await request.wake.wait()

    def _offer_free_slots(self) -> None:
        """Wake as many of the oldest waiting requests as there are free slots (one woken but not yet
        running counts among them, so every free slot is offered)."""
        for request in list(self._waiting)[: self._free]:
            request.wake.set()


class _RunEachAlone(Exception):
    """The group's unit of work failed for one of its requests, and nothing of it was kept."""


def _run_group_on_worker(ctx: Context, group: list[_Request]) -> None:
    if len(group) == 1:
        _run_alone(ctx, group[0])
        return
    try:
        results = _run_together(ctx, group)
    except _RunEachAlone:  # each admitted request runs again alone and hears its own outcome
        for request in group:
            if request.error is None:  # a refused caller keeps its refusal (checked once, audited once)
                _run_alone(ctx, request)
        return
    except Exception as exc:  # the database failed the commit: whether it was kept is not known
        for request in group:
            request.error = request.error or exc
        return
    for request, result in results:
        request.result = result


def _run_together(ctx: Context, group: list[_Request]) -> list[tuple[_Request, Any]]:
    """Each admitted request with its result, once the group's unit of work is committed; a refused
    caller has its refusal set instead. Raises _RunEachAlone when anything fails before the commit, or the
    commit is refused for what was written (a deferred check): the transaction is rolled back, for
    certain. Any other failure of the commit leaves its fate unknown and is raised as it is."""
    try:
        with ctx.db.transaction() as session:
            try:
                answered = _answered(ctx, session, group)
            except Exception as exc:
                raise _RunEachAlone from exc
    except IntegrityError as exc:
        raise _RunEachAlone from exc
    return answered


def _answered(ctx: Context, session: Any, group: list[_Request]) -> list[tuple[_Request, Any]]:
    admitted = []
    for request in group:
        try:
            admitted.append((request, request.caller(session)))
        except DouaneError as exc:
            request.error = exc
    if not admitted:
        return []
    work: WorkTogether = group[0].work
    results = work(ctx, session, [(actor, request.payload) for request, actor in admitted])
    return [(request, result) for (request, _), result in zip(admitted, results, strict=True)]


def _run_alone(ctx: Context, request: _Request) -> None:
    try:
        with ctx.db.transaction() as session:
            actor = request.caller(session)
            if request.together:
                result = request.work(ctx, session, [(actor, request.payload)])[0]
            else:
                result = request.work(session, actor)
    except Exception as exc:  # answered to the request as it would have been raised
        request.error = exc
        return
    request.result = result
