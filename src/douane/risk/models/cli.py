"""`douane risk models ...`: register a trained model directory, list versions, activate, retire.

The command line acts as the system account (audited as "system"); the pages and the API act as the analyst.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from douane.bootstrap import build_context
from douane.kernel.errors import DouaneError
from douane.risk.models import service
from douane.risk.tables import ModelVersionRow

models_app = typer.Typer(
    help="Model registry: register, list, activate and retire model versions.", no_args_is_help=True
)
console = Console()


def _fail(error: DouaneError) -> typer.Exit:
    console.print(f"[red]{error.message.format(**error.params)}[/] ({error.code})")
    return typer.Exit(2)


@models_app.command("register")
def register(
    model_dir: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Written by douane risk train")
    ],
    activate: Annotated[bool, typer.Option("--activate", help="Make it the active version at once")] = False,
) -> None:
    """Register a trained model directory as a candidate version (optionally activate it)."""
    ctx = build_context()
    try:
        with ctx.db.transaction() as session:
            row = service.register(session, ctx.clock, model_dir)
            if activate:
                service.activate(session, ctx.clock, row.id)
            console.print(f"{row.version}: {row.status} ({row.rows} training rows)")
    except DouaneError as error:
        raise _fail(error) from error


@models_app.command("list")
def list_versions() -> None:
    """Every registered version with its status, data window and metrics."""
    ctx = build_context()
    table = Table("version", "status", "data", "rows", "metrics", "trainer")
    with ctx.db.transaction() as session:
        for row in service.list_versions(session):
            metrics = ", ".join(
                f"{k} {v}" for k, v in sorted(row.metrics.items()) if isinstance(v, int | float)
            )
            table.add_row(
                row.version,
                row.status,
                f"{row.data_from} .. {row.data_to}",
                str(row.rows),
                metrics,
                row.trainer,
            )
    console.print(table)


def _change(version: str, action: str) -> None:
    ctx = build_context()
    try:
        with ctx.db.transaction() as session:
            model_id = session.scalar(select(ModelVersionRow.id).where(ModelVersionRow.version == version))
            row = getattr(service, action)(session, ctx.clock, model_id or 0)
            console.print(f"{row.version}: {row.status}")
    except DouaneError as error:
        raise _fail(error) from error


@models_app.command("activate")
def activate_version(version: Annotated[str, typer.Argument(help="The version to activate")]) -> None:
    """Make this version score declarations at lodging; the previous active one returns to candidate."""
    _change(version, "activate")


@models_app.command("retire")
def retire_version(version: Annotated[str, typer.Argument(help="The version to retire")]) -> None:
    """Retire a version for good."""
    _change(version, "retire")
