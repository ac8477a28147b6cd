"""Browser tests: Debian's Chromium (never Playwright's own download) driving a real uvicorn server that
serves a fresh SQLite database with the demo data. In CI (CI=true) a missing browser fails the run;
elsewhere these tests skip with a notice."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from douane.app import create_app
from douane.db import Database, load_all_tables
from tests.conftest import IN_CI, make_context
from tests.web.scenario import prepare

CHROMIUM = Path(os.environ.get("DOUANE_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).parent / "artifacts"


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = _missing_browser()
    if problem is None or IN_CI:  # in CI the tests run and a missing browser fails them
        return
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.skip(reason=f"NOTICE: browser tests skipped, {problem}"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Served:
    url: str
    password: str
    app: Any = None  # the served FastAPI app, for tests that reach into this process (import jobs)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app behind uvicorn on a free port, in a background thread, for this test module."""
    tmp = tmp_path_factory.mktemp("served")
    database = Database(f"sqlite:///{tmp / 'douane.db'}")
    load_all_tables().create_all(database.engine)
    ctx = make_context(database, tmp)
    password = prepare(ctx, "red")
    port, app = _free_port(), create_app(ctx)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", password, app)
    server.should_exit = True
    thread.join(timeout=10)
    database.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
