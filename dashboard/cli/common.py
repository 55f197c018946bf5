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
    """An engine on the configured database; exits with a one-line message if unusable."""
    import sqlalchemy as sa

    from dashboard.config import Settings
    from dashboard.store.engine import make_engine
    from dashboard.store.schema import SchemaBehind, ensure_current

    settings = Settings.from_env(database_url=db)
    try:
        engine = make_engine(settings.database_url)
        if check_schema:
            ensure_current(engine)
    except SchemaBehind as exc:
        fail(str(exc), EXIT_USAGE)
    except sa.exc.SQLAlchemyError as exc:
        fail(
            f"cannot open the database: {str(exc.orig if hasattr(exc, 'orig') else exc).strip()}",
            EXIT_USAGE,
        )
    return engine


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
