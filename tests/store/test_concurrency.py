"""The dashboard reads while an import writes, in two processes, on both back ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.store.conftest import HEADER

ROWS = 4000


def _wait_for(path, process, timeout=60):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, "process ended early"
        assert time.monotonic() < deadline, f"timed out waiting for {path.name}"
        time.sleep(0.02)


def test_a_reader_never_sees_a_partial_import_nor_an_error(database_url, write_csv, tmp_path):
    rows = "\n".join(f"C{n},phq9,2025-01-06,1,1,1,1,1,1,1,1,0" for n in range(ROWS))
    data = write_csv("big.csv", HEADER + "\n" + rows + "\n")
    hold, stop, out = tmp_path / "holding", tmp_path / "stop", tmp_path / "seen.json"
    env = os.environ | {"IOP_DATABASE_URL": database_url}
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.store.reader_process", database_url, str(stop), str(out)],
        env=env,
    )
    importer = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "import", str(data)],
        env=env | {"IOP_TEST_HOLD_BEFORE_COMMIT": str(hold)},
        stdout=subprocess.DEVNULL,
    )
    _wait_for(hold, importer)  # all rows written, transaction open
    time.sleep(0.5)  # the reader polls the open transaction
    hold.unlink()  # let the import commit
    assert importer.wait(timeout=60) == 0
    time.sleep(0.5)  # the reader polls the committed state
    stop.touch()
    assert reader.wait(timeout=60) == 0
    result = json.loads(out.read_text())
    assert result["errors"] == []
    assert set(result["seen"]) == {0, ROWS}
    assert result["seen"][-1] == ROWS
