"""Published reference rates shown beside a program's own, read from ``benchmarks.toml``
(each with its period, population, definition, how the program's figure differs, and
its source): kept as data with their citations, never as numbers in code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

#: The program rates a benchmark can sit beside.
METRICS = ("recovered", "reliable_improvement", "reliable_recovery", "completed")
Evidence = Literal["official", "secondary"]


@dataclass(frozen=True)
class Benchmark:
    """One published rate: ``rate`` (0 to 1) as published, with what it counts.

    ``differs`` says how the program's own figure is defined differently, ``service``
    the service it comes from (and how that differs from an IOP), ``evidence`` whether
    it is the publisher's own statistics or a report of them.
    """

    id: str
    metric: str
    label: str
    rate: float
    period: str
    year: int
    population: str
    definition: str
    differs: str
    service: str
    source: str
    url: str
    evidence: Evidence
    numerator: int | None = None
    denominator: int | None = None
    note: str | None = None

    @property
    def percent(self) -> str:
        """The rate as published, e.g. ``48.4%``."""
        return f"{self.rate * 100:.1f}%"


_KEYS = {f.name for f in fields(Benchmark)}
_REQUIRED = {
    f.name for f in fields(Benchmark) if f.name not in {"numerator", "denominator", "note"}
}


def _benchmark(raw: dict[str, Any], where: str) -> Benchmark:
    unknown = sorted(set(raw) - _KEYS)
    lacking = sorted(k for k in _REQUIRED if not str(raw.get(k, "")).strip())
    if unknown or lacking:
        parts = [f"unknown key(s) {', '.join(unknown)}"] if unknown else []
        parts += [f"missing {', '.join(lacking)}"] if lacking else []
        msg = f"{where}: {'; '.join(parts)}"
        raise ValueError(msg)
    benchmark = Benchmark(**raw)
    problems = []
    if benchmark.metric not in METRICS:
        problems.append(f"metric {benchmark.metric!r} is not one of {', '.join(METRICS)}")
    if not 0 <= benchmark.rate <= 1:
        problems.append(f"rate {benchmark.rate} is not a share between 0 and 1")
    if benchmark.evidence not in ("official", "secondary"):
        problems.append(f"evidence {benchmark.evidence!r} is not official or secondary")
    if (benchmark.numerator is None) != (benchmark.denominator is None):
        problems.append("give both numerator and denominator, or neither")
    elif benchmark.numerator is not None and benchmark.denominator:
        published = round(benchmark.numerator / benchmark.denominator, 3)
        if abs(published - benchmark.rate) > 0.0005:
            problems.append(f"rate {benchmark.rate} is not numerator/denominator ({published})")
    if not benchmark.url.startswith(("https://", "http://")):
        problems.append("url is not a web address")
    if problems:
        msg = f"{where}: {'; '.join(problems)}"
        raise ValueError(msg)
    return benchmark


def load_benchmarks(path: Path | None = None) -> tuple[Benchmark, ...]:
    """The benchmarks of ``path`` (default: the ``benchmarks.toml`` shipped here).

    A malformed entry is refused with a message naming it and its problem.

    Examples
    --------
    >>> teds = [b for b in load_benchmarks() if b.metric == "completed"]
    >>> [(b.percent, b.year) for b in teds]
    [('37.7%', 2004)]
    """
    if path is None:
        text = resources.files("dashboard.cohorts").joinpath("benchmarks.toml").read_text("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    entries = cast("list[dict[str, Any]]", tomllib.loads(text).get("benchmark", []))
    loaded = tuple(
        _benchmark(raw, f"benchmark {raw.get('id', i + 1)}") for i, raw in enumerate(entries)
    )
    ids = [b.id for b in loaded]
    if len(set(ids)) < len(ids):
        msg = "benchmark ids must be unique"
        raise ValueError(msg)
    return loaded


def benchmarks_for(
    metric: str, *, benchmarks: tuple[Benchmark, ...] | None = None
) -> list[Benchmark]:
    """The benchmarks beside the program's ``metric``, latest first.

    Examples
    --------
    >>> [b.period for b in benchmarks_for("recovered")]
    ['April 2021 to March 2022']
    """
    chosen = load_benchmarks() if benchmarks is None else benchmarks
    return sorted((b for b in chosen if b.metric == metric), key=lambda b: -b.year)
