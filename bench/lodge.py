"""Lodging throughput: create + validate + register + assess + channel, per declaration.

    python bench/lodge.py                      # 2,000 declarations of 5 items, service layer, SQLite
    python bench/lodge.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    python bench/lodge.py --mode http --items 10      # one HTTP request per declaration
    python bench/lodge.py --mode bulk --items 10      # HTTP bulk lodging, 100 declarations per request
    python bench/lodge.py --postgres URL --mode http --items 10 -n 3000 --repeat 3   # median of three runs

Each run uses a fresh database (a temporary SQLite file, or a new PostgreSQL database created on the given
server and dropped afterwards) loaded with the demo data set. The HTTP modes start a real server
(`douane serve`, --workers processes, default 2) and send from --clients keep-alive connections (default 8)
with a small asyncio client, so the figures are what a server sustains, not one request's latency alone.
It prints declarations per second and the p50/p95/p99 latency of one lodging (or of one bulk request), and
for the HTTP modes the CPU the server and PostgreSQL used per declaration, with the server's event loops'
share (their main threads: HTTP, middleware, validation, responses; lodging runs on worker threads).
`--repeat N` makes N runs, a checkpoint and a rest apart, and prints their median: on a shared machine one
run's figures move by a tenth. No pass/fail: figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

import assess as assess_bench
from _server import cpu_seconds, main_thread_cpu_seconds, postgres_cpu_seconds, serve
from douane import migrate
from douane.assessment.model import assess
from douane.bootstrap import Context
from douane.config import Settings
from douane.db import Database, load_all_tables
from douane.declarations import lodging
from douane.declarations.model import (
    Declaration,
    DeclarationType,
    Incoterm,
    Item,
    Regime,
    TransportMode,
    declaration_to_dict,
)
from douane.demo import parties
from douane.demo.loader import load_demo
from douane.identity import service as identity
from douane.identity.model import Role
from douane.identity.passwords import Passwords
from douane.kernel.clock import SystemClock

LINES = (
    "8471301000", "8450111000", "6109101000", "1001991000", "1005901000",
    "2202101000", "8528721000", "6403991000", "3923219000", "7214201000",
)  # fmt: skip
BULK_SIZE = 100
PASSWORD = "bench-pass-1234"


@dataclass
class Figures:
    label: str
    declarations: int
    seconds: float
    latencies: list[float]
    server_cpu: float | None = None  # seconds used by the server's processes during the run
    postgres_cpu: float | None = None
    event_loop_cpu: float | None = None  # the part of server_cpu its processes' main threads used
    client_cpu: float | None = None  # this benchmark's own client, on the same cores

    def report(self) -> str:
        cuts = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else self.latencies * 99
        rate = self.declarations / self.seconds
        return (
            f"{self.label}: {self.declarations} declarations in {self.seconds:.1f} s"
            f" = {rate:,.0f} declarations/s;"
            f" latency per {'request' if 'bulk' in self.label else 'lodging'}"
            f" p50 {cuts[49] * 1000:.1f} ms, p95 {cuts[94] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms"
            + self._cpu_split()
        )

    def _cpu_split(self) -> str:
        if self.server_cpu is None or self.postgres_cpu is None:
            return ""
        per = 1000 / self.declarations
        busy = (self.server_cpu + self.postgres_cpu) / self.seconds
        loops = "" if self.event_loop_cpu is None else f" (event loops {self.event_loop_cpu * per:.2f})"
        client = "" if self.client_cpu is None else f"; the client {self.client_cpu * per:.2f} ms"
        return (
            f"\nCPU per declaration: server {self.server_cpu * per:.2f} ms{loops},"
            f" PostgreSQL {self.postgres_cpu * per:.2f} ms (all its processes on this machine){client};"
            f" {busy:.0%} of one core busy on average, {os.cpu_count()} cores"
        )


def declaration(index: int, items: int, operator_nif: str) -> Declaration:
    lines = tuple(
        Item(
            number=n, line_code=LINES[(index + n) % len(LINES)], description=f"Bench goods {index}/{n}",
            origin_country="CN", invoice_amount=Decimal("1000.00") + n, net_mass_kg=Decimal("100"),
            gross_mass_kg=Decimal("110"), packages=5, package_kind="CT",
        )
        for n in range(1, items + 1)
    )  # fmt: skip
    return Declaration(
        type=DeclarationType.IMPORT, regime=Regime.IM4, office_code="16011", operator_nif=operator_nif,
        invoice_currency="EUR", invoice_total=sum((i.invoice_amount for i in lines), Decimal(0)),
        incoterm=Incoterm.FOB, items=lines, dispatch_country="CN", transport_mode=TransportMode.SEA,
        freight=Decimal("500"), insurance=Decimal("50"),
    )  # fmt: skip


@contextmanager
def fresh_database(postgres: str | None) -> Iterator[Database]:
    if postgres is None:
        with tempfile.TemporaryDirectory() as folder:
            database = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
            yield database
            database.dispose()
        return
    admin_url = make_url(postgres.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"douane_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        yield database
    finally:
        database.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(database: Database, data_dir: Path) -> Context:
    settings = Settings(data_dir=data_dir, argon2_time_cost=1, argon2_memory_kib=64)
    ctx = Context(db=database, settings=settings, clock=SystemClock(), passwords=Passwords(1, 64))
    load_all_tables().create_all(database.engine)
    migrate.stamp_head(database.engine)  # `douane serve` starts only on a schema at the head revision
    with database.transaction() as session:
        load_demo(session, ctx)
        broker_row = parties.brokers()[0]
        from douane.registry import service as registry

        broker_id = registry.list_brokers(session, q=broker_row.licence_number)[0][0].id
        identity.create_user(
            session, ctx.clock, ctx.passwords, username="bench", full_name="Bench Broker", password=PASSWORD,
            roles={Role.BROKER}, broker_id=broker_id,
        )  # fmt: skip
    return ctx


def _actor(ctx: Context) -> Any:
    from sqlalchemy import select

    from douane.identity.tables import UserRow

    with ctx.db.transaction() as session:
        return identity.actor_of(session.scalars(select(UserRow).where(UserRow.username == "bench")).one())


def run_service(ctx: Context, count: int, items: int) -> Figures:
    actor, nif = _actor(ctx), parties.operators()[0].nif
    contents = [declaration(i, items, nif) for i in range(count)]
    return _timed(
        "service, one transaction per declaration", count, contents, lambda c: _lodge_one(ctx, actor, c)
    )


def _lodge_one(ctx: Context, actor: Any, content: Declaration) -> None:
    with ctx.db.transaction() as session:
        lodging.lodge_new(session, ctx.clock, actor, content)


def _timed(label: str, count: int, units: list[Any], work: Callable[[Any], None]) -> Figures:
    latencies = []
    started = time.perf_counter()
    for unit in units:
        begin = time.perf_counter()
        work(unit)
        latencies.append(time.perf_counter() - begin)
    return Figures(label, count, time.perf_counter() - started, latencies)


def run_http(database: Database, data_dir: Path, args: argparse.Namespace, bulk: bool) -> Figures:
    """POST /api/v1/declarations/bulk to a real server (`douane serve`) from `clients` connections."""
    nif = parties.operators()[0].nif
    size = BULK_SIZE if bulk else 1
    bodies = [declaration_to_dict(declaration(i, args.items, nif)) for i in range(args.count)]
    batches = [bodies[i : i + size] for i in range(0, args.count, size)]
    with serve(database.url, data_dir, workers=args.workers) as base:
        host, port = base.removeprefix("http://").split(":")
        token = _token(base)
        requests = [_bulk_request(host, token, batch) for batch in batches]
        server_before, postgres_before = cpu_seconds(base.pid), postgres_cpu_seconds()
        loops_before = main_thread_cpu_seconds(base.pid)
        client_before = time.process_time()
        latencies, seconds = asyncio.run(_fire(host, int(port), requests, args.clients))
        client_cpu = time.process_time() - client_before
        server_cpu = cpu_seconds(base.pid) - server_before
        postgres_cpu = postgres_cpu_seconds() - postgres_before
        event_loop_cpu = main_thread_cpu_seconds(base.pid) - loops_before
    label = f"HTTP bulk, {size} per request" if bulk else "HTTP, one request per declaration"
    label += f", {args.workers} worker(s), {args.clients} client(s)"
    return Figures(
        label, args.count, seconds, latencies, server_cpu, postgres_cpu, event_loop_cpu, client_cpu
    )


def _token(base: str) -> str:
    form = urllib.parse.urlencode({"username": "bench", "password": PASSWORD}).encode()
    with urllib.request.urlopen(f"{base}/api/v1/auth/token", data=form, timeout=30) as response:  # noqa: S310
        return str(json.loads(response.read())["access_token"])


def _bulk_request(host: str, token: str, batch: list[dict[str, Any]]) -> bytes:
    body = json.dumps({"declarations": batch}).encode()
    head = (
        f"POST /api/v1/declarations/bulk HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _fire(host: str, port: int, requests: list[bytes], clients: int) -> tuple[list[float], float]:
    """Send every request over `clients` keep-alive connections; the latencies and the wall time."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(_client(host, port, queue, latencies) for _ in range(clients)))
    return latencies, time.perf_counter() - started


async def _client(host: str, port: int, queue: asyncio.Queue[bytes], latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while not queue.empty():
            request = queue.get_nowait()
            begin = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, body = await _response(reader)
            latencies.append(time.perf_counter() - begin)
            if status != 200 or json.loads(body)["failed"]:
                sys.exit(f"lodging failed: {status} {body[:500]!r}")
    finally:
        writer.close()


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    return status, await reader.readexactly(length)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", "--count", type=int, default=2000, help="declarations to lodge (default 2,000)")
    parser.add_argument("--items", type=int, default=5, help="items per declaration (default 5)")
    parser.add_argument(
        "--postgres", metavar="URL", help="PostgreSQL server URL (a fresh database is created)"
    )
    parser.add_argument("--mode", choices=("service", "http", "bulk"), default="service")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (HTTP modes)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections (HTTP modes)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs, each on a fresh database; prints each and their median"
    )
    parser.add_argument("--rest", type=float, default=10.0, help="seconds of rest between runs (default 10)")
    args = parser.parse_args()
    runs = []
    for run in range(args.repeat):
        if run:
            rest(args.postgres, args.rest)
        runs.append(one_run(args))
    if len(runs) > 1:
        print(summary(runs))


def one_run(args: argparse.Namespace) -> Figures:
    engine = "PostgreSQL" if args.postgres else "SQLite"
    speed_before = host_speed()
    with fresh_database(args.postgres) as database, tempfile.TemporaryDirectory() as data_dir:
        ctx = prepare(database, Path(data_dir))
        if args.mode == "service":
            figures = run_service(ctx, args.count, args.items)
        else:
            figures = run_http(database, Path(data_dir), args, bulk=args.mode == "bulk")
    speed_after = host_speed()
    print(f"bench/lodge.py on {engine}, {args.items} items per declaration")
    print(figures.report())
    print(
        f"Host speed: the pure assessment engine ran {speed_before:,.0f} items/s of CPU before the run and"
        f" {speed_after:,.0f} after (bench/assess.py's ad valorem workload; compare runs by it)",
        flush=True,
    )
    return figures


def rest(postgres: str | None, seconds: float) -> None:
    """Let the previous run's after-effects pass: PostgreSQL writes its dirty pages out (a checkpoint, which
    would otherwise fall in the middle of the next run) and the machine idles a moment."""
    if postgres:
        admin = create_engine(make_url(postgres.replace("postgresql://", "postgresql+psycopg://", 1)))
        try:
            with admin.connect() as conn:
                conn.execute(text("CHECKPOINT"))
        except DBAPIError as exc:  # a role without the right only skips the checkpoint
            print(f"(no checkpoint between runs: {exc.orig.__class__.__name__})")
        finally:
            admin.dispose()
    time.sleep(seconds)


def summary(runs: list[Figures]) -> str:
    """The runs' median throughput and CPU split: this machine's figures move by a tenth from run to run."""
    rates = sorted(f.declarations / f.seconds for f in runs)
    line = (
        f"{len(runs)} runs: median {statistics.median(rates):,.0f} declarations/s"
        f" (from {rates[0]:,.0f} to {rates[-1]:,.0f})"
    )
    cpu = [
        (f.server_cpu, f.postgres_cpu, f.declarations)
        for f in runs
        if f.server_cpu is not None and f.postgres_cpu is not None
    ]
    if cpu:
        server = statistics.median(1000 * s / n for s, _, n in cpu)
        postgres = statistics.median(1000 * p / n for _, p, n in cpu)
        line += f"; median CPU per declaration: server {server:.2f} ms, PostgreSQL {postgres:.2f} ms"
    return line


def host_speed(items: int = 20_000) -> float:
    """Items/s of CPU of a fixed pure-Python workload: the machine's speed at the moment, so figures
    taken on a shared host on different days can be compared."""
    lines = {
        f"21039091{n:02d}": assess_bench.measures(f"21039091{n:02d}", assess_bench.AD_VALOREM)
        for n in range(10)
    }
    inputs = [assess_bench.declaration(lines, 100, start) for start in range(0, items, 100)]
    started = time.process_time()
    for data in inputs:
        assess(data)
    return items / (time.process_time() - started)


if __name__ == "__main__":
    main()
