"""An app with the targeting routes, whether or not app.py includes them yet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from douane.app import create_app
from douane.bootstrap import Context


def targeting_app(ctx: Context) -> FastAPI:
    from douane.risk.targeting import api, views

    app = create_app(ctx)
    paths = {getattr(route, "path", "") for route in app.routes}
    if "/api/v1/risk/rules" not in paths:
        app.include_router(api.router)
    if views.router.routes and views.router.routes[0].path not in paths:  # type: ignore[attr-defined]
        app.include_router(views.router)
    return app


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with TestClient(targeting_app(ctx), raise_server_exceptions=False) as test_client:
        yield test_client
