"""Contender: the weekly review page in AppTest (cold, then warm runs), or its agenda uncached."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import tempfile
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

    from dashboard.app.preload import preload

    preload()  # as the server does when it starts
    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S)
    at.session_state[SESSION_KEY] = signed_in(url)
    preloaded = sorted(name for name in PACKAGES if name in sys.modules)
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    spawn_to_page = since_spawn()
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
        "spawn_to_page": spawn_to_page,
        "clients": clients_stated(at),
        "warm": times,
        "table_rows": tables[0] if tables else None,
        "title": at.title[0].value if at.title else None,
        "problems": shown,
        "preloaded": preloaded,
    }


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def since_spawn() -> float:
    """Seconds since this process was started (Linux: its start time in clock ticks)."""
    ticks = os.sysconf("SC_CLK_TCK")
    started = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19]) / ticks
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - started


def client_account(engine: Any) -> Any:
    """A client account of an active client of the clinician's caseload (made once)."""
    from dashboard import access
    from dashboard.auth.accounts import create_user, viewer_by_username
    from dashboard.auth.viewer import Role, operator_viewer
    from dashboard.store.engine import read

    with read(engine) as connection:
        found = viewer_by_username(connection, "bench_client")
        if found is not None:
            return found
        episodes = access.episodes(
            connection, viewer(engine), active_on=clock.today(), caseload=True
        )
    code = episodes["client_id"][episodes.height // 2]
    create_user(
        engine,
        operator_viewer("benchmark"),
        username="bench_client",
        role=Role.CLIENT,
        password=None,
        client_code=code,
    )
    with read(engine) as connection:
        return viewer_by_username(connection, "bench_client")


def writes(url: str, checkins: int, imports: int, warm: int, program: str) -> dict[str, Any]:
    """The page after writes: ``warm`` runs with nothing changed (the floor), then a run
    after each of ``checkins`` check-ins and of ``imports`` one-row imports, with the
    process's memory after each (on a copy of the database: it is changed)."""
    from streamlit.testing.v1 import AppTest

    from dashboard.auth.viewer import operator_viewer
    from dashboard.checkin.submit import submit_checkin
    from dashboard.imports import import_files
    from dashboard.program_settings import APP_SECTIONS
    from dashboard.store.engine import make_engine
    from measures import load_catalog
    from measures.program import ProgramConfig

    at = AppTest.from_file(str(MAIN), default_timeout=TIMEOUT_S)
    at.session_state[SESSION_KEY] = signed_in(url)
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    shown = problems(at)

    def timed() -> float:
        begin = time.perf_counter()
        at.run()
        shown.extend(problems(at))
        return time.perf_counter() - begin

    floor = [timed() for _ in range(warm)]
    engine = make_engine(url)
    catalog = load_catalog()
    config = ProgramConfig.from_toml(program, catalog=catalog, other_sections=APP_SECTIONS)
    client = client_account(engine)
    after_checkin, memory = [], []
    for number in range(checkins):
        saved = submit_checkin(
            engine,
            client,
            answers={
                "mood_nrs": {"item_1": number % 11},
                "phq9": {f"item_{n}": (number + n) % 3 if n < 9 else 0 for n in range(1, 10)},
            },
            triggers=[],
            coping=[],
            reflection="",
            catalog=catalog,
        )
        if not saved.saved:
            shown.append(f"check-in not saved: {'; '.join(saved.errors)}")
        after_checkin.append(timed())
        memory.append(rss_mb())
    after_import, import_s = [], []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(imports):
            path = Path(folder) / f"one-row-{number}.csv"
            day = clock.today() - dt.timedelta(days=number + 1)
            items = ",".join(str((number + n) % 3) for n in range(1, 10))
            path.write_text(
                "client_id,measure,administered_on,"
                + ",".join(f"item_{n}" for n in range(1, 10))
                + f"\n{code_of(engine, client)},phq9,{day},{items}\n"
            )
            begin = time.perf_counter()
            import_files(
                engine, [path], viewer=operator_viewer("benchmark"), catalog=catalog, program=config
            )
            import_s.append(time.perf_counter() - begin)
            after_import.append(timed())
    engine.dispose()
    tables = [len(frame.value) for frame in at.dataframe]
    return {
        "cold": cold,
        "floor": floor,
        "after_checkin": after_checkin,
        "memory_mb": memory,
        "after_import": after_import,
        "import_s": import_s,
        "table_rows": tables[0] if tables else None,
        "clients": clients_stated(at),
        "problems": shown,
    }


def clients_stated(at: Any) -> int | None:
    """The number of clients the page says its agenda has ("... 5,122 clients, most urgent
    first"); the list shows them a page at a time."""
    for caption in at.caption:
        found = re.search(r"([\d,]+) clients, most urgent first", caption.value)
        if found:
            return int(found.group(1).replace(",", ""))
    return None


def code_of(engine: Any, client: Any) -> str:
    """The client id of a client account."""
    from dashboard.access import own_client_code
    from dashboard.store.engine import read

    with read(engine) as connection:
        code = own_client_code(connection, client)
    assert code is not None
    return code


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
    parser.add_argument("mode", choices=("page", "agenda", "writes"))
    parser.add_argument("--repeats", type=int, default=5, help="warm runs, or timed builds")
    parser.add_argument("--checkins", type=int, default=8, help="writes: check-ins")
    parser.add_argument("--imports", type=int, default=2, help="writes: one-row imports")
    args = parser.parse_args(argv)
    url = os.environ["IOP_DATABASE_URL"]
    if args.mode == "page":
        measured = page(url, args.repeats)
    elif args.mode == "writes":
        program = os.environ["IOP_PROGRAM_CONFIG"]
        measured = writes(url, args.checkins, args.imports, args.repeats, program)
    else:
        measured = agenda(url, args.repeats, os.environ["IOP_PROGRAM_CONFIG"])
    print(json.dumps(measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
