"""Database engines for SQLite (embedded, WAL) and PostgreSQL, with explicit write locks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

#: Milliseconds a write waits for another writer's lock before giving up: SQLite's
#: busy timeout (it retries until then), PostgreSQL's lock_timeout. IOP_LOCK_WAIT_MS
#: overrides it (IOP_SQLITE_BUSY_TIMEOUT_MS, its older name, too).
SQLITE_BUSY_TIMEOUT_MS = 10_000


def lock_wait_ms() -> int:
    """How long a write waits for a lock (milliseconds), from the environment.

    >>> lock_wait_ms() > 0
    True
    """
    value = os.environ.get("IOP_LOCK_WAIT_MS") or os.environ.get("IOP_SQLITE_BUSY_TIMEOUT_MS")
    return int(value) if value else SQLITE_BUSY_TIMEOUT_MS


def lock_wait_seconds() -> float:
    """:func:`lock_wait_ms` in seconds, for messages."""
    return lock_wait_ms() / 1000


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key a single-row INSERT gave its row."""
    key = result.inserted_primary_key
    if key is None:
        msg = "the insert returned no primary key"
        raise RuntimeError(msg)
    return int(key[0])


class DatabaseLocked(RuntimeError):  # noqa: N818 - reads better at the call site
    """Another process holds the write lock for longer than the busy timeout."""


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout.

    Errors never carry the statement's parameters (``hide_parameters``): they are
    item answers, client ids and names, and an error may be printed or logged.

    SQLite connections begin transactions explicitly: ``write()`` takes the write
    lock at the start (BEGIN IMMEDIATE), so a long import never fails half-way on
    a lock, and readers keep reading the last committed state (WAL).
    """
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _sqlite_engine(url: str) -> sa.Engine:
    database = sa.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    busy = lock_wait_ms()
    engine = sa.create_engine(url, connect_args={"timeout": busy / 1000}, hide_parameters=True)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def write(engine: sa.Engine, *, changes: bool = True) -> Iterator[sa.Connection]:
    """A write transaction: all of it commits, or none of it (also on a crash).

    ``changes`` records that data the pages show changed (the data version
    cached pages key on, with the clients the write named through
    :func:`dashboard.store.changes.touched`; none named: any may have changed);
    only writes that touch nothing shown, such as audit rows of a sign-in, pass False;
    a write that finds out on the way that it changed nothing says so with
    :func:`dashboard.store.changes.unchanged`.
    Raises :class:`DatabaseLocked` when another writer holds the lock longer than
    :func:`lock_wait_ms` (SQLite retries until then; PostgreSQL's lock_timeout is set to it).
    """
    from dashboard.store.changes import begin_write, changed, end_write, record_change

    sqlite = engine.dialect.name == "sqlite"
    options = {"sqlite_begin": "IMMEDIATE"} if sqlite else {}
    try:
        with engine.connect().execution_options(**options) as connection, connection.begin():
            if not sqlite:
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {lock_wait_ms()}")
            begin_write(connection)
            try:
                yield connection
                if changes and changed(connection):
                    record_change(connection)
            finally:
                end_write(connection)
    except sa.exc.OperationalError as exc:
        text = str(exc.orig).lower()
        if "locked" in text or "busy" in text or getattr(exc.orig, "sqlstate", "") == "55P03":
            msg = (
                "the database is locked by another process (an import?) and stayed locked for "
                f"{lock_wait_seconds():g} s; try again shortly"
            )
            raise DatabaseLocked(msg) from None
        raise


@contextmanager
def read(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A read transaction: every query inside sees the same committed snapshot."""
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection
