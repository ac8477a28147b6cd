"""Many lodgings at once in one worker: they wait for the lodging slot without holding the worker's
threads, so all of them complete (more than the thread pool's 40 at once used to freeze the worker); those
that wait together are lodged together, and each is still its own caller's."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from douane.app import create_app
from douane.bootstrap import Context
from douane.declarations.model import declaration_to_dict
from douane.identity.model import Role
from tests.conftest import UserFactory
from tests.integration.declarations.fixtures import Demo, import_declaration

AT_ONCE = 60


async def _lodge_all(ctx: Context, headers: dict[str, str], body: dict[str, object]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://douane") as client:
        requests = [
            client.post("/api/v1/declarations/bulk", json={"declarations": [body]}, headers=headers)
            for _ in range(AT_ONCE)
        ]
        answers = await asyncio.wait_for(asyncio.gather(*requests), timeout=120)
    return list(answers)


def test_sixty_lodgings_at_once_all_complete_with_gap_free_numbers(
    ctx: Context, demo: Demo, user_headers: UserFactory
) -> None:
    broker = user_headers(Role.BROKER, broker_id=demo.broker_id)
    body = declaration_to_dict(import_declaration(demo.operator_nif))
    answers = asyncio.run(_lodge_all(ctx, broker, body))
    assert [answer.status_code for answer in answers] == [200] * AT_ONCE
    numbers = sorted(answer.json()["outcomes"][0]["number"] for answer in answers)
    assert numbers == [f"16011/2026/{sequence:06d}" for sequence in range(1, AT_ONCE + 1)]


async def _lodge_as(
    app: FastAPI, callers: list[dict[str, str]], body: dict[str, object]
) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://douane") as client:
        requests = [
            client.post("/api/v1/declarations/bulk", json={"declarations": [body]}, headers=headers)
            for headers in callers
        ]
        return list(await asyncio.wait_for(asyncio.gather(*requests), timeout=120))


def test_two_firms_lodging_at_once_each_get_their_own_declarations(
    ctx: Context, demo: Demo, user_headers: UserFactory, client: TestClient
) -> None:
    mine = user_headers(Role.BROKER, broker_id=demo.broker_id)
    theirs = user_headers(Role.BROKER, broker_id=demo.other_broker_id)
    body = declaration_to_dict(import_declaration(demo.operator_nif))
    callers = [mine, theirs] * 15
    app = create_app(ctx)
    answers = asyncio.run(_lodge_as(app, callers, body))
    assert [answer.status_code for answer in answers] == [200] * len(callers)
    slots = app.state.lodging_slots
    assert slots.requests == 30 and slots.groups < 30  # they were lodged in groups, not one by one
    for headers, answer in zip(callers, answers, strict=True):
        declaration_id = answer.json()["outcomes"][0]["id"]
        other = theirs if headers is mine else mine
        assert client.get(f"/api/v1/declarations/{declaration_id}", headers=headers).status_code == 200
        assert client.get(f"/api/v1/declarations/{declaration_id}", headers=other).status_code == 404
    assert client.get("/api/v1/declarations", headers=mine).json()["total"] == 15
