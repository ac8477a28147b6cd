import typer

declarations_app = typer.Typer(help="Goods declarations.", no_args_is_help=True)
