"""Many lodgings at once in one worker: they wait for the lodging slot without holding the worker's
threads, so all of them complete (more than the thread pool's 40 at once used to freeze the worker)."""

from __future__ import annotations

import asyncio

import httpx

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
