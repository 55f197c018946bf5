"""The weekly review agenda's parts, timed in one process: readiness, not-on-track, the whole.

Run on the review benchmark's cached database (built once a day, see ``review_db.py``):

    .venv/bin/python -m benchmarks.agenda_parts --active 5000

It builds the agenda once with ``build_agenda`` as the page does, keeping the arguments
``assess_caseload`` and ``not_on_track`` were called with, then times each of them again
on those arguments, and ``build_agenda`` whole, ``--repeats`` times (best and median).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.review_page import CACHE, PROGRAM
from dashboard import clock


def timed(call: Callable[[], object], repeats: int) -> dict[str, float]:
    """Best and median seconds of ``repeats`` calls (after one untimed call), wall and CPU.

    CPU seconds count every thread of the process (polars runs on several), so they
    read better than wall time on a machine other work keeps busy.
    """
    call()
    walls, cpus = [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return {
        "best": min(walls),
        "median": statistics.median(walls),
        "cpu_best": min(cpus),
        "cpu_median": statistics.median(cpus),
    }


def measure(url: str, repeats: int) -> dict[str, Any]:
    """Time ``assess_caseload``, ``not_on_track`` and ``build_agenda`` on the database ``url``."""
    from benchmarks.contenders.weekly_review import viewer
    from dashboard.program_settings import APP_SECTIONS
    from dashboard.review import agenda as agenda_module
    from dashboard.review.reference import program_reference
    from dashboard.store.engine import make_engine, read
    from measures import load_catalog
    from measures.program import ProgramConfig

    engine = make_engine(url)
    catalog = load_catalog()
    config = ProgramConfig.from_toml(PROGRAM, catalog=catalog, other_sections=APP_SECTIONS)
    who = viewer(engine)
    with read(engine) as connection:
        reference = program_reference(connection, catalog, config.expected_response)
    calls: dict[str, tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = {}

    def recorded(name: str) -> Callable[..., Any]:
        real = getattr(agenda_module, name)

        def record(*args: Any, **kwargs: Any) -> Any:
            calls[name] = (real, args, kwargs)
            return real(*args, **kwargs)

        return record

    originals = {name: getattr(agenda_module, name) for name in ("assess_caseload", "not_on_track")}
    for name in originals:
        setattr(agenda_module, name, recorded(name))

    def build() -> Any:
        with read(engine) as connection:
            return agenda_module.build_agenda(
                connection,
                who,
                catalog=catalog,
                program=config,
                reference=reference,
                as_of=clock.today(),
            )

    try:
        rows = build().rows.height
    finally:
        for name, real in originals.items():
            setattr(agenda_module, name, real)
    results: dict[str, Any] = {"active_rows": rows}
    for name, (real, args, kwargs) in calls.items():
        results[name] = timed(lambda real=real, a=args, k=kwargs: real(*a, **k), repeats)
    results["build_agenda"] = timed(build, repeats)
    engine.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    """Print the times as JSON."""
    from benchmarks.review_db import cached
    from dashboard.config import sqlite_url

    parser = argparse.ArgumentParser(prog="python -m benchmarks.agenda_parts", description=__doc__)
    parser.add_argument("--active", type=int, default=5000, help="active clients wanted")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--repeats", type=int, default=5, help="timed calls of each part")
    parser.add_argument("--cache", type=Path, default=CACHE, help="folder of the databases")
    args = parser.parse_args(argv)
    facts = cached(args.cache, active=args.active, seed=args.seed, as_of=clock.today())
    measured = measure(sqlite_url(Path(facts["path"])), args.repeats)
    print(json.dumps({"active_clients": facts["active_clients"], **measured}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
