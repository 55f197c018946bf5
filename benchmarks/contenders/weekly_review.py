"""Contender: the weekly review page in AppTest (cold, then warm runs), or its agenda uncached."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from dashboard import clock

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "dashboard" / "app" / "main.py"
USERNAME = "clinician"
#: dashboard.app.session.SESSION_TOKEN, not imported: the cold run times the app's imports
SESSION_KEY = "session_token"
#: Seconds AppTest waits for one run before failing it.
TIMEOUT_S = 600.0
#: Packages whose import the cold run may or may not include (reported, not timed apart).
PACKAGES = (
    "streamlit",
    "sqlalchemy",
    "polars",
    "pandas",
    "pyarrow",
    "alembic",
    "plotly",
    "measures",
)


def viewer(engine: Any) -> Any:
    """The benchmark clinician as after signing in."""
    from dashboard.auth.accounts import viewer_by_username
    from dashboard.store.engine import read

    with read(engine) as connection:
        found = viewer_by_username(connection, USERNAME)
    if found is None:
        msg = f"no active account named {USERNAME!r}"
        raise LookupError(msg)
    return found


def signed_in(url: str) -> str:
    """A session token of the clinician, through a short-lived engine (the app opens its own)."""
    from dashboard.auth.sessions import start_session
    from dashboard.store.engine import make_engine

    engine = make_engine(url)
    try:
        return start_session(engine, viewer(engine))
    finally:
        engine.dispose()


def problems(at: Any) -> list[str]:
    """Exceptions and errors the page showed."""
    shown = [f"exception: {e.value}" for e in at.exception]
    return shown + [f"error: {e.value}" for e in at.error]


def page(url: str, warm: int) -> dict[str, Any]:
    """Time the first run of the page (cold) and ``warm`` further runs (cached agenda)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S)
    at.session_state[SESSION_KEY] = signed_in(url)
    preloaded = sorted(name for name in PACKAGES if name in sys.modules)
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    shown = problems(at)
    times = []
    for _ in range(warm if not shown else 0):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        shown += problems(at)
    tables = [len(frame.value) for frame in at.dataframe]
    return {
        "cold": cold,
        "warm": times,
        "table_rows": tables[0] if tables else None,
        "title": at.title[0].value if at.title else None,
        "problems": shown,
        "preloaded": preloaded,
    }


def agenda(url: str, repeats: int, program: str) -> dict[str, Any]:
    """Time the uncached pieces: program reference, data version and ``build_agenda``."""
    from dashboard.access import data_version
    from dashboard.program_settings import APP_SECTIONS
    from dashboard.review.agenda import build_agenda
    from dashboard.review.reference import program_reference
    from dashboard.store.engine import make_engine, read
    from measures import load_catalog
    from measures.program import ProgramConfig

    engine = make_engine(url)
    catalog = load_catalog()
    config = ProgramConfig.from_toml(program, catalog=catalog, other_sections=APP_SECTIONS)
    who = viewer(engine)
    start = time.perf_counter()
    with read(engine) as connection:
        reference = program_reference(connection, catalog, config.expected_response)
    reference_s = time.perf_counter() - start
    versions = []
    for _ in range(repeats):
        start = time.perf_counter()
        with read(engine) as connection:
            data_version(connection)
        versions.append(time.perf_counter() - start)
    times, rows = [], 0
    for _ in range(repeats + 1):
        start = time.perf_counter()
        with read(engine) as connection:
            built = build_agenda(
                connection,
                who,
                catalog=catalog,
                program=config,
                reference=reference,
                as_of=clock.today(),
            )
        times.append(time.perf_counter() - start)
        rows = built.rows.height
    engine.dispose()
    return {
        "reference": reference_s,
        "data_version": statistics.median(versions),
        "first": times[0],
        "times": times[1:],
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    """Print what was measured as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("page", "agenda"))
    parser.add_argument("--repeats", type=int, default=5, help="warm runs, or timed builds")
    args = parser.parse_args(argv)
    url = os.environ["IOP_DATABASE_URL"]
    if args.mode == "page":
        measured = page(url, args.repeats)
    else:
        measured = agenda(url, args.repeats, os.environ["IOP_PROGRAM_CONFIG"])
    print(json.dumps(measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
