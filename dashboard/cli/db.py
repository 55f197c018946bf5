"""``iop db``: migrate the database and show its schema version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from dashboard.cli.common import (
    DbOption,
    as_operator,
    load_program,
    load_program_catalog,
    open_database,
)

if TYPE_CHECKING:
    import sqlalchemy as sa

app = typer.Typer(help="Database schema: migrate and inspect.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Create or migrate the database schema to this version's newest."""
    from dashboard.admin.operator import upgrade_schema

    engine = open_database(db, check_schema=False)
    before, after = upgrade_schema(engine, as_operator())
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        typer.echo(f"{where} is already at schema {after}")
    else:
        typer.echo(f"{where} migrated from {before or 'empty'} to schema {after}")
    _refresh_outcomes(engine, everything=False)


@app.command("outcomes")
def outcomes(
    db: DbOption = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Compute every episode's outcomes again.")
    ] = False,
) -> None:
    """Compute the directors' episode outcomes that writes have queued.

    Every write queues the episodes it touches; a running app computes them within
    seconds and the program overview before it reads. Run this after an import when no
    app is serving (from cron, say); --all computes every episode again (a changed
    instrument definition or readiness setting already makes the next run do so).
    It works in passes of 5,000 episodes; on SQLite each holds the write lock while it
    computes (up to a minute on a large program): run it when the app is quiet.
    """
    _refresh_outcomes(open_database(db), everything=everything)


def _refresh_outcomes(engine: sa.Engine, *, everything: bool) -> None:
    """Drain the outcome queue (everything: every episode), saying how many were done."""
    from dashboard.review.outcome_queue import BULK_CHUNK, queued, rebuild, refresh
    from dashboard.store.engine import read

    catalog = load_program_catalog()
    program = load_program(catalog)
    with read(engine) as connection:
        waiting = queued(connection)
    if waiting or everything:
        typer.echo("computing the directors' episode outcomes...")
    done = (rebuild if everything else refresh)(engine, catalog, program, chunk=BULK_CHUNK)
    if done:
        typer.echo(f"episode outcomes: {done:,} episode(s) computed")


@app.command("status")
def status(db: DbOption = None) -> None:
    """Show the database's schema version and whether it is current."""
    from dashboard.store.schema import current_revision, head_revision

    engine = open_database(db, check_schema=False)
    current, head = current_revision(engine), head_revision()
    state = "current" if current == head else "behind: run `iop db upgrade`"
    typer.echo(f"schema {current or 'none'} (newest {head}): {state}")
    raise typer.Exit(0 if current == head else 1)
