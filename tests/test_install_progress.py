"""`make install` (and so `make run`) shows progress instead of a minute of silence:
tools/pip_progress.py condenses pip's output and keeps pip's exit code."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("pip_progress", ROOT / "tools" / "pip_progress.py")
assert _spec is not None
assert _spec.loader is not None
pip_progress = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pip_progress)


def test_the_lock_file_counts_its_pinned_packages():
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pinned = [line for line in lock if "==" in line and not line.startswith((" ", "#"))]
    assert pip_progress.pinned_count(["-r", str(ROOT / "requirements.lock")]) == len(pinned)
    assert pip_progress.pinned_count(["--no-deps", "-e", "."]) is None


def test_pips_output_becomes_a_count_every_tenth_and_the_installation_step():
    output = [
        *(f"Collecting package{n}==1.0" for n in range(1, 11)),
        "  Using cached package1-1.0-py3-none-any.whl",
        "Processing /opt/wheels/local-2.0-py3-none-any.whl",
        "Installing collected packages: package1, package2, local",
        "Successfully installed package1-1.0",
    ]
    shown = list(pip_progress.progress_lines(output, 20))
    assert shown == [
        "  resolved 2 of 20 packages",
        "  resolved 4 of 20 packages",
        "  resolved 6 of 20 packages",
        "  resolved 8 of 20 packages",
        "  resolved 10 of 20 packages",
        "  installing 3 packages...",
    ]


def test_a_failing_pip_keeps_its_exit_code_and_shows_its_last_lines(capsys):
    code = pip_progress.main([sys.executable, "--no-index", "no-such-package-iop-test"])
    assert code != 0
    error = capsys.readouterr().err
    assert error.startswith("pip failed; its last lines:")
    assert "no-such-package-iop-test" in error
