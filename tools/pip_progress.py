"""Run ``pip install`` and show its progress in a few lines instead of a minute of silence.

Used by the Makefile (``make run``, ``make install``, ``make dev``) with the system
Python, before the project is installed:

    python3 tools/pip_progress.py .venv/bin/python -r requirements.lock

It counts the packages pip resolves (out of the pinned lines of a ``-r`` file), says when
it starts installing them, says it is still at work after 15 quiet seconds, and prints
pip's own output only when pip fails. The exit code is pip's.
"""

from __future__ import annotations

import collections
import itertools
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

_PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?==")
_RESOLVED = re.compile(r"^(Collecting|Processing|Requirement already satisfied:|Obtaining) ")
#: Lines of pip's output shown when it fails.
_TAIL = 40
#: Seconds without a progress line before saying pip is still at work.
_QUIET = 15.0


def pinned_count(args: list[str]) -> int | None:
    """How many packages the ``-r FILE`` arguments pin (None without any)."""
    total = 0
    found = False
    for flag, value in itertools.pairwise(args):
        if flag in ("-r", "--requirement"):
            found = True
            lines = Path(value).read_text(encoding="utf-8").splitlines()
            total += sum(1 for line in lines if _PINNED.match(line))
    return total if found else None


def progress_lines(output: Iterable[str], total: int | None) -> Iterator[str]:
    """The lines to show for pip's ``output``: a count every tenth of the packages (or
    every 20 without a total), the start of the installation, and its end.

    >>> out = ["Collecting a==1", "Collecting b==2", "Installing collected packages: a, b",
    ...        "Successfully installed a-1 b-2"]
    >>> list(progress_lines(out, 2))
    ['  resolved 1 of 2 packages', '  resolved 2 of 2 packages', '  installing 2 packages...']
    """
    step = max(1, (total or 200) // 10)
    resolved = 0
    for line in output:
        if _RESOLVED.match(line):
            resolved += 1
            if resolved % step == 0 or resolved == total:
                of = f" of {total}" if total else ""
                yield f"  resolved {resolved}{of} packages"
        elif line.startswith("Installing collected packages:"):
            count = len(line.split(":", 1)[1].split(","))
            yield f"  installing {count} package{'s' if count != 1 else ''}..."


def _kept(lines: Iterable[str], last: collections.deque[str]) -> Iterator[str]:
    """``lines`` without their line ends, the last of them kept in ``last``."""
    for line in lines:
        last.append(line.rstrip("\n"))
        yield last[-1]


class _Heartbeat(threading.Thread):
    """Prints that pip is still at work whenever nothing was printed for a while."""

    def __init__(self, started: float) -> None:
        super().__init__(daemon=True)
        self.started = self.last = started
        self.done = threading.Event()

    def say(self, line: str) -> None:
        print(line, flush=True)
        self.last = time.monotonic()

    def run(self) -> None:
        while not self.done.wait(1.0):
            if time.monotonic() - self.last >= _QUIET:
                self.say(f"  still working ({time.monotonic() - self.started:.0f} s)")


def main(argv: list[str]) -> int:
    """Run ``PYTHON -m pip install ARGS`` with condensed output; return pip's exit code."""
    if len(argv) < 2:
        print("usage: pip_progress.py PYTHON PIP_INSTALL_ARGS...", file=sys.stderr)
        return 2
    python, args = argv[0], argv[1:]
    command = [python, "-m", "pip", "--disable-pip-version-check", "install", "--progress-bar",
               "off", *args]  # fmt: skip
    heartbeat = _Heartbeat(time.monotonic())
    heartbeat.start()
    last: collections.deque[str] = collections.deque(maxlen=_TAIL)
    with subprocess.Popen(  # noqa: S603 - our own command line
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    ) as process:
        assert process.stdout is not None
        for shown in progress_lines(_kept(process.stdout, last), pinned_count(args)):
            heartbeat.say(shown)
        code = process.wait()
    heartbeat.done.set()
    if code != 0:
        print("pip failed; its last lines:", *last, sep="\n  ", file=sys.stderr)
        return code
    print(f"  done in {time.monotonic() - heartbeat.started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
