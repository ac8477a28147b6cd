"""`douane risk export-history` and `douane risk monitoring`: labels out for retraining, monthly figures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from douane.bootstrap import build_context
from douane.kernel.clock import local_date
from douane.risk.selection import feedback, monitoring

console = Console()


def export_history(
    out: Annotated[
        Path, typer.Option("--out", file_okay=False, help="Directory for history.csv and mapping.toml")
    ],
    start: Annotated[str | None, typer.Option("--from", help="First registration day, YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last registration day, YYYY-MM-DD")] = None,
) -> None:
    """Export controlled declarations with their label (1: discrepancy) for `douane risk train`."""
    ctx = build_context()
    with ctx.db.transaction() as session:
        done = feedback.export_history(session, out, _day(start), _day(end))
    console.print(
        f"{done.csv_path}: {done.rows} items of {done.declarations} declarations, "
        f"{done.positives} with a discrepancy; mapping {done.mapping_path}"
    )


def monthly_figures(
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM (default: this month)")] = None,
    office: Annotated[str | None, typer.Option("--office", help="5-digit office code (default: all)")] = None,
) -> None:
    """Print the month's precision per channel, source and rule, and the score drift, as JSON."""
    ctx = build_context()
    start = _day(f"{month}-01") if month else local_date(ctx.clock.now())
    assert start is not None
    with ctx.db.transaction() as session:
        report = monitoring.monthly(session, start, office)
    console.print_json(json.dumps(report.as_dict()))


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        console.print(f"[red]{text} is not a date (YYYY-MM-DD)[/]")
        raise typer.Exit(2) from None
