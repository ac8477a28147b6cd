"""The `douane` command line."""

from __future__ import annotations

import socket
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from sqlalchemy.exc import DBAPIError
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from douane import migrate
from douane.bootstrap import Context, build_context
from douane.config import get_settings
from douane.declarations.cli import declarations_app
from douane.identity import service as identity
from douane.identity.model import Role
from douane.kernel.errors import DouaneError
from douane.reference.cli import reference_app
from douane.risk.cli import risk_app

app = typer.Typer(help="douane: customs management information system.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(reference_app, name="reference")
app.add_typer(declarations_app, name="declarations")
app.add_typer(risk_app, name="risk")
console = Console()


def _serve(ctx: Context, host: str, port: int) -> None:
    from douane.app import collect_garbage_less_often, create_app

    console.print(f"[bold green]douane[/] serving on http://{host}:{port}  (API docs: /docs)")
    app = create_app(ctx)
    collect_garbage_less_often()
    uvicorn.run(app, host=host, port=port, log_level=ctx.settings.log_level)


def _refuse_unmigrated(ctx: Context) -> None:
    """A server on a schema that is missing or behind would answer every request with an error; say so
    once, before serving, and stop. A database not reachable yet (started after the server) is no reason
    to stop: requests answer 503 until it is, as they would if it went away later."""
    try:
        problem = migrate.schema_problem(ctx.db.engine)
    except DBAPIError as unreachable:
        console.print(
            "[bold yellow]douane serve[/] The database cannot be reached, so its schema is not checked: "
            f"serving anyway; requests answer 503 until it can be ({type(unreachable.orig).__name__})."
        )
        return
    if problem is not None:
        console.print(f"[bold red]douane serve[/] {problem}")
        raise typer.Exit(code=1)


def _serve_workers(host: str, port: int, workers: int, log_level: str) -> None:
    """Several worker processes, each building its own context from the environment (DOUANE_*)."""
    config = uvicorn.Config(
        "douane.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )
    console.print(f"[bold green]douane[/] serving on http://{host}:{port} with {workers} worker processes")
    if hasattr(socket, "SO_REUSEPORT"):
        _listener(host, port, reuse_port=False).close()  # a port already served: "Address already in use"
        _WorkerPerSocket(config, [_listener(host, port, reuse_port=True) for _ in range(workers)]).run()
        return
    Multiprocess(config, sockets=[_listener(host, port, reuse_port=False)]).run()


def _listener(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A listening socket declared as TCP: the workers' connections then get TCP_NODELAY, as in
    single-process mode. (A socket made without its protocol number loses it, and with it the small
    responses wait for the client's delayed acknowledgement, about 40 ms each.)"""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((host, port))
    listener.set_inheritable(True)
    return listener


class _WorkerPerSocket(Multiprocess):
    """Each worker accepts on its own socket (SO_REUSEPORT), so the kernel spreads new connections over
    the workers. On one shared socket, whichever worker wakes first takes a burst of connections:
    bench/lodge.py's four keep-alive clients all landed on one worker of two. A worker that dies is
    replaced by one listening on every socket (uvicorn's own restart), which still serves them all.

    SO_REUSEPORT would also let a second server join the port unnoticed, so the port is first bound without
    it, which fails as it always did when the port is taken."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        self._own_socket: dict[Process, socket.socket] = {}

    def init_processes(self) -> None:
        for listener in self.sockets:
            process = Process(self.config, [listener])
            process.start()
            self.processes.append(process)
            self._own_socket[process] = listener

    def handle_ttou(self) -> None:
        super().handle_ttou()
        self._close_unserved_sockets()

    def _close_unserved_sockets(self) -> None:
        """Close the sockets no worker accepts on any more (after SIGTTOU retired one): the kernel would
        still queue a share of the new connections on them, and those clients would wait forever."""
        self._own_socket = {p: s for p, s in self._own_socket.items() if p in self.processes}
        served: set[socket.socket] = set()
        for process in self.processes:  # a worker uvicorn started itself listens on every socket
            own = self._own_socket.get(process)
            served.update([own] if own is not None else self.sockets)
        for listener in [s for s in self.sockets if s not in served]:
            self.sockets.remove(listener)
            listener.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default DOUANE_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PORT or 8000)")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default DOUANE_WORKERS or 1)")
    ] = None,
) -> None:
    """Serve the web API on an already migrated database (it refuses to start on any other)."""
    settings = get_settings()
    ctx = build_context(settings)
    _refuse_unmigrated(ctx)
    count = workers or settings.workers
    if count > 1:
        ctx.db.dispose()  # each worker process opens its own connections
        _serve_workers(host or settings.host, port or settings.port, count, settings.log_level)
        return
    _serve(ctx, host or settings.host, port or settings.port)


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="Interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PORT or 8000)")] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Migrate and load, then exit")] = False,
) -> None:
    """Create and migrate the database, load the demo data on first run, then serve."""
    from douane.demo.loader import demo_password, load_demo_if_empty

    settings = get_settings().model_copy(update={"demo": True})
    ctx = build_context(settings)
    migrate.upgrade(ctx.db.engine)
    loaded = load_demo_if_empty(ctx)
    console.print("[bold]Demo data[/] " + ("loaded." if loaded else "already present."))
    console.print(
        "Demo users: admin, broker, trader, inspector, liquidator, cashier, analyst, chief, auditor"
    )
    console.print(
        f"Their password (demo mode only): [bold yellow]{demo_password(settings)}[/]", soft_wrap=True
    )
    if not no_serve:
        _serve(ctx, host or settings.host, port or settings.port)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Create or migrate the database schema to the latest revision."""
    ctx = build_context()
    migrate.upgrade(ctx.db.engine, revision)
    console.print(f"Database at revision [bold]{migrate.current_revision(ctx.db.engine)}[/]")


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision."""
    console.print(migrate.current_revision(build_context().db.engine) or "empty")


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[list[Role], typer.Option("--role", "-r", help="Role (repeat for several)")],
    full_name: Annotated[str, typer.Option(help="Full name")] = "",
    password: Annotated[
        str | None, typer.Option(help="Password (prompted if omitted)", prompt=False, hide_input=True)
    ] = None,
    operator_id: Annotated[int | None, typer.Option(help="Economic operator of a trader")] = None,
    broker_id: Annotated[int | None, typer.Option(help="Customs-broker firm of a broker")] = None,
    officer_id: Annotated[int | None, typer.Option(help="Staff record of an officer")] = None,
    language: Annotated[str, typer.Option(help="ar, fr or en")] = "fr",
) -> None:
    """Create a user account."""
    roles = set(role)
    if password is None and not roles & {Role.BANK, Role.MINISTRY, Role.CARRIER}:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    ctx = build_context()
    try:
        with ctx.db.transaction() as session:
            user = identity.create_user(
                session, ctx.clock, ctx.passwords, username=username, full_name=full_name or username,
                password=password, roles=roles, operator_id=operator_id, broker_id=broker_id,
                officer_id=officer_id, language=language,
            )  # fmt: skip
            console.print(f"Created user [bold]{user.username}[/] (id {user.id}) with roles {sorted(roles)}")
    except DouaneError as exc:
        console.print(f"[red]{exc.code}[/]: {exc.message.format(**exc.params)}")
        raise typer.Exit(2) from exc


if __name__ == "__main__":
    app()
