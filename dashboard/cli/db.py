"""``iop db``: migrate the database and show its schema version."""

from __future__ import annotations

import typer

from dashboard.cli.common import DbOption, as_operator, open_database

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


@app.command("status")
def status(db: DbOption = None) -> None:
    """Show the database's schema version and whether it is current."""
    from dashboard.store.schema import current_revision, head_revision

    engine = open_database(db, check_schema=False)
    current, head = current_revision(engine), head_revision()
    state = "current" if current == head else "behind: run `iop db upgrade`"
    typer.echo(f"schema {current or 'none'} (newest {head}): {state}")
    raise typer.Exit(0 if current == head else 1)
