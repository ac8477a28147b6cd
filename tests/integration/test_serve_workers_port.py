"""`douane serve --workers`, one socket per worker: a port already served is refused as before, and after
SIGTTOU retires a worker every new connection is still answered."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_serve_workers import _free_port, _wait_for_health

DOUANE = [sys.executable, "-c", "from douane.cli import app; app()"]


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "DOUANE_DATA_DIR": str(tmp_path), "DOUANE_LOG_LEVEL": "warning"}
    env.pop("DOUANE_DATABASE_URL", None)
    subprocess.run([*DOUANE, "db", "upgrade"], env=env, check=True, capture_output=True)
    return env


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [*DOUANE, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture
def served(environment: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = _free_port()
    server = _serve(environment, port)
    try:
        _wait_for_health(port, server)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=20)


def _answered(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
        connection.request("GET", "/health")
        answered = connection.getresponse().status == 200
        connection.close()
        return answered
    except OSError:
        return False


def test_a_second_server_on_a_served_port_stops_with_address_in_use(
    environment: dict[str, str], served: tuple[int, subprocess.Popen[bytes]]
) -> None:
    port, _first = served
    second = _serve(environment, port)
    try:
        _, errors = second.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        second.terminate()
        second.wait(timeout=20)
        pytest.fail("a second server started on a port already served")
    assert second.returncode != 0 and b"Address already in use" in errors


def test_after_sigttou_retires_a_worker_every_new_connection_is_answered(
    served: tuple[int, subprocess.Popen[bytes]],
) -> None:
    port, server = served
    server.send_signal(signal.SIGTTOU)
    time.sleep(2)  # the supervisor handles signals every half second, then the worker stops
    assert all(_answered(port) for _ in range(16))
