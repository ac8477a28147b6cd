"""Operator search under load: import 100,000 generated operators, then query the real app over HTTP.

    python bench/operator_search.py                      # SQLite file in a temporary directory
    python bench/operator_search.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

With --postgres, a fresh database is created beside the given one and dropped at the end.
Prints import throughput and search latency percentiles; no pass/fail (target: p99 <= 50 ms).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from _server import serve
from douane import migrate
from douane.db import Database, load_all_tables
from douane.identity import service as identity
from douane.identity.model import Role
from douane.identity.passwords import Passwords
from douane.kernel.clock import SystemClock
from douane.registry.importers import import_operators

FR_WORDS = [
    "Société", "Générale", "Import", "Export", "Sarl", "Eurl", "Spa", "Électro", "Ménager", "Sétif", "Béjaïa",
    "Oran", "Alger", "Constantine", "Annaba", "Tlemcen", "Blida", "Café", "Textiles", "Matériaux", "Pièces",
    "Auto", "Agro", "Alimentaire", "Pharma", "Médical", "Bâtiment", "Travaux", "Commerce", "Distribution",
    "Logistique", "Transit", "Mécanique", "Hydraulique", "Énergie", "Plastiques", "Céramique", "Papeterie",
    "Informatique", "Téléphonie", "Frères", "Hamidi", "Benali", "Bouzid", "Khelifa", "Mansouri", "Zerrouki",
]  # fmt: skip
AR_WORDS = [
    "شركة", "مؤسسة", "استيراد", "تصدير", "الجزائر", "وهران", "سطيف", "بجاية", "قسنطينة", "عنابة", "تجارة",
    "توزيع", "أدوية", "مواد", "البناء", "قطع", "غيار", "إخوة", "الكترونيك", "نسيج",
]  # fmt: skip
STATUSES = ["active"] * 18 + ["suspended", "struck_off"]
PASSWORD = "bench-pass-1234"


def generate_csv(path: Path, rows: int, rng: random.Random) -> list[str]:
    nifs = [f"{rng.randint(1, 99):02d}{n:013d}" for n in rng.sample(range(10**12), rows)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["nif", "rc_number", "legal_name_fr", "legal_name_ar", "address", "wilaya", "status"])
        for nif in nifs:
            wilaya = f"{rng.randint(1, 58):02d}"
            name_fr = " ".join(rng.sample(FR_WORDS, rng.randint(2, 4)))
            name_ar = " ".join(rng.sample(AR_WORDS, rng.randint(2, 3)))
            rc = f"{wilaya}/00-{rng.randint(0, 9_999_999):07d}B{rng.randint(0, 24):02d}"
            writer.writerow([nif, rc, name_fr, name_ar, f"{rng.randint(1, 200)} rue {rng.choice(FR_WORDS)}",
                             wilaya, rng.choice(STATUSES)])  # fmt: skip
    return nifs


def queries(nifs: list[str], count: int, rng: random.Random) -> list[tuple[str, dict[str, str]]]:
    def fragment(word: str) -> str:
        start = rng.randint(0, max(0, len(word) - 4))
        return word[start : start + rng.randint(3, 6)]

    makers = [
        ("nif_prefix", lambda: {"q": rng.choice(nifs)[: rng.randint(4, 12)]}),
        ("name_word", lambda: {"q": rng.choice(FR_WORDS).lower()}),
        ("name_fragment", lambda: {"q": fragment(rng.choice(FR_WORDS))}),
        ("two_words", lambda: {"q": " ".join(rng.sample(FR_WORDS, 2))}),
        ("arabic", lambda: {"q": rng.choice(AR_WORDS)}),
        ("filter_status", lambda: {"status": rng.choice(["suspended", "struck_off"])}),
        ("filter_wilaya", lambda: {"wilaya": f"{rng.randint(1, 58):02d}"}),
        ("word_and_wilaya", lambda: {"q": rng.choice(FR_WORDS), "wilaya": f"{rng.randint(1, 58):02d}"}),
        ("page_3", lambda: {"q": rng.choice(FR_WORDS), "page": "3", "page_size": "20"}),
    ]
    picked = []
    for _ in range(count):
        kind, make = rng.choice(makers)
        picked.append((kind, make()))
    return picked


@contextmanager
def fresh_database(postgres: str | None, workdir: Path) -> Iterator[str]:
    if postgres is None:
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    admin_url = make_url(postgres.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"douane_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def create_schema(database: Database) -> str:
    try:
        migrate.upgrade(database.engine)
    except Exception as exc:  # the bench still runs before the first migration exists
        print(f"  migrations failed ({type(exc).__name__}); using create_all")
    if "economic_operators" in inspect(database.engine).get_table_names():
        return "alembic upgrade"
    load_all_tables().create_all(database.engine)
    return "create_all (no migration yet)"


def percentile(sorted_ms: list[float], p: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, round(p / 100 * len(sorted_ms)) - 1))
    return sorted_ms[index]


def fire(
    base: str, token: str, plan: list[tuple[str, dict[str, str]]], concurrency: int, quiet: bool = False
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: dict[str, list[float]] = defaultdict(list)
    failures = 0

    def run(chunk: list[tuple[str, dict[str, str]]]) -> list[tuple[str, float, int]]:
        results = []
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for kind, params in chunk:
                started = time.perf_counter()
                response = client.get("/api/v1/operators", params=params)
                results.append((kind, (time.perf_counter() - started) * 1000, response.status_code))
        return results

    chunks = [plan[i::concurrency] for i in range(concurrency)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for results in pool.map(run, chunks):
            for kind, ms, status in results:
                latencies[kind].append(ms)
                latencies["all"].append(ms)
                failures += status != 200
    elapsed = time.perf_counter() - started
    if quiet:
        return
    every = sorted(latencies.pop("all"))
    print(f"  {len(every)} requests, {concurrency} concurrent clients, {failures} failures, "
          f"{len(every) / elapsed:,.0f} requests/s")  # fmt: skip
    print(f"  latency ms: p50 {percentile(every, 50):.1f}  p95 {percentile(every, 95):.1f}  "
          f"p99 {percentile(every, 99):.1f}  max {every[-1]:.1f}   (target p99 <= 50)")  # fmt: skip
    for kind in sorted(latencies):
        values = sorted(latencies[kind])
        print(f"    {kind:16} n={len(values):4}  p50 {statistics.median(values):6.1f}  "
              f"p99 {percentile(values, 99):6.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (a fresh database is made)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20260315)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    engine_name = "PostgreSQL" if args.postgres else "SQLite"
    with tempfile.TemporaryDirectory(prefix="douane-bench-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "operators.csv"
        nifs = generate_csv(csv_path, args.rows, rng)
        with fresh_database(args.postgres, workdir) as url:
            database = Database(url)
            print(f"operator_search on {engine_name}: schema by {create_schema(database)}")
            clock = SystemClock()
            started = time.perf_counter()
            with database.transaction() as session:
                report = import_operators(session, clock, csv_path)
            elapsed = time.perf_counter() - started
            rate = report.rows / elapsed
            print(f"  import: {report.inserted:,} operators in {elapsed:.2f} s = {rate:,.0f} rows/s")
            with database.transaction() as session:
                identity.create_user(
                    session, clock, Passwords(1, 64), username="bench", full_name="Bench",
                    password=PASSWORD, roles={Role.INSPECTOR},
                )  # fmt: skip
            if database.dialect == "postgresql":
                with database.engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
            database.dispose()
            with serve(url, workdir) as base:
                login = httpx.post(
                    f"{base}/api/v1/auth/token", data={"username": "bench", "password": PASSWORD}
                )
                token = login.json()["access_token"]
                plan = queries(nifs, args.requests, rng)
                fire(base, token, plan[:100], args.concurrency, quiet=True)  # warm-up
                print(f"  measured at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, one uvicorn worker:")
                for clients in sorted({1, args.concurrency}):
                    fire(base, token, plan, clients)


if __name__ == "__main__":
    main()
