"""The lodging slots: requests that wait together for a slot are run together, in one unit of work, and
each still hears its own outcome."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.audit import service as audit
from douane.audit.tables import AuditEventRow
from douane.bootstrap import Context
from douane.db import Database
from douane.kernel.errors import DouaneError, Unauthorized
from douane.web.lodging_slots import LodgingSlots
from tests.conftest import make_context


@pytest.fixture
def ctx(sqlite_db: Database, tmp_path: Path) -> Context:
    return make_context(sqlite_db, tmp_path)


class Recorder:
    """A shared work that writes one audit event per payload and records how it was called; a payload
    named "bad" is refused, and the first call can be held until the test lets it go."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.held = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def hold_first_call(self) -> None:
        self.release.clear()

    def __call__(self, ctx: Context, session: Session, pairs: Sequence[tuple[str, str]]) -> list[str]:
        self.calls.append([payload for _, payload in pairs])
        if len(self.calls) == 1:
            self.held.set()
            self.release.wait(timeout=30)
        for _, payload in pairs:
            audit.record(session, ctx.clock, category=audit.STATE, action="test.lodged", entity_id=payload)
            if payload == "bad":
                raise DouaneError("test.bad", "A bad payload")
        return [f"{payload} by {actor}" for actor, payload in pairs]


CHECKED: list[str] = []


def caller(name: str) -> Any:
    def check(session: Session) -> str:
        CHECKED.append(name)
        if name == "intruder":
            raise Unauthorized("auth.invalid_token", "The access token is not valid")
        return name

    return check


async def _first_holds_the_slot(
    slots: LodgingSlots, ctx: Context, work: Recorder, then: list[tuple[str, str, int]]
) -> list[Any]:
    """Run "first" alone while it holds the slot, queue `then` (caller, payload, size) meanwhile, let the
    first go; every request's result or error, in order."""
    work.hold_first_call()
    first = asyncio.create_task(slots.run_together(ctx, caller("broker"), "first", 1, work))
    await asyncio.to_thread(work.held.wait, 30)
    others = [asyncio.create_task(slots.run_together(ctx, caller(c), p, size, work)) for c, p, size in then]
    await asyncio.sleep(0.05)  # every other request is queued behind the held one
    work.release.set()
    return await asyncio.gather(first, *others, return_exceptions=True)


def _lodged_payloads(ctx: Context) -> list[str | None]:
    with ctx.db.transaction() as session:
        return sorted(e.entity_id for e in session.scalars(select(AuditEventRow)))  # type: ignore[arg-type]


def test_requests_that_wait_together_run_in_one_unit_of_work_and_hear_their_own_results(ctx: Context) -> None:
    work = Recorder()
    then = [("broker", "a", 1), ("trader", "b", 1), ("broker", "c", 1)]
    results = asyncio.run(_first_holds_the_slot(LodgingSlots(1, batch_limit=100), ctx, work, then))
    assert work.calls == [["first"], ["a", "b", "c"]]
    assert results == ["first by broker", "a by broker", "b by trader", "c by broker"]
    assert _lodged_payloads(ctx) == ["a", "b", "c", "first"]


def test_a_refused_caller_hears_its_refusal_and_the_others_go_on(ctx: Context) -> None:
    work = Recorder()
    then = [("broker", "a", 1), ("intruder", "x", 1), ("trader", "b", 1)]
    results = asyncio.run(_first_holds_the_slot(LodgingSlots(1, batch_limit=100), ctx, work, then))
    assert work.calls == [["first"], ["a", "b"]]
    assert isinstance(results[2], Unauthorized)
    assert [results[1], results[3]] == ["a by broker", "b by trader"]
    assert _lodged_payloads(ctx) == ["a", "b", "first"]


def test_when_the_group_fails_for_one_request_each_runs_again_alone(ctx: Context) -> None:
    work = Recorder()
    then = [("broker", "a", 1), ("broker", "bad", 1), ("intruder", "x", 1), ("trader", "b", 1)]
    CHECKED.clear()
    results = asyncio.run(_first_holds_the_slot(LodgingSlots(1, batch_limit=100), ctx, work, then))
    assert work.calls == [["first"], ["a", "bad", "b"], ["a"], ["bad"], ["b"]]
    assert isinstance(results[2], DouaneError) and results[2].code == "test.bad"
    assert isinstance(results[3], Unauthorized)
    assert CHECKED.count("intruder") == 1  # a refused caller is not checked (nor audited) again
    assert [results[1], results[4]] == ["a by broker", "b by trader"]
    assert _lodged_payloads(ctx) == ["a", "b", "first"]  # nothing of the failed group, nor of "bad", kept


def test_a_group_stays_within_the_limit_and_a_larger_request_runs_alone(ctx: Context) -> None:
    work = Recorder()
    then = [("broker", "a", 60), ("broker", "b", 30), ("broker", "c", 20), ("broker", "big", 150)]
    asyncio.run(_first_holds_the_slot(LodgingSlots(1, batch_limit=100), ctx, work, then))
    assert work.calls == [["first"], ["a", "b"], ["c"], ["big"]]


def test_requests_of_another_kind_are_never_grouped(ctx: Context) -> None:
    work = Recorder()
    slots = LodgingSlots(1, batch_limit=100)
    alone_calls: list[str] = []

    def draft(session: Session, actor: str) -> str:
        alone_calls.append(actor)
        return f"draft of {actor}"

    async def scenario() -> list[Any]:
        work.hold_first_call()
        first = asyncio.create_task(slots.run_together(ctx, caller("broker"), "first", 1, work))
        await asyncio.to_thread(work.held.wait, 30)
        alone = asyncio.create_task(slots.run_alone(ctx, caller("trader"), draft))
        shared = asyncio.create_task(slots.run_together(ctx, caller("broker"), "a", 1, work))
        await asyncio.sleep(0.05)
        work.release.set()
        return await asyncio.gather(first, alone, shared)

    assert asyncio.run(scenario()) == ["first by broker", "draft of trader", "a by broker"]
    assert work.calls == [["first"], ["a"]] and alone_calls == ["trader"]


def test_a_request_cancelled_while_it_waits_is_never_run(ctx: Context) -> None:
    work = Recorder()
    slots = LodgingSlots(1, batch_limit=100)

    async def scenario() -> list[Any]:
        work.hold_first_call()
        first = asyncio.create_task(slots.run_together(ctx, caller("broker"), "first", 1, work))
        await asyncio.to_thread(work.held.wait, 30)
        given_up = asyncio.create_task(slots.run_together(ctx, caller("broker"), "given-up", 1, work))
        kept = asyncio.create_task(slots.run_together(ctx, caller("broker"), "kept", 1, work))
        await asyncio.sleep(0.05)
        given_up.cancel()
        work.release.set()
        return await asyncio.gather(first, given_up, kept, return_exceptions=True)

    results = asyncio.run(scenario())
    assert isinstance(results[1], asyncio.CancelledError)
    assert [results[0], results[2]] == ["first by broker", "kept by broker"]
    assert work.calls == [["first"], ["kept"]]
    assert _lodged_payloads(ctx) == ["first", "kept"]


def test_an_idle_slot_runs_a_request_at_once_alone(ctx: Context) -> None:
    work = Recorder()
    slots = LodgingSlots(1, batch_limit=100)
    assert asyncio.run(slots.run_together(ctx, caller("broker"), "only", 1, work)) == "only by broker"
    with pytest.raises(Unauthorized):
        asyncio.run(slots.run_together(ctx, caller("intruder"), "x", 1, work))
    assert work.calls == [["only"]]
