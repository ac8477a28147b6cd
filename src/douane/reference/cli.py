"""`douane reference ...`: import reference files and look at tariff lines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from douane.bootstrap import build_context
from douane.kernel.clock import local_date
from douane.kernel.errors import DouaneError, ImportRejected
from douane.kernel.imports import ImportReport

reference_app = typer.Typer(help="Reference data.", no_args_is_help=True)
import_app = typer.Typer(help="Import a reference file (the whole file or nothing).", no_args_is_help=True)
reference_app.add_typer(import_app, name="import")
console = Console()
MAX_ERRORS_SHOWN = 200

FileArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The CSV file (UTF-8)")
]
Importer = Callable[..., ImportReport]


def _count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def _run_import(kind: str, path: Path, importer: Importer, **options: Any) -> None:
    """One transaction per file, a progress bar, then a summary or the table of rejected lines."""
    ctx = build_context()
    columns = (TextColumn(f"[bold]{kind}[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(kind, total=_count_rows(path))
            with ctx.db.transaction() as session:
                report = importer(
                    session, ctx.clock, path, lambda n: bar.update(task, completed=n), None, **options
                )
    except ImportRejected as exc:
        _print_rejection(path, exc)
        raise typer.Exit(2) from exc
    except DouaneError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.message.format(**exc.params)}")
        raise typer.Exit(2) from exc
    _print_report(path, report)


def _print_report(path: Path, report: ImportReport) -> None:
    table = Table(title=f"{path.name}: imported", show_header=True)
    for name in ("rows", "inserted", "updated", "unchanged"):
        table.add_column(name, justify="right")
    table.add_row(str(report.rows), str(report.inserted), str(report.updated), str(report.unchanged))
    console.print(table)
    for note in report.notes:
        console.print(f"  {note}")


def _print_rejection(path: Path, exc: ImportRejected) -> None:
    table = Table(title=f"{path.name}: rejected, nothing was written ({len(exc.errors)} errors)")
    table.add_column("line", justify="right")
    table.add_column("field")
    table.add_column("reason")
    for error in exc.errors[:MAX_ERRORS_SHOWN]:
        table.add_row(str(error.line), error.field or "", error.reason)
    console.print(table)
    if len(exc.errors) > MAX_ERRORS_SHOWN:
        console.print(f"... and {len(exc.errors) - MAX_ERRORS_SHOWN} more")


def _edition_of(path: Path, edition: str | None) -> str:
    if edition:
        return edition.upper()
    lowered = path.name.lower()
    for year in ("2017", "2012", "2022", "2027"):
        if f"hs{year}" in lowered:
            return f"HS{year}"
    return "HS2022"


EditionOption = Annotated[
    str | None, typer.Option(help="HS edition, e.g. HS2017 (default: from the file name, else HS2022)")
]


@import_app.command("hs")
def import_hs(file: FileArgument, edition: EditionOption = None) -> None:
    """HS nomenclature (section, hscode, description, parent, level)."""
    from douane.reference.importers import import_hs as importer

    _run_import("hs", file, importer, edition=_edition_of(file, edition))


@import_app.command("hs-sections")
def import_hs_sections(file: FileArgument, edition: EditionOption = None) -> None:
    """HS section names (section, name)."""
    from douane.reference.importers import import_hs_sections as importer

    _run_import("hs-sections", file, importer, edition=_edition_of(file, edition))


@import_app.command("tariff")
def import_tariff(
    file: FileArgument,
    valid_from: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Start date of rows without valid_from")
    ] = None,
) -> None:
    """Tariff lines and measures: douane's national CSV or the UK Global Tariff CSV."""
    from douane.reference.importers import import_tariff as importer

    _run_import("tariff", file, importer, valid_from=valid_from.date() if valid_from else None)


@import_app.command("rates")
def import_rates(file: FileArgument) -> None:
    """Exchange rates (currency, valid_from, valid_to, dzd_per_unit; or the wide *_DZD shape)."""
    from douane.reference.importers import import_rates as importer

    _run_import("rates", file, importer)


@import_app.command("tax-types")
def import_tax_types(file: FileArgument) -> None:
    """Tax types (code, names, computation order, default base)."""
    from douane.reference.importers import import_tax_types as importer

    _run_import("tax-types", file, importer)


@import_app.command("offices")
def import_offices(file: FileArgument) -> None:
    """Customs offices (registry)."""
    from douane.registry.importers import import_offices as importer

    _run_import("offices", file, importer)


@import_app.command("operators")
def import_operators(file: FileArgument) -> None:
    """Economic operators (registry)."""
    from douane.registry.importers import import_operators as importer

    _run_import("operators", file, importer)


@reference_app.command("show-line")
def show_line(
    code: Annotated[str, typer.Argument(help="10-digit tariff code")],
    on: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Date (default: today in Algeria)")
    ] = None,
) -> None:
    """Print a tariff line and the measures in force on a date."""
    from douane.reference import service

    ctx = build_context()
    day: date = on.date() if on else local_date(ctx.clock.now())
    try:
        with ctx.db.transaction() as session:
            line = service.tariff_line_at(session, code, day)
            measures = service.measures_in_force(session, code, day)
            tax_types = {t.code: t for t in service.list_tax_types(session)}
    except DouaneError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.message.format(**exc.params)}")
        raise typer.Exit(1) from exc
    console.print(f"[bold]{line.code}[/] (HS {line.hs6}) in force {line.valid_from} .. {line.valid_to or ''}")
    for label, text in (
        ("fr", line.description_fr),
        ("ar", line.description_ar),
        ("en", line.description_en),
    ):
        if text:
            console.print(f"  {label}: {text}")
    table = Table(title=f"Measures in force on {day.isoformat()}")
    for name in ("tax", "kind", "rate", "base", "valid from", "valid to"):
        table.add_column(name)
    for measure in measures:
        base = "+".join(("CV", *measure.effective_base(tax_types))) if measure.tax_code else ""
        table.add_row(
            measure.tax_code or "",
            measure.kind.value,
            measure.describe(),
            base,
            measure.valid_from.isoformat(),
            measure.valid_to.isoformat() if measure.valid_to else "",
        )
    console.print(table)
