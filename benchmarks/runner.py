"""Run commands as whole processes, interleaved, with wall time and each child's own peak RSS."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

#: Bytes in a mebibyte; ``ru_maxrss`` is in KiB on Linux and in bytes on macOS.
MB = 1024 * 1024
RSS_UNIT = 1 if sys.platform == "darwin" else 1024


class BenchmarkError(RuntimeError):
    """A contender failed, or the benchmark could not be set up."""


@dataclass(frozen=True)
class Plan:
    """How often each contender runs: warm-up runs are not counted."""

    repeats: int = 5
    warmup: int = 1
    progress: Callable[[str], None] | None = None


@dataclass(frozen=True)
class Sample:
    """One run of one command: wall seconds, peak resident memory, its output."""

    seconds: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Contender:
    """A command to time; ``prepare`` runs untimed before each run (e.g. a fresh database)."""

    name: str
    command: Sequence[str]
    ok_codes: tuple[int, ...] = (0,)
    prepare: Callable[[], None] | None = None
    env: Mapping[str, str] | None = None


@dataclass
class Series:
    """The timed runs of one contender."""

    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        """Wall seconds of every timed run."""
        return [s.seconds for s in self.samples]

    @property
    def median(self) -> float:
        """Median wall seconds."""
        return statistics.median(self.times)

    @property
    def low(self) -> float:
        """Fastest run."""
        return min(self.times)

    @property
    def high(self) -> float:
        """Slowest run."""
        return max(self.times)

    @property
    def peak_mb(self) -> float:
        """The highest peak RSS of any run, in MB."""
        return max(s.peak_mb for s in self.samples)

    @property
    def last(self) -> Sample:
        """The latest run (its output is what later checks read)."""
        return self.samples[-1]


def _deployed(environment: Mapping[str, str]) -> dict[str, str]:
    """The environment without settings no installed app runs with: a development shell's
    ``PYTHONDONTWRITEBYTECODE`` makes every process compile the app's sources again (about
    0.4 s of a cold weekly review here); an installed app has its bytecode."""
    return {k: v for k, v in environment.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(contender: Contender) -> Sample:
    """Run ``contender`` once; time it from spawn to exit and read its peak RSS via ``wait4``.

    The peak is the child's own (``ru_maxrss`` of that one process). Linux counts
    the parent's peak at the moment of the fork into it, so the process running
    the benchmarks must stay small: see :func:`own_peak_mb`.
    """
    if contender.prepare is not None:
        contender.prepare()
    env = {**_deployed(os.environ), **(contender.env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(contender.command), stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        sample = Sample(
            seconds=seconds,
            peak_mb=usage.ru_maxrss * RSS_UNIT / MB,
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
    if sample.returncode not in contender.ok_codes:
        msg = (
            f"{contender.name} exited with {sample.returncode} "
            f"(expected {', '.join(map(str, contender.ok_codes))}): {' '.join(contender.command)}\n"
            f"{_tail(sample.stderr or sample.stdout)}"
        )
        raise BenchmarkError(msg)
    return sample


def run_interleaved(
    contenders: Sequence[Contender],
    plan: Plan,
    *,
    check_first: Callable[[dict[str, Sample]], None] | None = None,
) -> dict[str, Series]:
    """Run every contender ``plan.warmup + plan.repeats`` times in turns (a, b, c, a, b, c...).

    Turns spread machine noise over all contenders alike. ``check_first`` gets the
    samples of the first turn, e.g. to check the outputs agree before timing more.
    """
    series = {c.name: Series(c.name) for c in contenders}
    for turn in range(plan.warmup + plan.repeats):
        samples = {}
        for contender in contenders:
            if plan.progress is not None:
                number = turn - plan.warmup + 1
                kind = "warm-up" if number < 1 else f"run {number}/{plan.repeats}"
                plan.progress(f"{contender.name}: {kind}")
            samples[contender.name] = run_once(contender)
        if turn == 0 and check_first is not None:
            check_first(samples)
        if turn >= plan.warmup:
            for name, sample in samples.items():
                series[name].samples.append(sample)
    return series


def own_peak_mb() -> float:
    """This process's own peak RSS: every child's peak figure is at least this much."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * RSS_UNIT / MB


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
