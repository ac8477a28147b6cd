import typer

reference_app = typer.Typer(help="Reference data.", no_args_is_help=True)
