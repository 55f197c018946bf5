"""Issue 13: the directors' program overview at 10,000 and 100,000 episodes, cold and right
after a write, beside its floor (a bare polars aggregation of the episode-outcomes table)."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks.backends import SQLITE, Backend, backend
from benchmarks.environment import Tools
from benchmarks.report import Line, Outcome
from benchmarks.review_page import CACHE, last_json
from benchmarks.runner import BenchmarkError, Contender, Plan, Sample, Series, run_interleaved
from dashboard import clock

COLD = "program overview, cold"
WRITE = "program overview after a write"
#: Episodes of the two databases (issue 13: 100,000; half or a tenth shows the growth).
SIZES = (10_000, 100_000)
#: Issue 13's targets: seconds, peak MB of the process, and the overview over its floor.
TARGET_S = 2.0
#: Issue 14's target: four cohorts compared, cold (the release built first), in seconds.
TARGET_COMPARE_S = 3.0
TARGET_MB = 1_000.0
TARGET_RATIO = 3.0


def database(
    tools: Tools, episodes: int, *, seed: int, as_of: dt.date, cache: Path
) -> dict[str, Any]:
    """Build (or reuse) the database of about ``episodes`` episodes; its facts."""
    args = (cache, "--episodes", episodes, "--seed", seed, "--as-of", as_of.isoformat())
    facts: dict[str, Any] = json.loads(tools.helper("overview_db", *args))
    return facts


def environment(url: str) -> dict[str, str]:
    """The database the contender opens."""
    return {"IOP_DATABASE_URL": url, "IOP_OPERATOR": "benchmark"}


def contenders(
    tools: Tools, facts: dict[str, Any], folder: Path, where: Backend
) -> list[Contender]:
    """The cold process on the cached database, the write process on a copy of it."""
    script = tools.contender("program_overview.py")
    prepare, url = where.copy(facts, folder, f"overview_write_{facts['episodes']}")
    return [
        Contender(
            COLD,
            [str(tools.python), script, "cold"],
            prepare=where.warm(facts),
            env=environment(facts["url"]),
        ),
        Contender(
            WRITE, [str(tools.python), script, "write"], prepare=prepare, env=environment(url)
        ),
    ]


def check(samples: dict[str, Sample]) -> None:
    """Both processes counted episodes (their JSON is read by :func:`size_lines`)."""
    for name, sample in samples.items():
        if not last_json(sample).get("episodes"):
            msg = f"{name}: no discharged episode counted"
            raise BenchmarkError(msg)


def size_lines(
    facts: dict[str, Any], series: dict[str, Series], *, driver: str = "sqlite3"
) -> list[Line]:
    """The table lines of one database: cold, after a write, each beside its floor."""
    lines = []
    for name, label in ((COLD, "cold"), (WRITE, "after a one-row import")):
        runs = [last_json(s) for s in series[name].samples]
        times = [r["overview_s"] for r in runs]
        floors = [r["floor_s"] for r in runs]
        median, floor = statistics.median(times), statistics.median(floors)
        # each run's ratio: the overview and its floor ran at the same moment
        ratio = statistics.median(t / f for t, f in zip(times, floors, strict=True))
        # a busy machine's waits are in the wall seconds, not in these
        cpu = statistics.median(r.get("overview_cpu_s", 0.0) for r in runs)
        cpu_floor = statistics.median(r.get("floor_cpu_s", 0.0) for r in runs)
        peak = series[name].peak_mb
        lines += [
            Line(
                label=f"program overview, {facts['episodes']:,} episodes: {label}",
                median=median,
                low=min(times),
                high=max(times),
                rows_per_s=runs[0]["episodes"] / median,
                peak_mb=peak,
                target=f"< {TARGET_S:g} s, < {TARGET_MB:,.0f} MB",
                passed=median < TARGET_S and peak < TARGET_MB,
            ),
            Line(
                label=f"  floor: bare {driver} + polars aggregation",
                median=floor,
                low=min(floors),
                high=max(floors),
            ),
            Line(
                label="  CPU seconds: overview / floor (no target)",
                figure=f"{cpu:.2f} / {cpu_floor:.2f} s",
            ),
            Line(
                label="  overview / floor (median of each run's)",
                figure=f"{ratio:.1f}x",
                target=f"<= {TARGET_RATIO:g}x",
                passed=ratio <= TARGET_RATIO,
            ),
        ]
        if not all("compare_s" in r for r in runs):
            continue
        compared = [r["overview_s"] + r["compare_s"] for r in runs]
        lines.append(
            Line(
                label=f"cohorts: four compared, {label} (the release built first)",
                median=statistics.median(compared),
                low=min(compared),
                high=max(compared),
                peak_mb=peak,
                target=f"< {TARGET_COMPARE_S:g} s, < {TARGET_MB:,.0f} MB",
                passed=statistics.median(compared) < TARGET_COMPARE_S and peak < TARGET_MB,
            )
        )
    return lines


def growth_line(built: dict[int, dict[str, Any]], series: dict[int, dict[str, Series]]) -> Line:
    """How the cold overview grows from the smallest to the largest database."""
    small, large = min(built), max(built)

    def median(size: int) -> float:
        return statistics.median(last_json(s)["overview_s"] for s in series[size][COLD].samples)

    data = built[large]["episodes"] / built[small]["episodes"]
    time = median(large) / median(small)
    return Line(
        label="  growth, cold: time x / data x",
        figure=f"x{time:.1f} / x{data:.1f}",
        target="linear or better",
        passed=time <= data,
    )


def size_note(facts: dict[str, Any]) -> str:
    """Where one database came from."""
    rows = facts["rows"]
    how = (
        "reused from the cache"
        if facts["reused"]
        else f"built in {facts['generate_s'] + facts['load_s'] + facts['outcomes_s']:.0f} s"
    )
    return (
        f"{rows['episodes']:,} episodes ({facts['discharged']:,} discharged), "
        f"{rows['administrations']:,} administrations, {rows['attendance']:,} sessions, "
        f"{facts['megabytes']:,.0f} MB: {how}; every episode's outcomes computed by the "
        f"queue's drain in {facts['outcomes_s']:.0f} s (`iop db outcomes --all`'s work)"
    )


def outcome(
    built: dict[int, dict[str, Any]],
    series: dict[int, dict[str, Series]],
    *,
    where: Backend | None = None,
) -> Outcome:
    """The table rows, notes and facts of the overview benchmark."""
    copied = None if where is None else where.note(built.values())
    driver = "sqlite3" if copied is None else "psycopg"
    lines = [
        line for size in built for line in size_lines(built[size], series[size], driver=driver)
    ]
    if len(built) > 1:
        lines.append(growth_line(built, series))
    first = next(iter(built.values()))
    notes = [
        *(size_note(facts) for facts in built.values()),
        f"databases: synthetic cohort (seed {first['seed']}, as of {first['as_of']}; PHQ-9, "
        "GAD-7, PACS, BAM-R and ORS administrations), bulk-loaded by "
        f"benchmarks/overview_db.py, cached in {CACHE}; the overview runs as a director of "
        "every site",
        "cold: a fresh process (the file read through first), its first overview timed in "
        "process: drain the outcome queue (empty), read the stored outcomes in the director's "
        "scope, build every table of the page with the suppression engine; peak MB: the whole "
        "process",
        "after a write: a fresh process on a copy of the database imports one PHQ-9 row "
        "(import_files, not timed), then the same overview (the drain computes that episode)",
        f"floor: in the same process, the same discharged episodes read from episode_outcomes "
        f"through {driver} into polars and counted by quarter, site and track (no privacy)",
    ]
    facts = {
        "databases": {str(size): facts for size, facts in built.items()},
        "runs": {
            str(size): {name: [last_json(s) for s in runs.samples] for name, runs in by.items()}
            | {"peak_mb": {name: runs.peak_mb for name, runs in by.items()}}
            for size, by in series.items()
        },
    }
    counts = " and ".join(f"{facts['episodes']:,}" for facts in built.values())
    if copied is not None:
        notes.append(copied)
        title = f"overview-pg: the program overview on PostgreSQL, {counts} episodes (issue 13)"
        return Outcome("overview-pg", title, lines, notes, facts)
    title = f"overview: the directors' program overview, {counts} episodes (issue 13)"
    return Outcome("overview", title, lines, notes, facts)


def run(
    tools: Tools,
    folder: Path,
    plan: Plan,
    *,
    seed: int,
    sizes: tuple[int, ...] = SIZES,
    cache: Path = CACHE,
    on: str = SQLITE,
) -> Outcome:
    """Build or reuse the databases, then time the overview on each; ``on`` PostgreSQL, on
    copies of them on a throwaway server."""
    as_of = clock.today()
    with backend(on) as where:
        built = where.adopt_all(
            sizes,
            lambda episodes: database(tools, episodes, seed=seed, as_of=as_of, cache=cache),
            prefix="overview",
            progress=plan.progress,
        )
        series = {
            size: run_interleaved(contenders(tools, facts, folder, where), plan, check_first=check)
            for size, facts in built.items()
        }
        return outcome(built, series, where=where)
