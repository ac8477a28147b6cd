"""`douane serve --workers 2`: several processes answer on one port, and small answers leave at once
(without TCP_NODELAY each would wait about 40 ms for the client's delayed acknowledgement)."""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_health(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"douane serve did not answer (exit code {server.poll()})")


def test_two_workers_answer_small_requests_without_delay(tmp_path: Path) -> None:
    douane = Path(sys.executable).with_name("douane")
    env = {**os.environ, "DOUANE_DATA_DIR": str(tmp_path), "DOUANE_LOG_LEVEL": "warning"}
    env.pop("DOUANE_DATABASE_URL", None)
    subprocess.run([str(douane), "db", "upgrade"], env=env, check=True, capture_output=True)
    port = _free_port()
    command = [str(douane), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_health(port, server)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        latencies = []
        for _ in range(30):
            started = time.perf_counter()
            connection.request("GET", "/health")
            response = connection.getresponse()
            assert response.read() == b'{"status":"ok"}'
            latencies.append(time.perf_counter() - started)
        assert statistics.median(latencies) < 0.035, f"median {statistics.median(latencies) * 1000:.0f} ms"
    finally:
        server.terminate()
        server.wait(timeout=20)
