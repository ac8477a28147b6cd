"""`douane declarations ...`: lodge declarations from JSON files and show one by its number."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from douane.bootstrap import build_context
from douane.declarations import lodging, service
from douane.declarations.model import Finding, Status
from douane.declarations.printouts import STATUS_LABELS
from douane.declarations.schemas import DeclarationIn
from douane.declarations.tables import DeclarationRow
from douane.i18n import translate
from douane.identity import service as identity
from douane.identity.model import Actor
from douane.kernel.clock import ALGIERS, as_utc
from douane.kernel.errors import DouaneError
from douane.refusals import refusal_of

declarations_app = typer.Typer(help="Goods declarations.", no_args_is_help=True)
console = Console()


def _actor(session: Session, username: str) -> Actor:
    actor = identity.active_actor(session, username)
    if actor is None:
        console.print(f"[red]No active user {username}[/]")
        raise typer.Exit(2)
    return actor


def _read_declarations(path: Path) -> list[DeclarationIn]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        items = data if isinstance(data, list) else [data]
        declarations = [DeclarationIn.model_validate(item) for item in items]
    except (ValueError, ValidationError) as exc:
        console.print(f"[red]{path}: not a declaration file[/]\n{exc}")
        raise typer.Exit(2) from exc
    if not declarations:
        console.print(f"[red]{escape(str(path))}: the file holds no declaration[/]")
        raise typer.Exit(2)
    return declarations


@declarations_app.command("lodge")
def lodge(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSON: one declaration or a list")
    ],
    as_user: Annotated[str, typer.Option("--as", help="Lodge as this user (a broker or a trader)")],
    language: Annotated[str, typer.Option(help="Language of the messages: en, fr, ar")] = "en",
) -> None:
    """Lodge the declarations of a file; print each one's number, channel and total due, or its findings.

    The file is lodged in one transaction: when the database refuses a row, nothing is lodged and the refusal
    is printed on one line with the code the API answers for it.
    """
    declarations = _read_declarations(path)
    ctx = build_context()
    try:
        with ctx.db.transaction() as session:
            actor = _actor(session, as_user)
            outcomes = lodging.lodge_many(session, ctx.clock, actor, [d.to_model() for d in declarations])
            report = [line for outcome in outcomes for line in _outcome_lines(outcome, language)]
    except DouaneError as exc:  # the user may not lodge: nothing was
        _print_refusal(path, exc, language)
        raise typer.Exit(1) from None
    except Exception as exc:
        refusal = refusal_of(exc)
        if refusal is None:
            raise
        _print_refusal(path, refusal, language)
        raise typer.Exit(1) from None
    for line in report:
        console.print(line)
    raise typer.Exit(1 if any(not outcome.lodged for outcome in outcomes) else 0)


def _print_refusal(path: Path, refusal: DouaneError, language: str) -> None:
    message = translate(refusal.message, language, **refusal.params)
    text = f"{escape(str(path))}: nothing was lodged: {message} ({refusal.code})"
    console.print(f"[red]{text}[/]", soft_wrap=True)


def _outcome_lines(outcome: lodging.LodgingOutcome, language: str) -> list[str]:
    """What to print about one declaration: read inside the transaction, printed once it has committed."""
    row = outcome.row
    if outcome.lodged and row is not None:
        due = row.total_due.amount if row.total_due is not None else 0
        lodged = f"{row.number}  channel {row.channel}  total due {due} DZD"
        return [f"[green]#{outcome.index + 1} lodged[/] {lodged}"]
    if outcome.error is not None:
        error = outcome.error
        return [
            f"[red]#{outcome.index + 1} refused[/] {translate(error.message, language, **error.params)} "
            f"({error.code})"
        ]
    header = f"[red]#{outcome.index + 1} not lodged[/] (kept as draft {row.id if row else '-'}):"
    return [header, *_finding_lines(outcome.findings, language)]


def _finding_lines(findings: list[Finding], language: str) -> list[str]:
    lines = []
    for finding in findings:
        colour = "red" if finding.blocking else "yellow"
        message = translate(finding.message, language, **finding.params)
        lines.append(f"  [{colour}]{finding.severity.value}[/] {finding.path}: {message} ({finding.code})")
    return lines


@declarations_app.command("show")
def show(
    number: Annotated[str, typer.Argument(help="Registration number OFFICE/YEAR/SEQUENCE")],
    language: Annotated[str, typer.Option(help="Language of the status: en, fr, ar")] = "en",
) -> None:
    """Show a declaration by its registration number (times in Algiers time)."""
    ctx = build_context()
    with ctx.db.transaction() as session:
        try:
            parsed = service.numbering.parse_number(number)
        except DouaneError as exc:
            console.print(f"[red]{escape(translate(exc.message, language, **exc.params))}[/]")
            raise typer.Exit(2) from exc
        row = session.scalar(select(DeclarationRow).where(DeclarationRow.number == str(parsed)))
        if row is None:
            console.print(f"[red]No declaration {parsed}[/]")
            raise typer.Exit(1)
        console.print(_header_table(row, language))
        console.print(_items_table(row))


def _algiers_time(moment: datetime | None) -> str:
    return "-" if moment is None else as_utc(moment).astimezone(ALGIERS).strftime("%Y-%m-%d %H:%M (Algiers)")


def _header_table(row: DeclarationRow, language: str) -> Table:
    table = Table(title=f"Declaration {row.number}", show_header=False)
    due = row.total_due.amount if row.total_due is not None else None
    value = row.customs_value.amount if row.customs_value is not None else None
    status = translate(STATUS_LABELS[Status(row.status)], language)
    for label, cell in (
        ("Status", status), ("Type / regime", f"{row.type} / {row.regime}"), ("Office", row.office_code),
        ("Operator NIF", row.operator_nif), ("Declarant", row.declarant_name),
        ("Channel", row.channel or "-"),
        ("Post-clearance audit", "yes" if row.post_clearance_audit else "no"),
        ("Invoice", f"{row.invoice_total} {row.invoice_currency} ({row.incoterm})"),
        ("Customs value", f"{value} DZD" if value is not None else "-"),
        ("Total due", f"{due} DZD" if due is not None else "-"),
        ("Registered at", _algiers_time(row.registered_at)),
    ):  # fmt: skip
        table.add_row(label, str(cell))
    return table


def _items_table(row: DeclarationRow) -> Table:
    table = Table(title="Items", box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("#", "Line", "Origin", "Invoice", "Net kg", "Value DZD", "Taxes DZD"):
        table.add_column(column, no_wrap=True)  # codes and amounts are never cut
    table.add_column("Goods", overflow="fold")  # the description folds on a narrow terminal
    for item in row.items:
        table.add_row(
            str(item.number), item.line_code, item.origin_country, str(item.invoice_amount),
            str(item.net_mass_kg),
            str(item.assessed_customs_value.amount) if item.assessed_customs_value else "-",
            str(item.assessed_taxes.amount) if item.assessed_taxes else "-", item.description[:80],
        )  # fmt: skip
    return table
