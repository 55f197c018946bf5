"""What every database command shares: the --db option and opening a current database."""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING, Annotated

import typer

from dashboard.cli.output import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, fail

if TYPE_CHECKING:  # the database stack is imported only by commands that use it
    import sqlalchemy as sa

    from dashboard.auth.viewer import Viewer
    from dashboard.program_settings import AppSettings
    from measures import Catalog
    from measures.program import ProgramConfig

# the exit codes live in output.py; importing.py and users.py import them from here
__all__ = [
    "EXIT_OK",
    "EXIT_REJECTED",
    "EXIT_USAGE",
    "DbOption",
    "as_operator",
    "load_app_settings",
    "load_program",
    "load_program_catalog",
    "open_database",
    "operator",
]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database URL or SQLite file (default: IOP_DATABASE_URL, else var/iop.db).",
        show_default=False,
    ),
]


def open_database(db: str | None, *, check_schema: bool = True) -> sa.Engine:
    """An engine on the configured database, opened once; exits with one line if unusable.

    A file that is not a database, a read-only file system, a server that cannot be
    reached and a schema that is behind each get their own message (exit 2).
    """
    from dashboard.config import Settings
    from dashboard.store.engine import make_engine
    from dashboard.store.faults import sqlite_file_problem
    from dashboard.store.schema import SchemaBehind, ensure_current

    settings = Settings.from_env(database_url=db)
    problem = sqlite_file_problem(settings.database_url)
    if problem is not None:
        fail(problem.message, EXIT_USAGE)
    try:
        engine = make_engine(settings.database_url)
        with engine.connect():
            pass  # open the file or reach the server now: a fault is told here, in one line
        if check_schema:
            ensure_current(engine)
    except SchemaBehind as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:  # the database's folder cannot be made
        fail(f"cannot create the database's folder: {exc.strerror or exc}", EXIT_USAGE)
    except Exception as exc:
        message = database_fault_line(exc)
        if message is None:
            raise
        fail(f"cannot open the database: {message}", EXIT_USAGE)
    return engine


def database_fault_line(exc: BaseException) -> str | None:
    """The one line a database fault is told in (no statement, no parameters); None when
    ``exc`` is not a database fault. Loads nothing when no database was opened."""
    import sys

    if "sqlalchemy" not in sys.modules:
        return None
    from dashboard.store.faults import database_fault

    fault = database_fault(exc)
    return None if fault is None else fault.message


def load_program_catalog() -> Catalog:
    """The instrument catalog, with the program's own definitions (IOP_INSTRUMENTS_DIR)."""
    from dashboard.config import Settings
    from measures import DefinitionError, load_catalog

    settings = Settings.from_env()
    try:
        return load_catalog(*([settings.instruments_dir] if settings.instruments_dir else []))
    except DefinitionError as exc:
        fail(str(exc), EXIT_USAGE)


def load_program(catalog: Catalog) -> ProgramConfig:
    """The program's settings (IOP_PROGRAM_CONFIG over the defaults); a bad file exits 2."""
    from dashboard.config import Settings
    from dashboard.program_settings import APP_SECTIONS
    from measures.config import ConfigError
    from measures.program import ProgramConfig

    try:
        return ProgramConfig.from_toml(
            Settings.from_env().program_config, catalog=catalog, other_sections=APP_SECTIONS
        )
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)


def load_app_settings() -> AppSettings:
    """The app's sections of the program file (on-call contacts...); a bad file exits 2."""
    from dashboard.config import Settings
    from dashboard.program_settings import AppSettings

    try:
        return AppSettings.from_toml(Settings.from_env().program_config)
    except (ValueError, OSError) as exc:
        fail(str(exc), EXIT_USAGE)


def operator() -> str:
    """Who runs a command line action (for the audit log): IOP_OPERATOR or the OS user."""
    return os.environ.get("IOP_OPERATOR") or f"cli:{getpass.getuser()}"


def as_operator() -> Viewer:
    """The viewer a command acts as: the operator named by :func:`operator` (no account)."""
    from dashboard.auth.viewer import operator_viewer

    return operator_viewer(operator())
