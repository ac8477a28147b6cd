"""The lodging slots: requests that wait together for a slot are run together, in one unit of work, and
each still hears its own outcome."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError
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
    """A shared work that writes one audit event per payload and records its calls; a payload named "bad"
    is refused. `hold(n)` keeps the n-th call (from 1) waiting until `release()`; `most_at_once` is the
    largest number of calls that were running together."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.held = threading.Event()
        self._release = threading.Event()
        self._hold_call = 0
        self._lock = threading.Lock()
        self._inside = 0
        self.most_at_once = 0

    def hold(self, call_number: int = 1) -> None:
        self._hold_call = call_number

    def release(self) -> None:
        self._release.set()

    def __call__(self, ctx: Context, session: Session, pairs: Sequence[tuple[str, str]]) -> list[str]:
        with self._lock:
            self.calls.append([payload for _, payload in pairs])
            call_number = len(self.calls)
            self._inside += 1
            self.most_at_once = max(self.most_at_once, self._inside)
        try:
            if call_number == self._hold_call:
                self.held.set()
                self._release.wait(timeout=30)
            for _, payload in pairs:
                audit.record(
                    session, ctx.clock, category=audit.STATE, action="test.lodged", entity_id=payload
                )
                if payload == "bad":
                    raise DouaneError("test.bad", "A bad payload")
            return [f"{payload} by {actor}" for actor, payload in pairs]
        finally:
            with self._lock:
                self._inside -= 1


CHECKED: list[str] = []


def caller(name: str) -> Any:
    def check(session: Session) -> str:
        CHECKED.append(name)
        if name == "intruder":
            raise Unauthorized("auth.invalid_token", "The access token is not valid")
        return name

    return check


def shared(slots: LodgingSlots, ctx: Context, work: Recorder, who: str, payload: str, size: int = 1) -> Any:
    return asyncio.create_task(slots.run_together(ctx, caller(who), payload, size, work))


async def _holding_the_slot(slots: LodgingSlots, ctx: Context, work: Recorder, payload: str = "first") -> Any:
    """A request whose work holds the slot until `work.release()`, once it holds it."""
    work.hold(1)
    holder = shared(slots, ctx, work, "broker", payload)
    await asyncio.to_thread(work.held.wait, 30)
    return holder


async def _first_holds_the_slot(
    slots: LodgingSlots, ctx: Context, work: Recorder, then: list[tuple[str, str, int]]
) -> list[Any]:
    """Run "first" alone while it holds the slot, queue `then` (caller, payload, size) meanwhile, let the
    first go; every request's result or error, in order."""
    first = await _holding_the_slot(slots, ctx, work)
    others = [shared(slots, ctx, work, who, payload, size) for who, payload, size in then]
    await asyncio.sleep(0.05)  # every other request is queued behind the held one
    work.release()
    return await asyncio.gather(first, *others, return_exceptions=True)


def _lodged_payloads(ctx: Context) -> list[str | None]:
    with ctx.db.transaction() as session:
        return sorted(e.entity_id for e in session.scalars(select(AuditEventRow)))  # type: ignore[arg-type]


def test_requests_that_wait_together_run_in_one_unit_of_work_and_hear_their_own_results(ctx: Context) -> None:
    work = Recorder()
    slots = LodgingSlots(1, batch_limit=100)
    then = [("broker", "a", 1), ("trader", "b", 1), ("broker", "c", 1)]
    results = asyncio.run(_first_holds_the_slot(slots, ctx, work, then))
    assert work.calls == [["first"], ["a", "b", "c"]]
    assert (slots.groups, slots.requests) == (2, 4)
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


def test_a_caller_check_that_fails_outright_runs_each_again_alone(ctx: Context) -> None:
    """A check that fails for another reason than a refusal (the token's read failed) happened before the
    commit: nothing was kept, so the others are run again, alone."""
    work = Recorder()
    slots = LodgingSlots(1, batch_limit=100)

    def broken(session: Session) -> str:
        session.execute(text("SELECT no_such_column FROM audit_events"))
        return "never"

    async def scenario() -> list[Any]:
        first = await _holding_the_slot(slots, ctx, work)
        others = [
            shared(slots, ctx, work, "broker", "a"),
            asyncio.create_task(slots.run_together(ctx, broken, "y", 1, work)),
            shared(slots, ctx, work, "trader", "b"),
        ]
        await asyncio.sleep(0.05)
        work.release()
        return await asyncio.gather(first, *others, return_exceptions=True)

    results = asyncio.run(scenario())
    assert [results[0], results[1], results[3]] == ["first by broker", "a by broker", "b by trader"]
    assert isinstance(results[2], OperationalError)
    assert work.calls == [["first"], ["a"], ["b"]]


def test_a_group_stays_within_the_limit_and_a_larger_request_runs_alone(ctx: Context) -> None:
    work = Recorder()
    then = [("broker", "a", 60), ("broker", "b", 30), ("broker", "c", 20), ("broker", "big", 150)]
    asyncio.run(_first_holds_the_slot(LodgingSlots(1, batch_limit=100), ctx, work, then))
    assert work.calls == [["first"], ["a", "b"], ["c"], ["big"]]


def test_requests_of_another_kind_are_never_grouped(ctx: Context) -> None:
    work = Recorder()
    slots = LodgingSlots(1, batch_limit=100)
    draft_calls: list[tuple[Any, ...]] = []

    def draft(*arguments: Any) -> Any:  # answers either way it is called, and tells which
        draft_calls.append(arguments)
        return "draft of trader" if len(arguments) == 2 else ["draft of trader"] * len(arguments[2])

    async def scenario() -> list[Any]:
        first = await _holding_the_slot(slots, ctx, work)
        alone = asyncio.create_task(slots.run_alone(ctx, caller("trader"), draft))
        other = shared(slots, ctx, work, "broker", "a")
        await asyncio.sleep(0.05)
        work.release()
        return await asyncio.gather(first, alone, other)

    assert asyncio.run(scenario()) == ["first by broker", "draft of trader", "a by broker"]
    assert work.calls == [["first"], ["a"]]
    assert [len(arguments) for arguments in draft_calls] == [2]  # called alone: (session, actor)
    assert (slots.groups, slots.requests) == (3, 3)


def test_a_request_cancelled_while_it_waits_is_never_run(ctx: Context) -> None:
    work = Recorder()
    slots = LodgingSlots(1, batch_limit=100)

    async def scenario() -> list[Any]:
        first = await _holding_the_slot(slots, ctx, work)
        given_up = shared(slots, ctx, work, "broker", "given-up")
        kept = shared(slots, ctx, work, "broker", "kept")
        await asyncio.sleep(0.05)
        given_up.cancel()
        work.release()
        return await asyncio.gather(first, given_up, kept, return_exceptions=True)

    results = asyncio.run(scenario())
    assert isinstance(results[1], asyncio.CancelledError)
    assert [results[0], results[2]] == ["first by broker", "kept by broker"]
    assert work.calls == [["first"], ["kept"]]
    assert _lodged_payloads(ctx) == ["first", "kept"]


def test_cancelling_the_request_that_started_a_group_cuts_neither_the_group_nor_the_slot_short(
    ctx: Context,
) -> None:
    """The group runs to its commit and its other requests hear their results; the slot stays taken until
    then, so a request arriving meanwhile runs after it, not beside it."""
    work = Recorder()
    slots = LodgingSlots(1, batch_limit=100)

    async def scenario() -> list[Any]:
        starter = await _holding_the_slot(slots, ctx, work, "starter")
        starter.cancel()
        await asyncio.sleep(0.05)
        later = shared(slots, ctx, work, "broker", "later")
        await asyncio.sleep(0.05)
        work.release()
        return await asyncio.gather(starter, later, return_exceptions=True)

    results = asyncio.run(scenario())
    assert isinstance(results[0], asyncio.CancelledError)
    assert results[1] == "later by broker"
    assert work.calls == [["starter"], ["later"]] and work.most_at_once == 1
    assert _lodged_payloads(ctx) == ["later", "starter"]  # the cancelled request's lodging was committed


def test_every_free_slot_is_used_when_several_free_at_once(ctx: Context) -> None:
    """Two slots: two held groups end together, and the next two requests then run at the same time."""
    slots = LodgingSlots(2, batch_limit=100)
    both_held, release, meet = (
        threading.Barrier(3, timeout=30),
        threading.Event(),
        threading.Barrier(2, timeout=10),
    )
    met: list[str] = []

    def lodge(session: Session, actor: str) -> str:
        if actor in ("one", "two"):
            both_held.wait()
            release.wait(timeout=30)
        elif actor in ("three", "four"):
            meet.wait()  # only passes when both run at once
            met.append(actor)
        return actor

    async def scenario() -> list[Any]:
        held = [asyncio.create_task(slots.run_alone(ctx, caller(n), lodge)) for n in ("one", "two")]
        await asyncio.to_thread(both_held.wait)
        queued = [asyncio.create_task(slots.run_alone(ctx, caller(n), lodge)) for n in ("three", "four")]
        await asyncio.sleep(0.05)
        release.set()
        return await asyncio.gather(*held, *queued)

    assert asyncio.run(scenario()) == ["one", "two", "three", "four"]
    assert sorted(met) == ["four", "three"]


def test_an_idle_slot_runs_a_request_at_once_alone(ctx: Context) -> None:
    work = Recorder()
    slots = LodgingSlots(1, batch_limit=100)
    assert asyncio.run(slots.run_together(ctx, caller("broker"), "only", 1, work)) == "only by broker"
    with pytest.raises(Unauthorized):
        asyncio.run(slots.run_together(ctx, caller("intruder"), "x", 1, work))
    assert work.calls == [["only"]]


# --- a commit that fails (PostgreSQL: a deferred trigger fails the commit as the test says) ---------------


@pytest.fixture
def commit_fails_with(pg_db: Database, tmp_path: Path) -> Iterator[tuple[Context, Any]]:
    """A context on PostgreSQL, and `fail(sqlstate)`: from then on, a commit that holds an audit event for
    the payload "commit-fails" fails with that SQLSTATE."""
    with pg_db.engine.begin() as conn:
        conn.execute(text("""
            CREATE FUNCTION test_fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the test fails this commit' USING ERRCODE = TG_ARGV[0];
            END $$
        """))  # fmt: skip

    def fail(sqlstate: str) -> None:
        with pg_db.engine.begin() as conn:
            conn.execute(text(f"""
                CREATE CONSTRAINT TRIGGER test_fail_commit AFTER INSERT ON audit_events
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                WHEN (NEW.entity_id = 'commit-fails') EXECUTE FUNCTION test_fail_commit('{sqlstate}')
            """))  # fmt: skip

    try:
        yield make_context(pg_db, tmp_path), fail
    finally:
        with pg_db.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS test_fail_commit ON audit_events"))
            conn.execute(text("DROP FUNCTION IF EXISTS test_fail_commit()"))


def test_a_commit_refused_for_what_was_written_runs_each_again_alone(
    commit_fails_with: tuple[Context, Any],
) -> None:
    ctx, fail = commit_fails_with
    fail("23505")  # a unique violation: the transaction certainly did not commit
    work = Recorder()
    then = [("broker", "a", 1), ("broker", "commit-fails", 1), ("trader", "b", 1)]
    results = asyncio.run(_first_holds_the_slot(LodgingSlots(1, batch_limit=100), ctx, work, then))
    assert work.calls == [["first"], ["a", "commit-fails", "b"], ["a"], ["commit-fails"], ["b"]]
    assert isinstance(results[2], IntegrityError)
    assert [results[1], results[3]] == ["a by broker", "b by trader"]
    assert _lodged_payloads(ctx) == ["a", "b", "first"]


def test_a_commit_of_unknown_fate_is_never_run_again(commit_fails_with: tuple[Context, Any]) -> None:
    """A commit that fails with a connection-class error may or may not have been kept: running the
    requests again could lodge them twice, so each hears the failure instead."""
    ctx, fail = commit_fails_with
    fail("08006")  # connection failure
    work = Recorder()
    then = [("broker", "a", 1), ("broker", "commit-fails", 1), ("trader", "b", 1)]
    results = asyncio.run(_first_holds_the_slot(LodgingSlots(1, batch_limit=100), ctx, work, then))
    assert work.calls == [["first"], ["a", "commit-fails", "b"]]
    assert all(isinstance(result, OperationalError) for result in results[1:])
    assert results[0] == "first by broker"
