"""Contender: the directors' program overview in a fresh process, cold or right after a write,
and its floor (a bare polars aggregation of the episode-outcomes table) in the same run.

``cold``: the first overview of a new process (nothing cached; what a server imports as
it starts imported first, :mod:`dashboard.app.preload`): drain the outcome queue
(empty), read the stored outcomes and scores in the director's scope, build the release the
overview shares with the Cohorts page and one per score (the suppression engine
included), as ``dashboard/app/cache.py`` does on a cache miss; then, from that, the Cohorts
page's comparison of four cohorts (the three largest tracks and the whole program, in
the last year), timed apart.
``write``: a one-row import (a PHQ-9 of a discharged episode, through ``import_files``;
not timed) first, then the same: the drain now computes that episode again.
Then the floor: the same rows read with the bare driver into polars and counted by
quarter, site and track (no privacy). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

#: The booleans the overview counts.
FLAGS = (
    "case_at_start",
    "recovered",
    "reliable_improvement",
    "reliable_deterioration",
    "reliable_recovery",
    "index_elevated",
    "response",
    "remission",
)


#: The seconds of each four-cohort comparison :func:`overview` ran, in order.
LAST_COMPARE_S: list[float] = []


def overview(engine: Any, catalog: Any, program: Any, until: dt.date) -> tuple[float, float, int]:
    """Seconds (wall, then CPU) of one uncached overview as the app computes it, and the
    episodes counted (the four-cohort comparison drawn from it: :data:`LAST_COMPARE_S`)."""
    from benchmarks.overview_db import PROGRAM, USERNAME
    from dashboard.auth.accounts import viewer_by_username
    from dashboard.cohorts.cohort_figures import compare
    from dashboard.cohorts.cohort_release import read_cohort_data
    from dashboard.cohorts.definition import Cohort
    from dashboard.cohorts.overview import overview_of
    from dashboard.privacy.periods import Granularity
    from dashboard.program_settings import AppSettings
    from dashboard.review.outcome_queue import refresh
    from dashboard.store.engine import read

    with read(engine) as connection:
        viewer = viewer_by_username(connection, USERNAME)
    assert viewer is not None
    threshold = AppSettings.from_toml(PROGRAM).small_cell
    start, cpu = time.perf_counter(), time.process_time()
    refresh(engine, catalog, program)
    with read(engine) as connection:
        data = read_cohort_data(connection, viewer, catalog, until=until, threshold=threshold)
    overview_of(data.release, catalog, until=until)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    year = max(data.release.values("period", "year"))
    by_size = data.rows.filter(pl.col("discharged_on").dt.year() == int(year))["track"]
    names = {name: code for code, name in data.track_names.items()}
    largest = [names[t] for t in by_size.value_counts(sort=True)["track"].head(3).to_list()]
    cohorts = [Cohort(name="all", granularity=Granularity.YEAR, block=year)] + [
        Cohort(name=c, granularity=Granularity.YEAR, block=year, categories={"track": (c,)})
        for c in largest
    ]
    started = time.perf_counter()
    compare(data, cohorts, catalog, minimum=threshold)
    LAST_COMPARE_S.append(time.perf_counter() - started)
    return seconds, cpu_seconds, data.rows.height


def floor(url: str, until: dt.date) -> tuple[float, float, int]:
    """Seconds (wall, then CPU) of the bare floor: the stored outcomes through the bare
    driver (sqlite3, or psycopg) into polars, counted by quarter, site and track; and the
    episodes counted."""
    import polars as pl

    flags = ", ".join(f"o.{f}" for f in FLAGS)
    sql = (
        "SELECT o.discharged_on, s.name, t.name, o.discharge_reason, o.length_days, "
        f"{flags} FROM episode_outcomes o JOIN sites s ON s.id = o.site_id "
        "JOIN tracks t ON t.id = o.track_id "
        "WHERE o.discharged_on IS NOT NULL AND o.discharged_on <= ?"
    )
    names = ["discharged_on", "site", "track", "reason", "length_days", *FLAGS]
    start, cpu = time.perf_counter(), time.process_time()
    rows = _fetch(url, sql, until)
    frame = pl.DataFrame(rows, schema=names, orient="row").with_columns(
        pl.col("discharged_on").cast(pl.String).str.to_date(),
        *(pl.col(f).cast(pl.Boolean) for f in FLAGS),
    )
    counted = frame.group_by(
        pl.col("discharged_on").dt.truncate("1q").alias("quarter"), "site", "track"
    ).agg(
        pl.len().alias("episodes"),
        (pl.col("length_days") / 7).mean().alias("length_weeks"),
        *(pl.col(f).sum().alias(f) for f in FLAGS),
        *(pl.col(f).count().alias(f"{f}_of") for f in FLAGS),
    )
    assert counted.height > 0
    return time.perf_counter() - start, time.process_time() - cpu, frame.height


def _fetch(url: str, sql: str, until: dt.date) -> list[tuple[Any, ...]]:
    """Every row of ``sql`` (its ``?``: ``until``) through the bare driver of ``url``."""
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return connection.execute(sql, (until.isoformat(),)).fetchall()
        finally:
            connection.close()
    import psycopg

    from benchmarks.pg import plain

    with psycopg.connect(plain(url)) as server:
        return server.execute(sql.replace("?", "%s"), (until,)).fetchall()


def one_row_import(engine: Any, catalog: Any, program: Any, folder: Path) -> None:
    """A PHQ-9 for the last discharged episode, imported as an upload would be."""
    import sqlalchemy as sa

    from dashboard.auth.viewer import operator_viewer
    from dashboard.imports import import_files
    from dashboard.store import tables as t
    from dashboard.store.engine import read

    e = t.episodes.c
    with read(engine) as connection:
        code, admitted = connection.execute(
            sa.select(t.clients.c.code, e.admitted_on)
            .join(t.clients, t.clients.c.id == e.client_id)
            .where(e.discharged_on.is_not(None))
            .order_by(e.id.desc())
            .limit(1)
        ).one()
    items = ",".join(f"item_{n}" for n in range(1, 10))
    path = folder / "one-row.csv"
    path.write_text(
        f"client_id,measure,administered_on,{items}\n{code},phq9,{admitted},1,2,1,2,1,2,1,2,0\n",
        encoding="utf-8",
    )
    result = import_files(
        engine, [path], viewer=operator_viewer("benchmark"), catalog=catalog, program=program
    )
    if result.unusable:
        raise RuntimeError("; ".join(s.message for s in result.unusable))


def main(argv: list[str] | None = None) -> int:
    """Time the overview (cold or after a write) and its floor; print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("cold", "write"))
    args = parser.parse_args(argv)
    url = os.environ["IOP_DATABASE_URL"]

    from benchmarks.overview_db import rules
    from dashboard import clock
    from dashboard.app.preload import LATER, preload
    from dashboard.store.engine import make_engine

    preload()  # as a server does before it serves,
    preload(LATER)  # and on a thread seconds after it starts (dashboard/app/preload.py)
    until = clock.today()
    engine = make_engine(url)
    catalog, program = rules()
    if args.mode == "write":
        with tempfile.TemporaryDirectory(prefix="iop-overview-") as folder:
            one_row_import(engine, catalog, program, Path(folder))
    seconds, cpu, episodes = overview(engine, catalog, program, until)
    compare_s = LAST_COMPARE_S[-1]
    floor_s, floor_cpu, floor_rows = floor(url, until)
    if floor_rows != episodes:
        msg = f"the floor read {floor_rows} episodes, the overview {episodes}"
        raise RuntimeError(msg)
    engine.dispose()
    printed = {
        "overview_s": seconds,
        "floor_s": floor_s,
        "overview_cpu_s": cpu,
        "floor_cpu_s": floor_cpu,
        "episodes": episodes,
        "compare_s": compare_s,
    }
    print(json.dumps(printed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
