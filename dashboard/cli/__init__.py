"""The ``iop`` command line: one sub-command module per concern."""

from __future__ import annotations

import sys

import typer

from dashboard.cli import db, export, fixtures, importing, notify, report, score, serve, users
from dashboard.cli.common import EXIT_USAGE, database_fault_line

app = typer.Typer(
    name="iop",
    help="IOP Outcomes: score, import and review outcome measures for an Intensive "
    "Outpatient Program.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("score")(score.score)
app.command("fixtures")(fixtures.fixtures)
app.command("import")(importing.import_files)
app.add_typer(db.app, name="db")
app.add_typer(export.app, name="export")
app.add_typer(users.app, name="users")
app.add_typer(notify.app, name="notify")
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.command("report")(report.report)


@app.callback()
def _root() -> None:
    """IOP Outcomes: score, import and review outcome measures."""


def main() -> None:
    """Entry point of the ``iop`` console script.

    A database fault during a command (locked past the wait, read-only, full, the
    server gone) ends it with one line and exit 2, never a traceback; so does any
    other database error, named by its kind without data (no SQL parameters, rows
    or names).
    """
    try:
        app()
    except Exception as exc:
        message = database_fault_line(exc)
        if message is None and _database_error(exc):
            from dashboard.store.errors import database_error_line

            message = database_error_line(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def _database_error(exc: Exception) -> bool:
    """Whether ``exc`` comes from the database stack (only loaded by commands that use it)."""
    kinds: list[type[BaseException]] = []
    sqlalchemy = sys.modules.get("sqlalchemy")
    if sqlalchemy is not None:
        kinds.append(sqlalchemy.exc.SQLAlchemyError)
    for name in ("psycopg", "sqlite3"):
        module = sys.modules.get(name)
        if module is not None:
            kinds.append(module.Error)
    return isinstance(exc, tuple(kinds))
