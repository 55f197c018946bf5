"""Issue 4: the weekly review page's server-side run (AppTest) with 300 and 5,000 active clients."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.environment import ROOT, Tools
from benchmarks.report import Line, Outcome
from benchmarks.runner import (
    BenchmarkError,
    Contender,
    Plan,
    Sample,
    Series,
    run_interleaved,
    run_once,
)
from dashboard import clock

PAGE = "weekly review page"
AGENDA = "build_agenda"
#: Active clients of the two databases.
SIZES = (300, 5_000)
#: Targets in seconds, by active clients (issue 4, item 9).
COLD_TARGET_S = {300: 1.5}
WARM_TARGET_S = {300: 0.3, 5_000: 1.0}
#: Warm page runs after the cold one, in each page process.
WARM_RUNS = 5
#: Page processes per database (fewer with --quick): each costs a cold run, 25 s at 5,000.
MAX_PROCESSES = 3
#: Timed uncached build_agenda calls, after a first one, in the agenda process.
AGENDA_RUNS = 3
#: Where the databases are kept between runs (they are rebuilt each day: as_of is today).
CACHE = Path(tempfile.gettempdir()) / "iop-bench-cache"
PROGRAM = ROOT / "data" / "fixtures" / "demo_program.toml"


def database(
    tools: Tools, active: int, *, seed: int, as_of: dt.date, cache: Path
) -> dict[str, Any]:
    """Build (or reuse) the database with about ``active`` active clients; its facts."""
    args = (cache, "--active", active, "--seed", seed, "--as-of", as_of.isoformat())
    facts: dict[str, Any] = json.loads(tools.helper("review_db", *args))
    return facts


def environment(facts: dict[str, Any]) -> dict[str, str]:
    """What the app reads from the environment: the database and the demo program settings."""
    return {
        "IOP_DATABASE_URL": f"sqlite:///{facts['path']}",
        "IOP_PROGRAM_CONFIG": str(PROGRAM),
        "IOP_OPERATOR": "benchmark",
    }


def read_through(path: Path) -> Callable[[], None]:
    """A ``prepare`` step: read the database file, so cold means a new process, not a cold disk."""

    def prepare() -> None:
        with path.open("rb") as handle:
            while handle.read(1 << 24):
                pass

    return prepare


def page_contender(tools: Tools, facts: dict[str, Any]) -> Contender:
    """A process that runs the page once (cold), then ``WARM_RUNS`` times (warm)."""
    command = [str(tools.python), tools.contender("weekly_review.py"), "page"]
    return Contender(
        PAGE,
        [*command, "--repeats", str(WARM_RUNS)],
        prepare=read_through(Path(facts["path"])),
        env=environment(facts),
    )


def agenda_contender(tools: Tools, facts: dict[str, Any]) -> Contender:
    """A process that times the program reference, data_version and uncached build_agenda."""
    command = [str(tools.python), tools.contender("weekly_review.py"), "agenda"]
    return Contender(AGENDA, [*command, "--repeats", str(AGENDA_RUNS)], env=environment(facts))


def last_json(sample: Sample) -> dict[str, Any]:
    """What a process printed last, as JSON."""
    printed: dict[str, Any] = json.loads(sample.stdout.strip().splitlines()[-1])
    return printed


def printed(series: Series) -> list[dict[str, Any]]:
    """What each process of ``series`` printed."""
    return [last_json(s) for s in series.samples]


def check_rows(name: str, active: int) -> Callable[[dict[str, Sample]], None]:
    """A check of the first process: it ran without errors and showed one row per active client."""

    def check(samples: dict[str, Sample]) -> None:
        shown = last_json(samples[name])
        if shown.get("problems"):
            msg = f"the weekly review page failed: {'; '.join(shown['problems'])}"
            raise BenchmarkError(msg)
        rows = shown["table_rows"] if name == PAGE else shown["rows"]
        if rows != active:
            msg = f"{name}: {rows} rows shown for {active:,} active clients"
            raise BenchmarkError(msg)

    return check


def measure(tools: Tools, facts: dict[str, Any], plan: Plan) -> dict[str, Series]:
    """Page processes (each one cold run and warm runs), then one agenda process."""
    active = facts["active_clients"]
    timed = Plan(repeats=processes(plan), warmup=0, progress=plan.progress)
    once = Plan(repeats=1, warmup=0, progress=plan.progress)
    return {
        PAGE: run_interleaved(
            [page_contender(tools, facts)], timed, check_first=check_rows(PAGE, active)
        )[PAGE],
        AGENDA: run_interleaved(
            [agenda_contender(tools, facts)], once, check_first=check_rows(AGENDA, active)
        )[AGENDA],
    }


def processes(plan: Plan) -> int:
    """Page processes per database: each gives one cold run (at most ``MAX_PROCESSES``)."""
    return max(1, min(plan.repeats, MAX_PROCESSES))


def timed_line(label: str, times: list[float], peak_mb: float | None, target: float | None) -> Line:
    """A line of seconds, against ``target`` when there is one."""
    median = statistics.median(times)
    return Line(
        label=label,
        median=median,
        low=min(times),
        high=max(times),
        peak_mb=peak_mb,
        target=f"< {target:g} s" if target is not None else "",
        passed=median < target if target is not None else None,
    )


def size_lines(size: int, facts: dict[str, Any], series: dict[str, Series]) -> list[Line]:
    """The table lines of one database."""
    pages, agendas = printed(series[PAGE]), printed(series[AGENDA])
    active = facts["active_clients"]
    cold = [p["cold"] for p in pages]
    warm = [t for p in pages for t in p["warm"]]
    return [
        timed_line(
            f"weekly review, {active:,} active: cold",
            cold,
            series[PAGE].peak_mb,
            COLD_TARGET_S.get(size),
        ),
        timed_line(
            f"  warm (cached agenda, {len(warm)} runs)", warm, None, WARM_TARGET_S.get(size)
        ),
        timed_line(
            "  build_agenda uncached",
            [t for a in agendas for t in a["times"]],
            series[AGENDA].peak_mb,
            None,
        ),
        timed_line("  program_reference uncached", [a["reference"] for a in agendas], None, None),
        timed_line(
            "  data_version query (2 a run)", [a["data_version"] for a in agendas], None, None
        ),
    ]


def size_note(facts: dict[str, Any]) -> str:
    """Where one database came from."""
    rows = facts["rows"]
    how = (
        "reused from the cache"
        if facts["reused"]
        else f"built in {facts['build_s']:.0f} s ({facts['generate_s']:.0f} s generating)"
    )
    return (
        f"{facts['active_clients']:,} active of {facts['clients']:,} clients "
        f"({rows['episodes']:,} episodes, {rows['administrations']:,} administrations, "
        f"{rows['attendance']:,} sessions; {facts['megabytes']:,.0f} MB): {how}"
    )


def outcome(
    sizes: dict[int, dict[str, Any]], series: dict[int, dict[str, Series]], *, plan: Plan
) -> Outcome:
    """The table rows, notes and facts of the review page benchmark."""
    lines = [line for size in sizes for line in size_lines(size, sizes[size], series[size])]
    first = next(iter(sizes.values()))
    preloaded = printed(next(iter(series.values()))[PAGE])[0]["preloaded"]
    notes = [
        *(size_note(facts) for facts in sizes.values()),
        f"databases: synthetic cohort (seed {first['seed']}, as of {first['as_of']}), bulk-loaded "
        f"by benchmarks/review_db.py, cached in {CACHE}; signed in as a clinician of every site",
        f"cold: the first AppTest run of a fresh process ({processes(plan)} per database, "
        f"the file read through first{'; one untimed process before all' if plan.warmup else ''}"
        f"); imported before it: {', '.join(preloaded) or 'nothing'}",
        f"warm: {WARM_RUNS} further runs in each process (cached agenda; two data_version "
        "queries a run); checked: no exception, one table row per active client",
        f"build_agenda: a cache miss (e.g. after a check-in): {AGENDA_RUNS} calls after a first "
        "one, in a separate process; program_reference: paid once after any new answer "
        "(every episode with a score is the reference) or an import (then stored in the "
        "database; imports and the demo store it at once); the untimed first process stores "
        "it here",
    ]
    facts = {
        "as_of": first["as_of"],
        "databases": {str(size): facts for size, facts in sizes.items()},
        "runs": {
            str(size): {name: printed(s) for name, s in runs.items()}
            | {"peak_mb": {name: s.peak_mb for name, s in runs.items()}}
            for size, runs in series.items()
        },
    }
    counts = " and ".join(f"{facts['active_clients']:,}" for facts in sizes.values())
    title = f"review: the weekly review page in AppTest, {counts} active clients (issue 4)"
    return Outcome("review", title, lines, notes, facts)


def run(
    tools: Tools,
    folder: Path,
    plan: Plan,
    *,
    seed: int,
    sizes: tuple[int, ...] = SIZES,
    cache: Path = CACHE,
) -> Outcome:
    """Build or reuse the databases, then time the page and the agenda on each."""
    as_of = clock.today()
    built = {}
    for active in sizes:
        if plan.progress is not None:
            plan.progress(f"database with {active:,} active clients (built once a day)")
        built[active] = database(tools, active, seed=seed, as_of=as_of, cache=cache)
    smallest = built[min(built)]
    if plan.warmup:
        if plan.progress is not None:
            plan.progress("warm-up page process (compiled code, file cache)")
        run_once(page_contender(tools, smallest))
    series = {active: measure(tools, facts, plan) for active, facts in built.items()}
    return outcome(built, series, plan=plan)
