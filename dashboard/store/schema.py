"""Schema versions: upgrade with alembic, and refuse to run on a database that is behind."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaBehind(RuntimeError):  # noqa: N818 - reads better at the call site
    """The database's schema is older than this version of IOP Outcomes needs."""


def _config(connection: sa.Connection | None = None) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration this code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()  # type: ignore[arg-type]
    assert head is not None
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine) -> tuple[str | None, str]:
    """Migrate the database to the newest schema; returns (from, to) revisions."""
    from alembic import command

    before = current_revision(engine)
    with engine.begin() as connection:
        command.upgrade(_config(connection), "head")  # type: ignore[arg-type]
    return before, head_revision()


#: The newest migration; a test keeps it equal to alembic's head. Checking a
#: database against it needs no alembic import (a faster start for every page).
HEAD = "0012"


def stored_revision(engine: sa.Engine) -> str | None:
    """The database's revision read straight from alembic's table (None if empty)."""
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
        if _no_version_table(exc):
            return None
        raise  # a database that cannot be read is not an empty one


def _no_version_table(exc: sa.exc.DBAPIError) -> bool:
    """Whether ``exc`` says only that alembic's table is missing (an empty database)."""
    if getattr(exc.orig, "sqlstate", None) == "42P01":  # PostgreSQL's undefined_table
        return True
    return "no such table" in str(exc.orig).lower()


def ensure_current(engine: sa.Engine) -> None:
    """Raise :class:`SchemaBehind` with what to do when the schema is not the newest."""
    current, head = stored_revision(engine), HEAD
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        msg = f"the database {where} has no IOP Outcomes schema yet: run `iop db upgrade` first"
    else:
        msg = (
            f"the database {where} is at schema {current} but this version needs {head}: "
            "back it up, then run `iop db upgrade`"
        )
    raise SchemaBehind(msg)
