"""The ``iop`` command line: one sub-command module per concern."""

from __future__ import annotations

import sys

import typer

from dashboard.cli import db, export, fixtures, importing, notify, report, score, serve, users

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

    A database error that no command handled ends the command with one line that
    names its kind and carries no data (no SQL parameters, rows or names), exit 2.
    """
    try:
        app()
    except Exception as exc:
        if not _database_error(exc):
            raise
        from dashboard.cli.output import EXIT_USAGE, fail
        from dashboard.store.errors import database_error_line

        try:
            fail(database_error_line(exc), EXIT_USAGE)
        except typer.Exit as done:
            raise SystemExit(done.exit_code) from None


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
