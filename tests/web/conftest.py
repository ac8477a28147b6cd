from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from douane.app import create_app
from douane.bootstrap import Context
from douane.db import Database
from tests.conftest import make_context
from tests.web.scenario import Pages, prepare


@pytest.fixture
def page_ctx(sqlite_db: Database, tmp_path: Path) -> Context:
    return make_context(sqlite_db, tmp_path)


@pytest.fixture
def password(page_ctx: Context) -> str:
    return prepare(page_ctx, "red")


@pytest.fixture
def browser(page_ctx: Context, password: str) -> Iterator[Callable[..., Pages]]:
    """`browser("broker", "fr")`: a fresh cookie jar signed in as that demo user."""
    clients: list[TestClient] = []
    app = create_app(page_ctx)

    def open_as(username: str | None = None, language: str = "fr") -> Pages:
        client = TestClient(app, raise_server_exceptions=True)
        clients.append(client)
        pages = Pages(client, language)
        if username:
            pages.login(username, password)
        return pages

    yield open_as
    for client in clients:
        client.close()
