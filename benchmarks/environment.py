"""The commands of the two environments: the project's (.venv) and BioPsyKit's (.venv/bench)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.runner import BenchmarkError

ROOT = Path(__file__).resolve().parents[1]
CONTENDERS = Path(__file__).resolve().parent / "contenders"
#: The second environment ``make bench`` builds from requirements-bench.lock.
BENCH_ENV = ROOT / ".venv" / "bench"


@dataclass(frozen=True)
class Tools:
    """The commands the benchmarks run."""

    python: Path
    iop: Path
    bench_python: Path

    def contender(self, name: str) -> str:
        """The path of a contender script."""
        return str(CONTENDERS / name)

    def helper(self, module: str, *args: str | Path | int) -> str:
        """Run ``python -m benchmarks.<module> args`` untimed (keeping this process small).

        Returns its standard output; raises :class:`BenchmarkError` if it fails.
        """
        command = [str(self.python), "-m", f"benchmarks.{module}", *map(str, args)]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            msg = f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr.strip()}"
            raise BenchmarkError(msg)
        return done.stdout


def find_tools(*, need_bench: bool) -> Tools:
    """The project environment running this (``iop`` beside its python) and ``.venv/bench``."""
    bin_dir = Path(sys.executable).parent
    tools = Tools(
        python=Path(sys.executable),
        iop=bin_dir / ("iop.exe" if os.name == "nt" else "iop"),
        bench_python=BENCH_ENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python"),
    )
    if not tools.iop.exists():
        msg = f"no iop console script beside {sys.executable}: run make install (or make bench)"
        raise BenchmarkError(msg)
    if need_bench and not tools.bench_python.exists():
        msg = (
            f"the BioPsyKit environment {BENCH_ENV.relative_to(ROOT)} is missing: run make bench "
            "(it builds it from requirements-bench.lock)"
        )
        raise BenchmarkError(msg)
    return tools
