"""``iop serve`` and ``iop demo``: run the dashboard."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from dashboard.cli.common import EXIT_USAGE, DbOption, open_database
from dashboard.cli.output import fail

#: The web server (the pages, sign-in routes and session cookie): `dashboard/app/server.py`.
SERVER_MODULE = "dashboard.app.server"

#: Said after the demo's import counts, which a first run would otherwise read as faults.
DELIBERATE_ROWS = (
    "  The rejected and duplicate rows are deliberate: the fixtures hold faulty\n"
    "  administrations on purpose, kept in the quarantine with their reasons (sign in\n"
    "  as admin: Imports page), and the care-levels file repeats the admission levels\n"
    "  the episodes file already recorded."
)

PortOption = Annotated[int, typer.Option("--port", help="Port to listen on.")]
AddressOption = Annotated[
    str, typer.Option("--address", help="Address to listen on (default: this machine only).")
]
DemoDbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL or SQLite file (default: IOP_DATABASE_URL, else var/demo.db).",
        show_default=False,
    ),
]


def serve(
    port: PortOption = 8501, address: AddressOption = "127.0.0.1", db: DbOption = None
) -> None:
    """Serve the dashboard against the configured database (IOP_DATABASE_URL or --db)."""
    engine = open_database(db)
    _run_server(engine.url.render_as_string(hide_password=False), port=port, address=address)


def demo(
    port: PortOption = 8501,
    address: AddressOption = "127.0.0.1",
    db: DemoDbOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Build the demo database again (a SQLite file).")
    ] = False,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build it, do not serve.")] = False,
) -> None:
    """The demo: build the demo database from the fixtures when missing, then serve it.

    The database is --db, else IOP_DATABASE_URL, else var/demo.db. It is built only
    into a new or empty database, and served only if it is a demo database: iop demo
    never writes demo data into a database with data of its own. Fixture dates are
    moved forward by whole weeks so the demo caseload is active today. Demo accounts
    clinician, director, admin and client, all with password "demo", exist only in
    this database.
    """
    from dashboard.config import DEMO_DATABASE_PATH, normalise_url, sqlite_url
    from dashboard.demo import build_demo, demo_program_config

    url = normalise_url(db or os.environ.get("IOP_DATABASE_URL") or sqlite_url(DEMO_DATABASE_PATH))
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if rebuild:
        if path is None:
            fail(
                "--rebuild deletes a SQLite file; for another database, drop and create it "
                "yourself, then run iop demo",
                EXIT_USAGE,
            )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    shown = path or _without_password(url)
    state = _demo_state(url)
    if state == "other":
        fail(
            f"{shown} is not a demo database (it has data of its own): iop demo never "
            "writes demo data into it. Serve it with `iop serve`, or give iop demo "
            "another database with --db.",
            EXIT_USAGE,
        )
    if state == "empty":
        typer.echo(f"Building the demo database {shown} from the fixtures (a few seconds)...")
        build_demo(url, echo=typer.echo)
        typer.echo(DELIBERATE_ROWS)
    if no_serve:
        return
    os.environ.setdefault("IOP_PROGRAM_CONFIG", str(demo_program_config()))
    _run_server(url, port=port, address=address)


def _demo_state(url: str) -> str:
    """ "empty" (no schema yet: build it), "demo" (serve it) or "other" (leave it alone)."""
    import sqlalchemy as sa

    from dashboard.store.demo_flag import is_demo
    from dashboard.store.engine import make_engine
    from dashboard.store.schema import stored_revision

    engine = make_engine(url)
    try:
        if stored_revision(engine) is None:
            return "empty"
        try:
            return "demo" if is_demo(engine) else "other"
        except sa.exc.SQLAlchemyError:  # a schema too old to say: not known to be a demo
            return "other"
    finally:
        engine.dispose()


def _without_password(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


def _run_server(url: str, *, port: int, address: str) -> None:
    """Become the web server (exec, not a child: Ctrl+C and other signals reach it)."""
    env = os.environ | {"IOP_DATABASE_URL": url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    typer.echo(f"IOP Outcomes on http://{address}:{port} (press Ctrl+C to stop)")
    command = [sys.executable, "-m", SERVER_MODULE, "--port", str(port), "--address", address]
    sys.stdout.flush()
    os.execve(sys.executable, command, env)  # noqa: S606 - our own argv
