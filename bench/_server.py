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


class Served(str):
    """The base URL of a running server, with its process id."""

    pid: int


@contextmanager
def serve(url: str, workdir: Path, workers: int = 1) -> Iterator[Served]:
    """Serve the database at `url` with `workers` processes until the block ends; yields the base URL
    (and the server's process id, `.pid`)."""
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
    base = Served(f"http://127.0.0.1:{port}")
    base.pid = process.pid
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


def cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) used so far by a process and every process under it (Linux /proc)."""
    return sum(_own_cpu_seconds(pid) for pid in _process_tree(root_pid))


def main_thread_cpu_seconds(root_pid: int) -> float:
    """CPU time used so far by the main thread of a process and of every process under it: in a served
    worker that is its event loop (HTTP, middleware, routing, validation, responses); lodging runs on
    other threads."""
    return sum(_own_cpu_seconds(pid, thread=pid) for pid in _process_tree(root_pid))


def postgres_cpu_seconds() -> float:
    """CPU time used so far by every PostgreSQL process on this machine (Linux /proc), 0 elsewhere."""
    return sum(_own_cpu_seconds(pid) for pid in _pids() if _command(pid) == "postgres")


def _process_tree(root_pid: int) -> list[int]:
    parents = {pid: _parent(pid) for pid in _pids()}
    tree, frontier = [root_pid], [root_pid]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _pids() -> list[int]:
    proc = Path("/proc")
    return [int(entry.name) for entry in proc.iterdir() if entry.name.isdigit()] if proc.exists() else []


def _stat(pid: int, thread: int | None = None) -> list[str]:
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    try:
        text = Path(path).read_text()
    except OSError:
        return []
    return text.rsplit(")", 1)[1].split()


def _parent(pid: int) -> int:
    fields = _stat(pid)
    return int(fields[1]) if fields else -1


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _own_cpu_seconds(pid: int, thread: int | None = None) -> float:
    fields = _stat(pid, thread)
    if not fields:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
