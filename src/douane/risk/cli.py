"""`douane risk ...`: train the risk model on an inspection history export; score and evaluate files."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from douane.kernel.errors import DouaneError
from douane.risk.models.cli import models_app
from douane.risk.selection.cli import export_history, monthly_figures

if TYPE_CHECKING:
    from douane.risk.learning.mapping import Mapping
    from douane.risk.learning.training import Candidate

risk_app = typer.Typer(
    help="Risk model: train on inspection history, score declarations; the model registry; labelled"
    " history and monthly monitoring.",
    no_args_is_help=True,
)
risk_app.add_typer(models_app, name="models")
risk_app.command("export-history")(export_history)
risk_app.command("monitoring")(monthly_figures)
console = Console()

MappingOption = Annotated[
    Path, typer.Option("--mapping", exists=True, dir_okay=False, help="TOML: which column is which field")
]
ModelOption = Annotated[Path, typer.Option("--model", exists=True, file_okay=False, help="A trained model")]
InputOption = Annotated[
    Path, typer.Option("--input", exists=True, dir_okay=False, help="CSV export to score")
]


def _fail(error: DouaneError) -> typer.Exit:
    console.print(f"[red]{error.message.format(**error.params)}[/] ({error.code})")
    return typer.Exit(2)


def _workflow() -> ModuleType:
    """The learning workflow, imported when a command runs: every other `douane` command starts without
    loading LightGBM, NumPy and Polars."""
    from douane.risk.learning import workflow

    return workflow


def _mapping(path: Path) -> Mapping:
    from douane.risk.learning.mapping import load_mapping

    try:
        return load_mapping(path)
    except DouaneError as error:
        raise _fail(error) from error


@risk_app.command("train")
def train(
    history: Annotated[
        list[Path],
        typer.Option("--history", exists=True, dir_okay=False, help="Labelled CSV; repeat for more"),
    ],
    mapping: MappingOption,
    out: Annotated[Path, typer.Option("--out", file_okay=False, help="Directory to write the model to")],
    trainer: Annotated[str | None, typer.Option(help="Who trains (default: $USER)")] = None,
    search: Annotated[
        bool, typer.Option("--search/--no-search", help="Try a few parameter and feature sets (default)")
    ] = True,
) -> None:
    """Train on labelled history; parameters chosen by rolling-origin validation; refit on all of it."""

    def show(candidate: Candidate) -> None:
        console.print(
            f"  {candidate.feature_set} {candidate.params}: mean top-5/10 % precision {candidate.merit:.4f}"
        )

    try:
        workflow = _workflow()
        metadata = workflow.train(history, _mapping(mapping), out, trainer or workflow.default_trainer(),
                                  search=search, progress=show)  # fmt: skip
    except DouaneError as error:
        raise _fail(error) from error
    window = metadata["data_window"]
    console.print(
        f"[green]Model {metadata['model_version']}[/] written to {out}: {window['rows']} rows from "
        f"{window['first_date']} to {window['last_date']}, {metadata['rounds']} trees"
    )
    _print_folds(metadata["validation"]["folds"])


def _print_folds(folds: list[dict[str, object]]) -> None:
    table = Table(title="Rolling-origin validation of the chosen setting")
    for header in ("fit", "measured on", "precision top 5 %", "precision top 10 %", "AUC"):
        table.add_column(header)
    for fold in folds:
        fit, check = fold["fit"], fold["check"]
        assert isinstance(fit, list) and isinstance(check, list)
        table.add_row(f"{fit[0]} .. {fit[1]}", f"{check[0]} .. {check[1]}", f"{fold['precision_top5']:.4f}",
                      f"{fold['precision_top10']:.4f}", f"{fold['auc']:.4f}")  # fmt: skip
    console.print(table)


@risk_app.command("score")
def score(
    model: ModelOption,
    input_path: InputOption,
    mapping: MappingOption,
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="CSV to write: identifier, score")],
) -> None:
    """Score every row of a file (no label needed); higher scores are riskier."""
    try:
        run = _workflow().score(model, input_path, _mapping(mapping), out)
    except DouaneError as error:
        raise _fail(error) from error
    console.print(f"[green]{run.rows} rows scored[/] into {out}")
    _warn_within_training(run.within_training, run.training_last_day)


def _warn_within_training(rows: int, last_day: str) -> None:
    if rows:
        console.print(
            f"[yellow]{rows} rows are dated on or before {last_day}, the last day the model was trained on: "
            "their history features include their own period's labels, so their scores look better than a "
            "later file's would.[/]"
        )


@risk_app.command("evaluate")
def evaluate(model: ModelOption, input_path: InputOption, mapping: MappingOption) -> None:
    """Precision and recall among the top 1, 2, 5 and 10 % scored rows of a labelled file, and AUC."""
    try:
        result = _workflow().evaluate(model, input_path, _mapping(mapping))
    except DouaneError as error:
        raise _fail(error) from error
    table = Table(title=f"{result.rows} rows, {result.offences} offences")
    with_duties = result.shares[0][4] is not None
    headers = ["top", "rows selected", "precision", "recall"] + (["duties recovered"] if with_duties else [])
    for header in headers:
        table.add_column(header, justify="right")
    for share, selected, precision, recall, duties in result.shares:
        cells = [f"{share:.0%}", str(selected), f"{precision:.4f}", f"{recall:.4f}"]
        table.add_row(*cells, *([f"{duties:.1%}"] if duties is not None else []))
    console.print(table)
    console.print(f"AUC {result.auc:.4f}")
    _warn_within_training(result.within_training, result.training_last_day)
