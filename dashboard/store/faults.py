"""Database faults (locked, read-only, full, not a database, server gone) told in one line.

The command line and the app both turn an exception into a :class:`DatabaseFault`
with :func:`database_fault` and show its message instead of a traceback. The
message names what happened and what to do, never a statement's parameters or a row.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

from dashboard.store.engine import DatabaseLocked, lock_wait_seconds

FaultKind = Literal[
    "locked", "read-only", "disk-full", "cannot-open", "not-a-database", "unreachable", "other"
]

#: SQLSTATE codes of PostgreSQL: read-only transaction, disk full, server shutting down.
_READ_ONLY_STATES = {"25006"}
_DISK_FULL_STATES = {"53100"}
_LOCK_STATES = {"55P03"}  # lock_not_available (lock_timeout)


@dataclass(frozen=True)
class DatabaseFault:
    """What went wrong with the database, in words for the person at the keyboard."""

    kind: FaultKind
    message: str


def database_fault(exc: BaseException) -> DatabaseFault | None:
    """The fault ``exc`` is, or None when it is not a database fault (a bug: let it raise).

    Only operational faults are recognised: a statement the database refused for its
    data (an integrity or data error) is not one of them.

    >>> database_fault(DatabaseLocked("x")).kind
    'locked'
    >>> database_fault(ValueError("x")) is None
    True
    """
    if isinstance(exc, DatabaseLocked):
        return _locked()
    if isinstance(exc, sa.exc.DisconnectionError | sa.exc.TimeoutError):
        return _unreachable()
    operational = isinstance(exc, sa.exc.OperationalError | sa.exc.InternalError)
    if not operational and type(exc) is not sa.exc.DatabaseError:
        return None  # not a fault: an integrity, data or programming error, or no database
    orig = getattr(exc, "orig", None)
    if isinstance(orig, sqlite3.Error):
        return _sqlite_fault(str(orig).lower())
    state = getattr(orig, "sqlstate", None)
    if state in _READ_ONLY_STATES:
        return _read_only()
    if state in _DISK_FULL_STATES:
        return _disk_full()
    if state in _LOCK_STATES:
        return _locked()
    if isinstance(exc, sa.exc.OperationalError):
        return _unreachable()  # psycopg's OperationalError: the connection failed or was lost
    kind = type(orig).__name__ if orig is not None else type(exc).__name__
    return DatabaseFault(
        "other", f"the database could not complete the request ({kind}): nothing was changed"
    )


def _sqlite_fault(text: str) -> DatabaseFault:
    if "locked" in text or "busy" in text:
        return _locked()
    if "readonly" in text or "read-only" in text:
        return _read_only()
    if "disk is full" in text or "disk full" in text:
        return _disk_full()
    if "not a database" in text or "file is encrypted" in text:
        return DatabaseFault(
            "not-a-database",
            "the database file is not a SQLite database: check the file that --db or "
            "IOP_DATABASE_URL names",
        )
    if "unable to open" in text:
        return DatabaseFault(
            "cannot-open",
            "the database file cannot be opened: check that it and its folder exist and "
            "are readable and writable",
        )
    return DatabaseFault("other", f"the database could not complete the request ({text})")


def _locked() -> DatabaseFault:
    return DatabaseFault(
        "locked",
        "the database is locked by another process (an import?) and stayed locked for "
        f"{lock_wait_seconds():g} s: nothing was changed; try again shortly",
    )


def _read_only() -> DatabaseFault:
    return DatabaseFault(
        "read-only",
        "the database is read-only (the file's permissions, or a read-only file system): "
        "nothing was written",
    )


def _disk_full() -> DatabaseFault:
    return DatabaseFault("disk-full", "the disk holding the database is full: nothing was written")


def _unreachable() -> DatabaseFault:
    return DatabaseFault(
        "unreachable",
        "the database server cannot be reached or closed the connection: nothing was "
        "changed; try again when it is back",
    )


def sqlite_file_problem(url: str) -> DatabaseFault | None:
    """Why the SQLite file of ``url`` cannot be used, seen before opening it; or None.

    A file that is not a SQLite database, and a missing file whose folder is on a
    read-only file system (SQLite would say only "unable to open database file").
    A file on a read-only file system is caught when it is opened (see
    :func:`database_fault`).

    The file is probed through SQLite itself, never with ``open()``: closing any
    descriptor of a database file drops every POSIX lock the process holds on it,
    and another process would then delete the WAL under this one's open connections
    (https://www.sqlite.org/howtocorrupt.html, section 2.2). SQLite defers such closes.
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database or "")
    if not path.exists():
        folder = next((p for p in path.absolute().parents if p.exists()), None)
        if folder is not None and _read_only_file_system(folder):
            return DatabaseFault(
                "read-only",
                f"the database {path} does not exist and its folder is on a read-only file "
                "system: nothing can be created there",
            )
        return None
    if not os.access(path, os.R_OK):
        return DatabaseFault(
            "cannot-open", f"the database {path} cannot be read: permission denied"
        )
    if not _is_sqlite_file(path):
        return DatabaseFault(
            "not-a-database",
            f"{path} is not a SQLite database: check the file that --db or IOP_DATABASE_URL names",
        )
    if _read_only_file_system(path):
        return DatabaseFault(
            "read-only",
            f"the database {path} is on a read-only file system: IOP Outcomes writes to its "
            "database (the audit log, the WAL journal), so it cannot be used there",
        )
    return None


def _is_sqlite_file(path: Path) -> bool:
    """False only when SQLite reads ``path`` and finds it is not a database."""
    uri = f"{path.absolute().as_uri()}?mode=ro"
    try:
        probe = sqlite3.connect(uri, uri=True)
        try:
            probe.execute("PRAGMA schema_version").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        text = str(exc).lower()
        return not ("not a database" in text or "file is encrypted" in text)
    return True


def _read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False
