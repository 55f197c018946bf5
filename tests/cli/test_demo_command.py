"""`iop demo` and `iop serve` on a first run: the database IOP_DATABASE_URL names (as the
help says), never demo data written into a database of its own, the import's rejected
and duplicate rows explained, progress while building, and how to stop the server."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli.test_cli import iop

DELIBERATE = "The rejected and duplicate rows are deliberate"
WIDE = {"COLUMNS": "200"}  # the help on one line per option


def _users(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT username FROM users ORDER BY id")]


@pytest.mark.slow
def test_iop_demo_builds_the_database_iop_database_url_names(tmp_path):
    target = tmp_path / "named.db"
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "demo", "--no-serve"],
        capture_output=True,
        text=True,
        env=os.environ | {"IOP_DATABASE_URL": str(target)},
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert _users(target) == ["clinician", "director", "admin", "client"]
    assert not (tmp_path / "var").exists()  # not var/demo.db
    out = result.stdout
    assert f"Building the demo database {target}" in out
    assert len(re.findall(r"^  importing [\d,]+ rows\.\.\.$", out, re.MULTILINE)) == 6  # progress
    assert re.search(
        r"administrations\.csv: [\d,]+ rows = [\d,]+ accepted, 2 duplicates, 12 rejected", out
    )
    assert DELIBERATE in out
    assert "quarantine" in out
    assert "IOP_DATABASE_URL, else var/demo.db" in iop("demo", "--help", env=WIDE).stdout


def test_iop_demo_never_writes_demo_data_into_a_database_of_its_own(tmp_path):
    own = tmp_path / "program.db"
    assert iop("db", "upgrade", "--db", str(own)).returncode == 0
    added = iop(
        "users", "add", "ana", "--role", "admin", "--password", "quiet harbour pencil 27",
        "--db", str(own),
    )  # fmt: skip
    assert added.returncode == 0
    for run in (
        iop("demo", "--no-serve", env={"IOP_DATABASE_URL": str(own)}),
        iop("demo", "--no-serve", "--db", str(own)),
    ):
        assert run.returncode == 2
        assert "is not a demo database (it has data of its own)" in run.stderr
    assert _users(own) == ["ana"]


def test_iop_demo_uses_an_existing_demo_database_as_it_is(demo_url, tmp_path):
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_url.removeprefix("sqlite:///"), copy)
    result = iop("demo", "--no-serve", env={"IOP_DATABASE_URL": f"sqlite:///{copy}"})
    assert result.returncode == 0, result.stderr
    assert "Building" not in result.stdout


def test_iop_demo_rebuilds_only_a_sqlite_file():
    result = iop("demo", "--no-serve", "--rebuild", "--db", "postgresql://nobody@127.0.0.1:9/x")
    assert result.returncode == 2
    assert "--rebuild deletes a SQLite file" in result.stderr


def test_iop_serve_says_how_to_stop_it_and_ctrl_c_stops_it(demo_url, tmp_path):
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_url.removeprefix("sqlite:///"), copy)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "serve", "--port", str(port), "--db", str(copy)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        first = process.stdout.readline()
        assert first.strip() == f"IOP Outcomes on http://127.0.0.1:{port} (press Ctrl+C to stop)"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.25)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl+C in the terminal
        assert process.wait(timeout=20) == 0
        rest = process.stdout.read()
        assert rest.rstrip().endswith("IOP Outcomes stopped.")
        assert "Traceback" not in rest
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.stdout.close()
