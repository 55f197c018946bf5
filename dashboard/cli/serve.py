"""``iop serve`` and ``iop demo``: run the dashboard."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from dashboard.cli.common import DbOption, open_database

APP = Path(__file__).resolve().parents[1] / "app" / "main.py"

PortOption = Annotated[int, typer.Option("--port", help="Port to listen on.")]
AddressOption = Annotated[
    str, typer.Option("--address", help="Address to listen on (default: this machine only).")
]


def serve(
    port: PortOption = 8501, address: AddressOption = "127.0.0.1", db: DbOption = None
) -> None:
    """Serve the dashboard against the configured database (IOP_DATABASE_URL or --db)."""
    engine = open_database(db)
    _run_streamlit(engine.url.render_as_string(hide_password=False), port=port, address=address)


def demo(
    port: PortOption = 8501,
    address: AddressOption = "127.0.0.1",
    db: DbOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Build the demo database again.")
    ] = False,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build it, do not serve.")] = False,
) -> None:
    """The demo: build var/demo.db from the fixtures when missing, then serve it.

    Fixture dates are moved forward by whole weeks so the demo caseload is active
    today. Demo accounts clinician, director, admin and client, all with password
    "demo", exist only in this database.
    """
    from dashboard.config import DEMO_DATABASE_PATH, normalise_url
    from dashboard.demo import build_demo, demo_program_config

    url = normalise_url(db or str(DEMO_DATABASE_PATH))
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if rebuild and path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if path is None or not path.exists():
        typer.echo(f"Building the demo database {path or url} from the fixtures...")
        build_demo(url, echo=typer.echo)
    if no_serve:
        return
    os.environ.setdefault("IOP_PROGRAM_CONFIG", str(demo_program_config()))
    _run_streamlit(url, port=port, address=address)


def _run_streamlit(url: str, *, port: int, address: str) -> None:
    """Become the Streamlit server (exec, not a child: a stop signal reaches it)."""
    env = os.environ | {"IOP_DATABASE_URL": url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    typer.echo(f"IOP Outcomes on http://{address}:{port} (Ctrl+C to stop)")
    sys.stdout.flush()
    command = streamlit_command(port=port, address=address)
    os.execve(sys.executable, command, env)  # noqa: S606 - our own argv


def streamlit_command(*, port: int, address: str) -> list[str]:
    """The Streamlit command line of the app, with the settings of .streamlit/config.toml
    (which Streamlit reads only when started from the project's folder).

    Users see a short message for an error, never its text or traceback (they may
    carry client data; the server's log has them), and tables offer no CSV download
    of their own: exports leave through the audited, neutralised paths.
    """
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.runOnSave",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--client.showErrorDetails",
        "none",
        "--client.disableDataExport",
        "true",
    ]
