"""Real faults for the tests: another process holding the write lock, a read-only file
system, a database file the process may not write."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_HOLDER = """
import sqlite3, sys, time
from pathlib import Path
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
Path(sys.argv[2]).touch()
time.sleep(float(sys.argv[3]))
connection.execute("ROLLBACK")
"""


@contextmanager
def write_lock_held(database: Path, *, seconds: float = 120) -> Iterator[subprocess.Popen[bytes]]:
    """Another process holds SQLite's write lock (BEGIN IMMEDIATE) on ``database`` for
    ``seconds`` or until the block ends."""
    ready = database.with_name(database.name + ".held")
    ready.unlink(missing_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(database), str(ready), str(seconds)]
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert holder.poll() is None, "the lock holder ended early"
            assert time.monotonic() < deadline, "the lock holder never took the lock"
            time.sleep(0.02)
        yield holder
    finally:
        holder.kill()
        holder.wait()


def without_root_override() -> list[str]:
    """A command prefix under which file permissions hold: as root, drop the capability
    to override them (setpriv); as anyone else, nothing is needed."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        return ["unavailable: setpriv (util-linux) is needed to drop root's override"]
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def read_only_mount(folder: Path) -> list[str] | str:
    """A command prefix that runs a command with ``folder`` mounted read-only in its own
    mount namespace (util-linux unshare); a string saying why not where it cannot."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    as_root = [] if os.geteuid() == 0 else ["--map-root-user"]
    probe = subprocess.run(
        ["unshare", *as_root, "--mount", "true"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        return f"cannot make a mount namespace here: {probe.stderr.strip()}"
    script = (
        f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && exec "$@"'
    )
    return ["unshare", *as_root, "--mount", "sh", "-c", script, "sh"]
