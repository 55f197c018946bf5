"""The benchmarks' PostgreSQL: a throwaway server, databases copied from templates, and a
benchmark's SQLite database copied into it whole.

The server is the tests' throwaway cluster (``tests/support/postgres.py``: trust
authentication, ``fsync=off``). A run that changes its database writes into a fresh copy
of a template (``CREATE DATABASE ... TEMPLATE``), as the SQLite benchmarks copy a file.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg

from benchmarks.environment import ROOT
from benchmarks.runner import BenchmarkError
from tests.support.postgres import LocalServer, NoPostgres

#: Rows read from SQLite and written to the COPY at a time.
COPY_ROWS = 50_000


def start_server() -> LocalServer:
    """A fresh throwaway cluster; :class:`BenchmarkError` where PostgreSQL is not installed."""
    try:
        return LocalServer()
    except NoPostgres as exc:
        raise BenchmarkError(str(exc)) from None


def recreate(server: LocalServer, name: str, template: str | None = None) -> str:
    """Drop and create database ``name`` (a copy of ``template``); its SQLAlchemy URL."""
    with psycopg.connect(plain(server.url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return database_url(server, name)


def database_url(server: LocalServer, name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on ``server``."""
    return server.url.rsplit("/", 1)[0] + f"/{name}"


def plain(url: str) -> str:
    """``url`` as libpq reads it (no SQLAlchemy driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def prepared(server: LocalServer, name: str, template: str) -> Callable[[], None]:
    """A ``prepare`` step: database ``name`` made a fresh copy of ``template``."""

    def prepare() -> None:
        recreate(server, name, template)

    return prepare


def copy_sqlite(source: Path, server: LocalServer, name: str) -> dict[str, int]:
    """Database ``name`` made a migrated copy of the SQLite file ``source``, every table's
    rows as stored; the rows copied per table. The work runs in a child process
    (:func:`main`), so the benchmark's own process stays small.
    """
    url = recreate(server, name)
    command = [sys.executable, "-m", "benchmarks.pg", str(source), url]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"copying {source.name} into PostgreSQL failed: {done.stderr.strip()[-2000:]}"
        raise BenchmarkError(msg)
    copied: dict[str, int] = json.loads(done.stdout)
    return copied


def copy_into(source: Path, url: str) -> dict[str, int]:
    """The empty database at ``url`` made a migrated copy of the SQLite file ``source``;
    the rows copied per table.

    The schema comes from our migrations (``upgrade``), the rows by ``COPY`` with triggers
    and foreign keys off (``session_replication_role = replica``: the copy is already
    consistent, and the outcome queue's triggers must not queue its episodes again), then
    each table's id sequence is moved past its largest id, and ``VACUUM ANALYZE`` gives
    the planner the statistics a live database has (autovacuum would, minutes later).
    SQLite's texts for dates and times, and its 0/1 for booleans, are what PostgreSQL's
    input accepts.
    """
    from dashboard.store.engine import make_engine
    from dashboard.store.schema import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    copied = {}
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        with psycopg.connect(plain(url)) as writer:
            writer.execute("SET session_replication_role = replica")
            tables = _tables(writer)
            for table in tables:
                writer.execute(f'TRUNCATE "{table}" CASCADE')
            for table in tables:
                copied[table] = _copy_table(reader, writer, table)
            for table in tables:
                _advance_sequences(writer, table)
        with psycopg.connect(plain(url), autocommit=True) as settled:
            settled.execute("VACUUM ANALYZE")
    finally:
        reader.close()
    return copied


def _tables(writer: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    rows = writer.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE' AND table_name <> 'alembic_version' ORDER BY table_name"
    ).fetchall()
    return [str(row[0]) for row in rows]


def _copy_table(
    reader: sqlite3.Connection, writer: psycopg.Connection[tuple[object, ...]], table: str
) -> int:
    columns = [str(row[1]) for row in reader.execute(f'PRAGMA table_info("{table}")')]
    if not columns:
        msg = f"table {table} is in the PostgreSQL schema but not in the SQLite file"
        raise BenchmarkError(msg)
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = reader.execute(f'SELECT {names} FROM "{table}"')
    count = 0
    with writer.cursor() as out, out.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        while rows := cursor.fetchmany(COPY_ROWS):
            for row in rows:
                copy.write_row(row)
            count += len(rows)
    return count


def _advance_sequences(writer: psycopg.Connection[tuple[object, ...]], table: str) -> None:
    columns = writer.execute(
        "SELECT column_name, pg_get_serial_sequence(%s, column_name) FROM "
        "information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
        (f'"{table}"', table),
    ).fetchall()
    for column, sequence in columns:
        if sequence is None:
            continue
        writer.execute(
            f'SELECT setval(%s, COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)',
            (sequence,),
        )


def main(argv: list[str] | None = None) -> int:
    """Copy a SQLite file into an empty PostgreSQL database; print the rows per table."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pg",
        description="Copy a benchmark's SQLite database into an empty PostgreSQL database "
        "(migrated here), every table's rows as stored. Prints the rows per table as JSON.",
    )
    parser.add_argument("source", type=Path, help="the SQLite file")
    parser.add_argument("url", help="the empty database's SQLAlchemy URL")
    args = parser.parse_args(argv)
    print(json.dumps(copy_into(args.source, args.url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
