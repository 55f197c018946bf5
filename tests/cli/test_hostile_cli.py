"""Hostile files and a full disk at the command line: one line and an exit code, never a
traceback; a failed import leaves the database as it was, and it still opens."""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from dashboard.store import schema
from dashboard.store.engine import make_engine
from tests.cli.test_cli import HEADER, iop
from tests.store.conftest import row_counts


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "iop.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    return line


def test_score_reads_dates_before_1970_and_rejects_absurd_rows(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "client_id,measure,administered_on,item_1,total\n"
        "C1,mood_nrs,1969-12-31,5,\n"
        "C2,mood_nrs,1960-01-01,4,\n"
        "C3,mood_nrs,0001-01-05,4,\n"
        "C4,phq9,2026-01-05,,1e20\n"
    )
    result = iop("score", str(source))
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    out = pl.read_csv(result.stdout.encode(), infer_schema=False)
    assert out["score"].to_list() == ["5", "4", None, None]
    assert out["problems"].to_list()[2:] == [
        "administered_on 0001-01-05 is before 1900-01-01: not a plausible date",
        "total is 1e+20; PHQ-9 totals are 0-27",
    ]


def test_score_of_a_cr_only_file_is_one_line_and_exit_2(tmp_path):
    source = tmp_path / "mac.csv"
    source.write_bytes(b"client_id,measure,administered_on,item_1\rC1,mood_nrs,2026-01-05,5\r")
    result = iop("score", str(source), "--out", str(tmp_path / "o.csv"))
    assert result.returncode == 2
    assert one_error_line(result) == (
        "error: mac.csv ends its lines with a carriage return (CR) alone, as classic Mac OS "
        "did: save it again as CSV UTF-8 (comma-delimited)"
    )
    assert not (tmp_path / "o.csv").exists()


def _limit_file_size(limit: int) -> None:
    """In the child: writes past ``limit`` bytes fail (EFBIG) as on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_during_import_fails_with_one_line_and_stores_nothing(tmp_path, db):
    rng = random.Random(7)
    rows = [
        f"C{n % 500:04d},phq9,2026-{1 + n % 10:02d}-{1 + n % 28:02d},"
        + ",".join(str(rng.randint(0, 3)) for _ in range(9))
        for n in range(6_000)
    ]
    source = tmp_path / "big.csv"
    source.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    engine = make_engine(f"sqlite:///{db}")
    before = row_counts(engine)
    engine.dispose()
    limit = db.stat().st_size + 100_000  # the file's rows take about 500 kB
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "import", str(source), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: _limit_file_size(limit),
        env=os.environ,
    )
    assert result.returncode == 2
    line = one_error_line(result)
    # SQLite takes a write past the limit (EFBIG) for an I/O error; a full disk is SQLITE_FULL
    assert line == (
        "error: big.csv: not imported: the database could not complete the request "
        "(disk i/o error); nothing of this file was stored"
    )
    assert "INSERT" not in result.stderr
    assert "parameters" not in result.stderr
    assert result.stdout == ""
    assert iop("db", "status", "--db", str(db)).returncode == 0
    engine = make_engine(f"sqlite:///{db}")
    assert row_counts(engine) == before
    engine.dispose()
