"""Benchmark: import the HS 2022 nomenclature and the UK Global Tariff into a fresh database.

    python bench/reference_import.py                  # SQLite file in a temporary directory
    python bench/reference_import.py --postgres URL   # also PostgreSQL (creates, drops its own database)

Prints rows/s for each file (first import and an unchanged re-import). Figures only, no pass/fail.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from douane.db import Database, load_all_tables
from douane.kernel.clock import FixedClock
from douane.kernel.imports import ImportReport
from douane.reference.importers import import_hs, import_tariff

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "reference"
HS2022 = REFERENCE / "hs" / "hs2022_harmonized-system.csv"
HS2017 = REFERENCE / "hs" / "hs2017_harmonized-system.csv"
UK_TARIFF = REFERENCE / "uk-global-tariff" / "global-uk-tariff.csv"


def _driver(url: str) -> str:
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    )


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    admin = create_engine(_driver(admin_url), isolation_level="AUTOCOMMIT")
    name = f"douane_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(_driver(admin_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def timed(db: Database, label: str, run: Callable[..., ImportReport]) -> None:
    start = time.perf_counter()
    with db.transaction() as session:
        report = run(session)
    seconds = time.perf_counter() - start
    print(
        f"  {label:<28} {report.rows:>7} rows  {seconds:6.2f} s  {report.rows / seconds:>9,.0f} rows/s"
        f"  (inserted {report.inserted}, updated {report.updated}, unchanged {report.unchanged})"
    )


def run(url: str, engine_name: str) -> None:
    db = Database(url)
    load_all_tables().create_all(db.engine)
    clock = FixedClock(datetime(2026, 3, 15, tzinfo=UTC))
    print(f"{engine_name}:")
    timed(db, "HS 2022", lambda s: import_hs(s, clock, HS2022))
    timed(db, "HS 2017 (UK tariff's codes)", lambda s: import_hs(s, clock, HS2017, edition="HS2017"))
    timed(db, "UK Global Tariff", lambda s: import_tariff(s, clock, UK_TARIFF))
    timed(db, "UK Global Tariff, re-import", lambda s: import_tariff(s, clock, UK_TARIFF))
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (an admin database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite")
    if args.postgres:
        with postgres_database(args.postgres) as url:
            run(url, "PostgreSQL")


if __name__ == "__main__":
    main()
