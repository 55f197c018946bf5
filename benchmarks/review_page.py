"""Issue 4: the weekly review page's server-side run (AppTest) with 300 and 5,000 active clients."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.backends import SQLITE, Backend, backend
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
from dashboard.app.views.review_list import PAGE_ROWS

PAGE = "weekly review page"
AGENDA = "build_agenda"
WRITES = "weekly review after writes"
NEW_DAY = "weekly review, first of a new day"
#: Active clients of the two databases.
SIZES = (300, 5_000)
#: Targets in seconds, by active clients (issue 4 item 9; issue 13: a fresh server shows
#: the review of 5,000 within 3 s, 300 within 1 s).
COLD_TARGET_S = {300: 1.0, 5_000: 3.0}
WARM_TARGET_S = {300: 0.3, 5_000: 1.0}
#: The page right after a check-in or an import anywhere in the program (issue 13).
AFTER_WRITE_TARGET_S = 0.5
#: Check-ins and one-row imports of the writes process, each followed by a page run.
CHECKINS, IMPORTS = 8, 2
#: App memory after the check-ins may grow this much over the first (issue 13: flat).
MEMORY_GROWTH = 0.05
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
        "IOP_DATABASE_URL": facts["url"],
        "IOP_PROGRAM_CONFIG": str(PROGRAM),
        "IOP_OPERATOR": "benchmark",
    }


def page_contender(tools: Tools, facts: dict[str, Any], where: Backend) -> Contender:
    """A process that runs the page once (cold), then ``WARM_RUNS`` times (warm)."""
    command = [str(tools.python), tools.contender("weekly_review.py"), "page"]
    return Contender(
        PAGE,
        [*command, "--repeats", str(WARM_RUNS)],
        prepare=where.warm(facts),
        env=environment(facts),
    )


def writes_contender(
    tools: Tools, facts: dict[str, Any], folder: Path, where: Backend
) -> Contender:
    """A process that runs the page, then writes (check-ins, one-row imports) and runs it
    again after each, on a copy of the database."""
    prepare, url = where.copy(facts, folder, f"writes_{facts['active_clients']}")
    command = [str(tools.python), tools.contender("weekly_review.py"), "writes"]
    return Contender(
        WRITES,
        [*command, "--repeats", "3", "--checkins", str(CHECKINS), "--imports", str(IMPORTS)],
        prepare=prepare,
        env=environment(facts | {"url": url}),
    )


def new_day_contender(
    tools: Tools, facts: dict[str, Any], folder: Path, where: Backend
) -> Contender:
    """The page in a fresh process the day after the database's own (``IOP_TODAY``), on a
    copy of it: the stored ranges and the saved agenda are yesterday's, as on the first
    review of a morning."""
    prepare, url = where.copy(facts, folder, f"new_day_{facts['active_clients']}")
    tomorrow = dt.date.fromisoformat(facts["as_of"]) + dt.timedelta(days=1)
    command = [str(tools.python), tools.contender("weekly_review.py"), "page"]
    return Contender(
        NEW_DAY,
        [*command, "--repeats", "0"],
        prepare=prepare,
        env=environment(facts | {"url": url}) | {"IOP_TODAY": tomorrow.isoformat()},
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
    """A check of the first process: it ran without errors and showed every active client
    (its agenda built for each; the page states them all and lists the first page)."""

    def check(samples: dict[str, Sample]) -> None:
        shown = last_json(samples[name])
        if shown.get("problems"):
            msg = f"the weekly review page failed: {'; '.join(shown['problems'])}"
            raise BenchmarkError(msg)
        if name == PAGE:
            _check_page(name, shown, active)
        elif name == NEW_DAY:
            # the next day's caseload: episodes that ended on the database's day are gone
            _check_page(name, shown, min(shown["clients"], active) or active)
        elif shown["rows"] != active:
            msg = f"{name}: {shown['rows']} rows built for {active:,} active clients"
            raise BenchmarkError(msg)

    return check


def measure(
    tools: Tools, facts: dict[str, Any], plan: Plan, folder: Path, where: Backend
) -> dict[str, Series]:
    """Page processes (each one cold run and warm runs), one agenda process, one writes
    process."""
    active = facts["active_clients"]
    # the first process on a new database computes and stores its expected ranges and
    # saves its agenda (an import would have stored the ranges): untimed
    timed = Plan(repeats=processes(plan), warmup=1, progress=plan.progress)
    once = Plan(repeats=1, warmup=0, progress=plan.progress)
    return {
        PAGE: run_interleaved(
            [page_contender(tools, facts, where)], timed, check_first=check_rows(PAGE, active)
        )[PAGE],
        NEW_DAY: run_interleaved(
            [new_day_contender(tools, facts, folder, where)],
            Plan(repeats=processes(plan), warmup=0, progress=plan.progress),
            check_first=check_rows(NEW_DAY, active),
        )[NEW_DAY],
        AGENDA: run_interleaved(
            [agenda_contender(tools, facts)], once, check_first=check_rows(AGENDA, active)
        )[AGENDA],
        WRITES: run_interleaved(
            [writes_contender(tools, facts, folder, where)], once, check_first=check_writes(active)
        )[WRITES],
    }


def check_writes(active: int) -> Callable[[dict[str, Sample]], None]:
    """The writes process ran without errors and its last page stated every active client
    (the check-ins and imports are of one client already on it)."""

    def check(samples: dict[str, Sample]) -> None:
        shown = last_json(samples[WRITES])
        if shown.get("problems"):
            msg = f"the weekly review after writes failed: {'; '.join(shown['problems'])}"
            raise BenchmarkError(msg)
        _check_page(WRITES, shown, active)

    return check


def _check_page(name: str, shown: dict[str, Any], active: int) -> None:
    """The page states every active client and lists the first page of them."""
    listed = min(active, PAGE_ROWS)
    if shown["clients"] != active or shown["table_rows"] != listed:
        msg = (
            f"{name}: {shown['clients']} clients stated and {shown['table_rows']} listed "
            f"for {active:,} active clients ({listed:,} a page)"
        )
        raise BenchmarkError(msg)


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
    wrote = printed(series[WRITES])[0]
    active = facts["active_clients"]
    cold = [p["cold"] for p in pages]
    warm = [t for p in pages for t in p["warm"]]
    memory = wrote["memory_mb"]
    return [
        timed_line(
            f"weekly review, {active:,} active: cold",
            cold,
            series[PAGE].peak_mb,
            COLD_TARGET_S.get(size),
        ),
        timed_line(
            "  fresh process to the page (spawn)", [p["spawn_to_page"] for p in pages], None, None
        ),
        timed_line(
            "  first review of a new day (cold)",
            [p["cold"] for p in printed(series[NEW_DAY])],
            series[NEW_DAY].peak_mb,
            COLD_TARGET_S.get(size),
        ),
        timed_line(
            f"  warm (cached agenda, {len(warm)} runs)", warm, None, WARM_TARGET_S.get(size)
        ),
        timed_line(
            f"  after a check-in ({len(wrote['after_checkin'])} runs)",
            wrote["after_checkin"],
            series[WRITES].peak_mb,
            AFTER_WRITE_TARGET_S,
        ),
        timed_line(
            f"  after a one-row import ({len(wrote['after_import'])} runs)",
            wrote["after_import"],
            None,
            AFTER_WRITE_TARGET_S,
        ),
        timed_line("  floor: the page, nothing changed", wrote["floor"], None, None),
        Line(
            label=f"  app memory after {len(memory)} check-ins",
            figure=f"{memory[0]:,.0f} -> {memory[-1]:,.0f} MB",
            target=f"flat (<= +{MEMORY_GROWTH:.0%})",
            passed=memory[-1] <= memory[0] * (1 + MEMORY_GROWTH),
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
    sizes: dict[int, dict[str, Any]],
    series: dict[int, dict[str, Series]],
    *,
    plan: Plan,
    where: Backend | None = None,
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
        "the file read through first; one untimed process before all, the first on the "
        "database, which stores its expected ranges and saves the day's agenda); imported "
        f"before it: {', '.join(preloaded) or 'nothing'}",
        f"first review of a new day: the same on a copy of the database with IOP_TODAY the "
        f"next day ({processes(plan)} processes): yesterday's stored ranges are served and "
        "today's computed in the background 5 s later; the agenda is built anew",
        f"warm: {WARM_RUNS} further runs in each process (cached agenda; two data_version "
        "queries a run); checked: no exception, every active client stated, the first page "
        "of them listed",
        f"after writes: one process on a copy of the database runs the page, then {CHECKINS} "
        f"check-ins of one client (submit_checkin) and {IMPORTS} one-row imports "
        "(import_files, as the admin page does; not timed), each followed by a timed page run "
        "(the kept agenda rebuilds the touched client's row); memory: that process's resident "
        "set after each check-in's run; floor: the page with nothing changed, same process",
        f"build_agenda: the whole caseload built from scratch (a new day): {AGENDA_RUNS} calls "
        "after a first one, in a separate process; program_reference: the expected ranges "
        "computed (imports store them; the page reads the stored ones)",
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
    copied = None if where is None else where.note(sizes.values())
    if copied is not None:
        notes.append(copied)
        title = f"review-pg: the weekly review page on PostgreSQL, {counts} active (issue 13)"
        return Outcome("review-pg", title, lines, notes, facts)
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
    on: str = SQLITE,
) -> Outcome:
    """Build or reuse the databases, then time the page and the agenda on each; ``on``
    PostgreSQL, on copies of them on a throwaway server."""
    as_of = clock.today()
    with backend(on) as where:
        built = where.adopt_all(
            sizes,
            lambda active: database(tools, active, seed=seed, as_of=as_of, cache=cache),
            prefix="review",
            progress=plan.progress,
        )
        smallest = built[min(built)]
        if plan.warmup:
            if plan.progress is not None:
                plan.progress("warm-up page process (compiled code, file cache)")
            run_once(page_contender(tools, smallest, where))
        series = {
            active: measure(tools, facts, plan, folder, where) for active, facts in built.items()
        }
        return outcome(built, series, plan=plan, where=where)
