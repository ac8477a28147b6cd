"""`douane registry ...`: load registry files from the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from douane.audit.service import ActorRef
from douane.bootstrap import build_context
from douane.kernel.clock import Clock
from douane.kernel.errors import ImportRejected
from douane.kernel.imports import ImportReport, Progress
from douane.registry import importers

registry_app = typer.Typer(
    help="Registry: customs offices, economic operators, brokers, staff.", no_args_is_help=True
)
console = Console()
CLI_ACTOR = ActorRef(None, "cli")

Importer = Callable[[Session, Clock, Path, Progress | None, ActorRef | None], ImportReport]


def _run(importer: Importer, path: Path) -> None:
    ctx = build_context()
    try:
        with ctx.db.transaction() as session:
            report = importer(session, ctx.clock, path, None, CLI_ACTOR)
    except ImportRejected as rejected:
        console.print(f"[red]Rejected[/]: {len(rejected.errors)} invalid rows out of {rejected.total_rows}")
        for error in rejected.errors[:50]:
            console.print(f"  line {error.line}: {error.field or '-'}: {error.reason}")
        raise typer.Exit(2) from rejected
    console.print(
        f"{report.kind}: {report.rows} rows, {report.inserted} inserted, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )


@registry_app.command("import-operators")
def import_operators(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV of economic operators")],
) -> None:
    """Import economic operators (nif, rc_number, legal_name_fr, legal_name_ar, address, wilaya[, status])."""
    _run(importers.import_operators, path)


@registry_app.command("import-offices")
def import_offices(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV of customs offices")],
) -> None:
    """Import customs offices (code, names, kind, directorate, unlocode, collection office, regimes)."""
    _run(importers.import_offices, path)
