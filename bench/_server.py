"""A real douane server for the benchmarks: `douane serve` in a child process on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(url: str, workdir: Path, workers: int = 1) -> Iterator[str]:
    """Serve the database at `url` with `workers` processes until the block ends; yields the base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DOUANE_DATABASE_URL": url,
        "DOUANE_DATA_DIR": str(workdir),
        "DOUANE_LOG_LEVEL": "warning",
        "DOUANE_WORKERS": str(workers),
    }
    douane = Path(sys.executable).with_name("douane")
    command = [str(douane), "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit("the app did not start")
        time.sleep(0.2)
