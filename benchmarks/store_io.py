"""Issues 3 and 13: ``iop import`` of 100,000 and 1,000,000 administrations into SQLite,
beside its floor (bare ``sqlite3`` executemany of the rows it stored), and reading them back."""

from __future__ import annotations

import json
import shutil
import statistics
from collections.abc import Callable
from pathlib import Path

from benchmarks.environment import Tools
from benchmarks.report import Line, Outcome
from benchmarks.runner import BenchmarkError, Contender, Plan, Series, run_interleaved, run_once

IMPORT = "iop import"
FLOOR = "bare sqlite3 executemany"
READ = "read_administrations"
IMPORT_TARGET_S = 5.0
#: Issue 13: the import of 1M administrations, and its time against the floor's.
LARGE_TARGET_S = 10.0
FLOOR_RATIO = 3.0
READ_TARGET_S = 0.5
MEMORY_TARGET_MB = 1024.0
#: Files imported (untimed) into the template database before the timed import.
SETUP_FILES = ("clinicians.csv", "episodes.csv")
SQLITE_SUFFIXES = ("", "-wal", "-shm")
ENV = {"IOP_OPERATOR": "benchmark"}


def write_inputs(tools: Tools, folder: Path, *, rows: int, seed: int) -> dict[str, object]:
    """Write the administrations file (and the synthetic clinicians and episodes, if any)."""
    args = (folder, "--rows", 0, "--store-rows", rows, "--seed", seed)
    written: dict[str, object] = json.loads(tools.helper("inputs", *args))
    return written


def make_template(tools: Tools, folder: Path) -> Path:
    """A migrated database holding the setup files: each timed import starts from a copy."""
    template = folder / "template.db"
    steps = [[str(tools.iop), "db", "upgrade", "--db", str(template)]]
    setup = [str(folder / name) for name in SETUP_FILES if (folder / name).exists()]
    if setup:
        steps.append([str(tools.iop), "import", *setup, "--db", str(template)])
    for step in steps:
        run_once(Contender("setup", step, ok_codes=(0, 3), env=ENV))
    return template


def fresh_copy(template: Path, target: Path) -> Callable[[], None]:
    """A ``prepare`` step: replace ``target`` by a copy of ``template`` (with its WAL)."""

    def prepare() -> None:
        for suffix in SQLITE_SUFFIXES:
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        for suffix in SQLITE_SUFFIXES[:2]:
            source = Path(f"{template}{suffix}")
            if source.exists():
                shutil.copyfile(source, f"{target}{suffix}")

    return prepare


def contenders(tools: Tools, folder: Path) -> list[Contender]:
    """The import into a fresh copy of the template, then the read of what it wrote."""
    database = folder / "bench.db"
    source = folder / "administrations.csv"
    importing = [str(tools.iop), "import", str(source), "--db", str(database)]
    prepare = fresh_copy(folder / "template.db", database)
    reading = [str(tools.python), tools.contender("read_store.py"), str(database)]
    return [
        Contender(IMPORT, importing, ok_codes=(0, 3), prepare=prepare, env=ENV),
        floor_contender(tools, folder),
        Contender(READ, reading, env=ENV),
    ]


def export_rows(tools: Tools, folder: Path) -> None:
    """Import the file once into a copy of the template (untimed) and keep the rows it
    stored as Parquet: the floor writes exactly those, into that database emptied of them
    (its clients and import row stay: the rows refer to them)."""
    reference = folder / "floor-template.db"
    fresh_copy(folder / "template.db", reference)()
    source = folder / "administrations.csv"
    steps = [
        [str(tools.iop), "import", str(source), "--db", str(reference)],
        [
            str(tools.python),
            tools.contender("sqlite_floor.py"),
            "--export",
            str(reference),
            str(folder / "stored.parquet"),
        ],
    ]
    for step in steps:
        run_once(Contender("setup", step, ok_codes=(0, 3), env=ENV))


def floor_contender(tools: Tools, folder: Path) -> Contender:
    """Bare sqlite3 executemany of the stored rows into a fresh copy of the template."""
    database = folder / "floor.db"
    command = [
        str(tools.python),
        tools.contender("sqlite_floor.py"),
        str(database),
        str(folder / "stored.parquet"),
    ]
    prepare = fresh_copy(folder / "floor-template.db", database)
    return Contender(FLOOR, command, prepare=prepare, env=ENV)


def read_times(series: Series) -> list[float]:
    """The in-process read time (best of 5) that each read process printed."""
    return [float(json.loads(s.stdout)["seconds"]) for s in series.samples]


def import_summary(series: Series) -> str:
    """The accepted / duplicate / rejected line ``iop import`` printed."""
    lines = [line for line in series.last.stdout.splitlines() if "rows read" in line]
    if not lines:
        msg = f"iop import printed no summary line:\n{series.last.stdout}{series.last.stderr}"
        raise BenchmarkError(msg)
    return lines[0].strip()


def memory_line(label: str, peak_mb: float) -> Line:
    """A peak memory figure against the 1 GB target."""
    return Line(
        label=label,
        figure=f"{peak_mb:.0f} MB",
        target=f"< {MEMORY_TARGET_MB:.0f} MB",
        passed=peak_mb < MEMORY_TARGET_MB,
    )


def import_lines(
    series: dict[str, Series], rows: int, target_s: float, *, floor_name: str = FLOOR
) -> list[Line]:
    """The import, its floor (the contender ``floor_name``), the ratio of the two and the
    import's memory."""
    imported, floor = series[IMPORT], series[floor_name]
    per_turn = [i / f for i, f in zip(imported.times, floor.times, strict=True)]
    ratio = imported.median / floor.median
    return [
        Line(
            label=f"iop import ({rows:,} administrations)",
            median=imported.median,
            low=imported.low,
            high=imported.high,
            rows_per_s=rows / imported.median,
            peak_mb=imported.peak_mb,
            target=f"< {target_s:g} s",
            passed=imported.median < target_s,
        ),
        Line(
            label=f"{floor_name} (same rows)",
            median=floor.median,
            low=floor.low,
            high=floor.high,
            rows_per_s=rows / floor.median,
            peak_mb=floor.peak_mb,
        ),
        Line(
            label="  iop import vs floor",
            figure=f"{ratio:.2f}x the time (per turn {min(per_turn):.2f}-{max(per_turn):.2f})",
            target=f"<= {FLOOR_RATIO:g}x",
            passed=ratio <= FLOOR_RATIO,
        ),
        memory_line("  iop import peak memory", imported.peak_mb),
    ]


def outcome(
    series: dict[str, Series],
    *,
    written: dict[str, object],
    large: tuple[int, dict[str, Series]] | None = None,
) -> Outcome:
    """The table rows, notes and facts of the store benchmark."""
    imported, reads = series[IMPORT], series[READ]
    rows = int(str(written["administrations.csv"]))
    best = read_times(reads)
    shape = json.loads(reads.last.stdout)["shape"]
    lines = [
        *import_lines(series, rows, IMPORT_TARGET_S),
        Line(
            label="read_administrations (in process)",
            median=statistics.median(best),
            low=min(best),
            high=max(best),
            rows_per_s=shape[0] / statistics.median(best),
            peak_mb=reads.peak_mb,
            target=f"< {READ_TARGET_S:g} s",
            passed=statistics.median(best) < READ_TARGET_S,
        ),
        memory_line("  read process peak memory", reads.peak_mb),
        Line(
            label="read process (whole, 6 reads)",
            median=reads.median,
            low=reads.low,
            high=reads.high,
            peak_mb=reads.peak_mb,
        ),
    ]
    notes = [
        f"input: {written.get('store_source', '?')}; setup (untimed): iop db upgrade"
        + (", iop import clinicians.csv episodes.csv" if "episodes.csv" in written else ""),
        f"iop import says: {import_summary(imported)}",
        "iop import is the whole process: reading, checking, writing, and the program's "
        "expected ranges recomputed after its result (the file adds answers of closed "
        "episodes); the floor writes the rows the import stored (a Parquet file of them, "
        "read with polars) with bare sqlite3 executemany into the same template, one "
        "transaction",
        f"read: best of 5 timed reads after a warm-up, in one process; frame {shape[0]:,} x "
        f"{shape[1]}",
    ]
    if large is not None:
        large_rows, large_series = large
        lines += import_lines(large_series, large_rows, LARGE_TARGET_S)
        notes.append(f"iop import ({large_rows:,}) says: {import_summary(large_series[IMPORT])}")
    facts = {
        "rows": rows,
        "inputs": written,
        "import_times": imported.times,
        "floor_times": series[FLOOR].times,
        "large": None
        if large is None
        else {
            "rows": large[0],
            "import_times": large[1][IMPORT].times,
            "floor_times": large[1][FLOOR].times,
            "peak_mb": {IMPORT: large[1][IMPORT].peak_mb, FLOOR: large[1][FLOOR].peak_mb},
        },
        "read_times_best_of_5": best,
        "read_process_times": reads.times,
        "peak_mb": {
            IMPORT: imported.peak_mb,
            FLOOR: series[FLOOR].peak_mb,
            READ: reads.peak_mb,
        },
        "frame_shape": shape,
    }
    title = (
        f"store: import {rows:,} administrations into SQLite beside its floor and read them "
        "back (issues 3, 13)"
    )
    return Outcome("store", title, lines, notes, facts)


def run(
    tools: Tools, folder: Path, plan: Plan, *, rows: int, seed: int, large_rows: int = 0
) -> Outcome:
    """Write the input, build the template database, time import, floor and read in turns;
    with ``large_rows``, the import and its floor again on a file of that many rows."""
    written = write_inputs(tools, folder, rows=rows, seed=seed)
    make_template(tools, folder)
    export_rows(tools, folder)
    series = run_interleaved(contenders(tools, folder), plan)
    large = None
    if large_rows:
        big = folder / "large"
        big.mkdir()
        large_written = write_inputs(tools, big, rows=large_rows, seed=seed)
        make_template(tools, big)
        export_rows(tools, big)
        large_series = run_interleaved(contenders(tools, big)[:2], plan)
        large = (int(str(large_written["administrations.csv"])), large_series)
    return outcome(series, written=written, large=large)
