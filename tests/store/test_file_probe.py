"""Probing the SQLite file (as every app run does) never breaks the connections already open.

Closing any descriptor of a database file drops all the POSIX locks the process holds
on it; another process then believes no one has the file open and deletes the WAL that
this process keeps writing to, so its commits vanish for everyone else.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import sqlalchemy as sa

from dashboard.store.engine import make_engine, write
from dashboard.store.faults import sqlite_file_problem

OTHER_PROCESS_READS = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
print(connection.execute("SELECT n FROM t").fetchone()[0])
connection.close()
"""


def _seen_by_another_process(path: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS_READS, path],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout)


def test_a_commit_after_the_file_probe_is_seen_by_other_processes(tmp_path):
    path = str(tmp_path / "probe.db")
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    try:
        with write(engine, changes=False) as connection:
            connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as reader:  # a pooled connection stays open, as in the app
            reader.execute(sa.text("SELECT n FROM t")).all()
            assert sqlite_file_problem(url) is None
            assert _seen_by_another_process(path) == 1  # it closes the file after reading
            with write(engine, changes=False) as connection:
                connection.exec_driver_sql("UPDATE t SET n = 2")
        assert _seen_by_another_process(path) == 2
    finally:
        engine.dispose()
    assert sqlite3.connect(path).execute("SELECT n FROM t").fetchone()[0] == 2


def test_the_probe_still_tells_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are not the records you are looking for\n" * 20)
    problem = sqlite_file_problem(f"sqlite:///{path}")
    assert problem is not None
    assert problem.kind == "not-a-database"
