"""Database faults on the command line: a lock held by another process, a read-only
database file, a read-only file system, a file that is not a database. Each is one
line and exit 2, never a traceback, and nothing is half done."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_cli import FIXTURES, HEADER, STRONG, iop
from tests.support.faults import read_only_mount, without_root_override, write_lock_held

LOCKED = "the database is locked by another process (an import?) and stayed locked for 0.3 s"
FAST = {"IOP_LOCK_WAIT_MS": "300"}


@pytest.fixture
def database(tmp_path) -> Path:
    """A migrated SQLite database with one account and one administration."""
    path = tmp_path / "data" / "iop.db"
    path.parent.mkdir()
    assert iop("db", "upgrade", "--db", str(path)).returncode == 0
    source = tmp_path / "scores.csv"
    source.write_text(HEADER + "\nC1,phq9,2026-01-05,1,1,1,1,1,1,1,1,0\n")
    assert iop("import", str(source), "--db", str(path)).returncode == 0
    added = iop("users", "add", "ana", "--role", "admin", "--password", STRONG, "--db", str(path))
    assert added.returncode == 0, added.stderr
    return path


def _one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    for text in expected:
        assert text in lines[0]
    return lines[0]


def iop_under(prefix: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `iop` as a process under ``prefix`` (setpriv, unshare...)."""
    command = [sys.executable, "-m", "dashboard.cli", *args]
    return subprocess.run(
        [*prefix, *command], capture_output=True, text=True, timeout=120, env=os.environ
    )


def _rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.parametrize(
    "command",
    [
        ("export", "scores"),
        ("users", "add", "bo", "--role", "admin", "--password", STRONG),
        ("users", "disable", "ana"),
        ("users", "enable", "ana"),
        ("users", "reset-password", "ana", "--password", STRONG + "x"),
    ],
    ids=" ".join,
)
def test_a_write_lock_held_by_another_process_is_one_line_after_the_wait(database, command):
    audit_before = _rows(database, "SELECT COUNT(*) FROM audit_log")
    with write_lock_held(database):
        started = time.monotonic()
        result = iop(*command, "--db", str(database), env=FAST)
        waited = time.monotonic() - started
    _one_line_error(result, LOCKED, "try again shortly")
    assert waited >= 0.3  # it waited for the lock before giving up
    assert result.stdout == ""  # no export without its audit row
    assert _rows(database, "SELECT COUNT(*) FROM audit_log") == audit_before
    assert _rows(database, "SELECT username, active FROM users") == [("ana", 1)]


def test_a_lock_released_within_the_wait_lets_the_command_finish(database):
    # a second administrator: the last active one is never disabled
    added = iop(
        "users", "add", "bo", "--role", "admin", "--password", STRONG, "--db", str(database)
    )
    assert added.returncode == 0, added.stderr
    with write_lock_held(database, seconds=1.0) as holder:
        result = iop(
            "users", "disable", "ana", "--db", str(database), env={"IOP_LOCK_WAIT_MS": "20000"}
        )
        assert holder.poll() is not None  # the holder had let go; the command retried until then
    assert result.returncode == 0, result.stderr
    assert _rows(database, "SELECT username, active FROM users ORDER BY username") == [
        ("ana", 0),
        ("bo", 1),
    ]


def test_an_export_whose_audit_row_cannot_be_written_exports_nothing(database, tmp_path):
    prefix = without_root_override()
    if prefix and prefix[0].startswith("unavailable"):
        pytest.skip(prefix[0])
    database.chmod(0o444)
    out = tmp_path / "export.csv"
    for target in (["--out", str(out)], []):
        result = iop_under(prefix, "export", "scores", "--db", str(database), *target)
        _one_line_error(
            result,
            "nothing was exported: no export leaves without its audit row",
            "the database is read-only",
        )
        assert result.stdout == ""
    assert not out.exists()
    assert not out.with_name(out.name + ".partial").exists()
    added = iop_under(
        prefix, "users", "add", "bo", "--role", "admin", "--password", STRONG, "--db", str(database)
    )
    _one_line_error(added, "the database is read-only")


@pytest.mark.parametrize(
    "command",
    [("db", "status"), ("db", "upgrade"), ("export", "scores"), ("import", "CSV")],
    ids=" ".join,
)
def test_a_read_only_file_system_is_named_as_such(database, command, tmp_path):
    prefix = read_only_mount(database.parent)
    if isinstance(prefix, str):
        pytest.skip(prefix)
    source = tmp_path / "more.csv"
    source.write_text(HEADER + "\nC2,phq9,2026-01-05,1,1,1,1,1,1,1,1,0\n")
    args = [str(source) if word == "CSV" else word for word in command]
    result = iop_under(prefix, *args, "--db", str(database))
    line = _one_line_error(result, "is on a read-only file system")
    assert "schema" not in line  # the schema is there: it was never the problem


def test_a_missing_database_on_a_read_only_file_system_says_so(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    prefix = read_only_mount(folder)
    if isinstance(prefix, str):
        pytest.skip(prefix)
    result = iop_under(prefix, "db", "upgrade", "--db", str(folder / "new.db"))
    _one_line_error(result, "does not exist and its folder is on a read-only file system")


@pytest.mark.parametrize("command", [("db", "upgrade"), ("db", "status"), ("export", "scores")])
@pytest.mark.parametrize("content", [b"client_id,measure\n", b"\x00" * 4096])
def test_a_file_that_is_not_a_database_is_one_line(tmp_path, command, content):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    result = iop(*command, "--db", str(path))
    _one_line_error(result, f"{path} is not a SQLite database")
    assert path.read_bytes() == content  # left as it was


def test_an_import_into_a_file_that_is_not_a_database_is_one_line(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database")
    result = iop("import", str(FIXTURES / "clinicians.csv"), "--db", str(path))
    _one_line_error(result, "is not a SQLite database")


def test_a_read_only_database_file_is_not_called_empty(database):
    prefix = without_root_override()
    if prefix and prefix[0].startswith("unavailable"):
        pytest.skip(prefix[0])
    database.chmod(0o444)
    status = iop_under(prefix, "db", "status", "--db", str(database))
    assert status.returncode == 0, status.stderr  # reading works: the schema is current
    assert "(newest" in status.stdout
