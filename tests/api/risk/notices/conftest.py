"""A test client whose app carries the risk routers this package adds (until the app registers them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from douane.app import create_app
from douane.bootstrap import Context
from douane.risk.models import api as models_api
from douane.risk.notices import api as notices_api
from douane.risk.selection import api as selection_api


def risk_app(ctx: Context) -> FastAPI:
    app = create_app(ctx)
    present = {getattr(route, "path", "") for route in app.routes}
    for router in (notices_api.router, models_api.router, selection_api.router):
        if not any(getattr(route, "path", "") in present for route in router.routes):
            app.include_router(router)
    return app


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with TestClient(risk_app(ctx), raise_server_exceptions=False) as test_client:
        yield test_client
