"""Issue 13: ``iop import`` into PostgreSQL beside its floor (a bare ``COPY`` of the rows
it stored), at 100,000 and 1,000,000 administrations: the store benchmark's import on the
other back end.

The server is ``benchmarks.pg``'s throwaway cluster (``fsync=off``, so the import and its
floor both write without waiting for the disk). Each timed run writes into a fresh copy of
a template database holding the setup files.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.environment import Tools
from benchmarks.pg import database_url, prepared, recreate, start_server
from benchmarks.report import Line, Outcome
from benchmarks.runner import Contender, Plan, Series, run_interleaved, run_once
from benchmarks.store_io import (
    ENV,
    IMPORT,
    IMPORT_TARGET_S,
    LARGE_TARGET_S,
    SETUP_FILES,
    import_lines,
    import_summary,
    write_inputs,
)
from tests.support.postgres import LocalServer

FLOOR = "bare PostgreSQL COPY"


def databases(tools: Tools, folder: Path, server: LocalServer, tag: str) -> list[Contender]:
    """Build the template (migrated, setup files imported) and the floor's template (the
    import's rows exported, then emptied); the import and the floor as contenders."""
    template = f"template_{tag}"
    url = recreate(server, template)
    setup = [str(folder / name) for name in SETUP_FILES if (folder / name).exists()]
    steps = [[str(tools.iop), "db", "upgrade", "--db", url]]
    if setup:
        steps.append([str(tools.iop), "import", *setup, "--db", url])
    for step in steps:
        run_once(Contender("setup", step, ok_codes=(0, 3), env=ENV))
    floor_template = f"floor_template_{tag}"
    reference = recreate(server, floor_template, template)
    source = str(folder / "administrations.csv")
    stored = str(folder / "stored.parquet")
    floor_script = tools.contender("postgres_floor.py")
    for step in (
        [str(tools.iop), "import", source, "--db", reference],
        [str(tools.python), floor_script, "--export", reference, stored],
    ):
        run_once(Contender("setup", step, ok_codes=(0, 3), env=ENV))
    bench, floor = database_url(server, f"bench_{tag}"), database_url(server, f"floor_{tag}")
    return [
        Contender(
            IMPORT,
            [str(tools.iop), "import", source, "--db", bench],
            ok_codes=(0, 3),
            prepare=prepared(server, f"bench_{tag}", template),
            env=ENV,
        ),
        Contender(
            FLOOR,
            [str(tools.python), floor_script, floor, stored],
            prepare=prepared(server, f"floor_{tag}", floor_template),
            env=ENV,
        ),
    ]


def run(
    tools: Tools, folder: Path, plan: Plan, *, rows: int, seed: int, large_rows: int = 0
) -> Outcome:
    """Start a server, then time the import and its floor in turns at ``rows`` and, with
    ``large_rows``, again at that size."""
    server = start_server()
    try:
        sizes = [rows, *([large_rows] if large_rows else [])]
        lines: list[Line] = []
        notes: list[str] = []
        facts: dict[str, object] = {}
        for size in sizes:
            here = folder / f"rows-{size}"
            here.mkdir()
            written = write_inputs(tools, here, rows=size, seed=seed)
            series: dict[str, Series] = run_interleaved(
                databases(tools, here, server, str(size)), plan
            )
            stored = int(str(written["administrations.csv"]))
            target = IMPORT_TARGET_S if size == rows else LARGE_TARGET_S
            lines += import_lines(series, stored, target, floor_name=FLOOR)
            notes.append(f"iop import ({stored:,}) says: {import_summary(series[IMPORT])}")
            facts[str(size)] = {
                "import_times": series[IMPORT].times,
                "floor_times": series[FLOOR].times,
                "peak_mb": {IMPORT: series[IMPORT].peak_mb, FLOOR: series[FLOOR].peak_mb},
            }
    finally:
        server.stop()
    notes.append(
        "a throwaway local PostgreSQL cluster (fsync off); each run writes into a fresh copy "
        "of a template database holding the setup files; the floor COPYs the rows the import "
        "stored (a Parquet file of them) into a copy of that template, one transaction"
    )
    title = "store on PostgreSQL: import beside a bare COPY of the same rows (issue 13)"
    return Outcome("store-pg", title, lines, notes, facts)
