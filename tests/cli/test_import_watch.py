"""`iop import --watch DIR`: a folder an EHR feed drops files into (issue 15 item 6).
Each file is imported once, then moved to imported/ or rejected/ with its summary
beside it; a file still being written is left alone; a restart never imports a file
twice; a busy database leaves the file to be tried again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.test_cli import HEADER, iop

ITEMS = "1,2,3,0,1,2,3,0,1"
FAST = ("--interval", "0.2", "--db")


def _rows(db: str) -> int:
    with sqlite3.connect(db.removeprefix("sqlite:///")) as connection:
        return connection.execute("SELECT count(*) FROM administrations").fetchone()[0]


def _imports(db: str) -> int:
    with sqlite3.connect(db.removeprefix("sqlite:///")) as connection:
        return connection.execute("SELECT count(*) FROM imports").fetchone()[0]


def _drop(folder: Path, name: str, text: str) -> Path:
    """Write a file as a careful feed does: under a temporary name, renamed when done."""
    partial = folder / f"{name}.partial"
    partial.write_text(text)
    return partial.replace(folder / name)


def _settled(folder: Path) -> None:
    """Make the folder's files look written a while ago (as --once expects)."""
    past = time.time() - 60
    for path in folder.iterdir():
        if path.is_file():
            os.utime(path, (past, past))


def test_once_imports_each_waiting_file_and_files_it_with_its_summary(tmp_path, db):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    two = f"{HEADER}\nC1,phq9,2026-11-02,{ITEMS}\nC2,phq9,2026-11-03,{ITEMS}\n"
    _drop(inbox, "week48.csv", two)
    _drop(inbox, "some bad.csv", f"{HEADER}\nC3,phq9,2026-11-02,{ITEMS}\nC4,phq9,2026-11-02,9,9\n")
    _drop(inbox, "notes.txt", "not a file of any kind we import\n")
    (inbox / "next.csv.partial").write_text(HEADER + "\n")  # still being written
    _settled(inbox)
    result = iop("import", "--watch", str(inbox), "--once", "--db", db)
    assert result.returncode == 2, result.stderr  # a file could not be used (as iop import)
    assert sorted(p.name for p in (inbox / "imported").iterdir()) == [
        "some bad.csv",
        "some bad.csv.summary.txt",
        "week48.csv",
        "week48.csv.summary.txt",
    ]
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == [
        "notes.txt",
        "notes.txt.summary.txt",
    ]
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["next.csv.partial"]
    summary = (inbox / "imported" / "week48.csv.summary.txt").read_text()
    assert "2 rows read = 2 accepted + 0 duplicates + 0 rejected" in summary
    bad = (inbox / "imported" / "some bad.csv.summary.txt").read_text()
    assert "2 rows read = 1 accepted + 0 duplicates + 1 rejected" in bad
    assert "  row 3: the row has 5 of 12 fields" in bad  # the file's line, header is row 1
    assert (inbox / "rejected" / "notes.txt.summary.txt").read_text().startswith("error: notes.txt")
    assert "week48.csv -> imported/" in result.stdout
    assert "notes.txt -> rejected/" in result.stdout
    assert _rows(db) == 3


def test_a_restart_after_the_import_committed_never_imports_the_file_twice(tmp_path, db):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    dropped = _drop(inbox, "week48.csv", f"{HEADER}\nC1,phq9,2026-11-02,{ITEMS}\n")
    # the watcher imported it, then stopped before moving it
    assert iop("import", str(dropped), "--db", db).returncode == 0
    rows, imports = _rows(db), _imports(db)
    _settled(inbox)
    result = iop("import", "--watch", str(inbox), "--once", "--db", db)
    assert result.returncode == 0, result.stderr
    assert "already imported" in (inbox / "imported" / "week48.csv.summary.txt").read_text()
    assert (_rows(db), _imports(db)) == (rows, imports)
    # the same content sent again under another name: filed, nothing imported again
    _drop(inbox, "week48-resent.csv", f"{HEADER}\nC1,phq9,2026-11-02,{ITEMS}\n")
    _settled(inbox)
    assert iop("import", "--watch", str(inbox), "--once", "--db", db).returncode == 0
    assert (inbox / "imported" / "week48-resent.csv").exists()
    assert _rows(db) == rows


def test_a_busy_database_leaves_the_file_to_be_tried_again(tmp_path, db):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _drop(inbox, "week48.csv", f"{HEADER}\nC1,phq9,2026-11-02,{ITEMS}\n")
    _settled(inbox)
    holder = sqlite3.connect(db.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        busy = iop(
            "import", "--watch", str(inbox), "--once", "--db", db, env={"IOP_LOCK_WAIT_MS": "200"}
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert busy.returncode == 2
    assert "week48.csv (tried again later)" in busy.stdout
    assert (inbox / "week48.csv").exists()
    assert not (inbox / "rejected").exists()
    assert iop("import", "--watch", str(inbox), "--once", "--db", db).returncode == 0
    assert (inbox / "imported" / "week48.csv").exists()
    assert _rows(db) == 1


def test_watching_imports_files_as_they_arrive_until_stopped(tmp_path, db):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "import", "--watch", str(inbox), *FAST, db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _drop(inbox, "first.csv", f"{HEADER}\nC1,phq9,2026-11-02,{ITEMS}\n")
        deadline = time.monotonic() + 120
        while not (inbox / "imported" / "first.csv").exists():
            assert watcher.poll() is None, watcher.stderr.read()
            assert time.monotonic() < deadline, "the dropped file was never imported"
            time.sleep(0.2)
        assert _rows(db) == 1
    finally:
        watcher.send_signal(signal.SIGTERM)  # as a service manager stops it
        out, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    assert "first.csv -> imported/" in out
    assert out.rstrip().endswith("Stopped watching.")


def test_watch_needs_a_folder_and_no_files_beside_it(tmp_path, db):
    given = tmp_path / "a.csv"
    given.write_text(HEADER + "\n")
    both = iop("import", str(given), "--watch", str(tmp_path), "--db", db)
    assert both.returncode == 2
    assert both.stderr == "error: give FILE... to import, or --watch DIR (not both)\n"
    missing = iop("import", "--watch", str(tmp_path / "nowhere"), "--db", db)
    assert missing.returncode == 2
    assert "not a folder" in missing.stderr
    assert iop("import", "--once", "--db", db).returncode == 2
