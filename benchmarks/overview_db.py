"""Program overview inputs: a synthetic program of N episodes in SQLite, its episode outcomes
computed, cached per day and size (built once: the 100,000-episode one takes minutes).

The cohort is the generator's (``dashboard.synthetic``) bulk-loaded as ``review_db`` loads
it, with the administrations of the overview's measures and the substance-use ones
(:data:`INSTRUMENTS`: about 20 per episode, as the issue's 100,000 episodes with 2.03M
administrations), and a director of every site. The queue the load filled is then drained
once (every episode's outcomes computed and stored): its time is one of the facts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.review_db import LOADER_VERSION, RECORDED_BY, load, remove
from dashboard import clock

#: Instruments whose administrations are loaded (the ORS comes with any choice).
INSTRUMENTS = ("phq9", "gad7", "pacs", "bam_r")
#: The account the overview runs as: a director of every site.
USERNAME = "director"
PREFIX = "overview-"
PROGRAM = Path(__file__).resolve().parents[1] / "data" / "fixtures" / "demo_program.toml"


def count_episodes(clients: int, *, seed: int, as_of: dt.date) -> int:
    """Episodes (active and discharged) in a cohort of ``clients`` (no responses generated)."""
    from dashboard.synthetic.cohort import build_cohort

    return len(build_cohort(clients=clients, seed=seed, as_of=as_of).episodes.client)


def clients_for(episodes: int, *, seed: int, as_of: dt.date, tries: int = 5) -> int:
    """The client count whose cohort has closest to ``episodes`` episodes."""
    clients = max(8, round(episodes / 1.08))
    best: tuple[int, int] | None = None
    for _ in range(tries):
        found = count_episodes(clients, seed=seed, as_of=as_of)
        if best is None or abs(found - episodes) < abs(best[1] - episodes):
            best = (clients, found)
        if found == episodes or found == 0:
            break
        clients = max(8, round(clients * episodes / found))
    assert best is not None
    return best[0]


def rules() -> tuple[Any, Any]:
    """The catalog and program settings the app runs with in the benchmark (the stored
    outcomes' rules: the contender must use the same, or every episode is queued again)."""
    from dashboard.program_settings import APP_SECTIONS
    from measures import load_catalog
    from measures.program import ProgramConfig

    catalog = load_catalog()
    return catalog, ProgramConfig.from_toml(PROGRAM, catalog=catalog, other_sections=APP_SECTIONS)


def add_director(engine: sa.Engine) -> None:
    """The benchmark's director account: every site."""
    from dashboard.auth.accounts import create_user
    from dashboard.auth.viewer import Role, operator_viewer
    from dashboard.store import tables as t
    from dashboard.store.engine import read

    with read(engine) as connection:
        names = list(connection.execute(sa.select(t.sites.c.name).order_by(t.sites.c.id)).scalars())
    create_user(
        engine,
        operator_viewer(RECORDED_BY),
        username=USERNAME,
        role=Role.DIRECTOR,
        password=None,
        display_name="Benchmark Director",
        sites=names,
    )


def build(path: Path, *, clients: int, seed: int, as_of: dt.date) -> dict[str, Any]:
    """Generate the cohort, bulk-load it into a fresh migrated SQLite file at ``path`` and
    compute every episode's outcomes."""
    from dashboard.config import sqlite_url
    from dashboard.review.outcome_queue import BULK_CHUNK, refresh
    from dashboard.store.engine import make_engine
    from dashboard.store.schema import upgrade
    from dashboard.synthetic import generate

    remove(path)
    start = time.perf_counter()
    data = generate(clients=clients, seed=seed, as_of=as_of, instruments=list(INSTRUMENTS))
    generated = time.perf_counter()
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    rows = load(engine, data)
    add_director(engine)
    loaded = time.perf_counter()
    catalog, program = rules()
    drained = refresh(engine, catalog, program, chunk=BULK_CHUNK)
    finished = time.perf_counter()
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    if drained != rows["episodes"]:
        msg = f"{drained} episodes' outcomes computed, {rows['episodes']} loaded"
        raise RuntimeError(msg)
    return {
        "clients": clients,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "episodes": rows["episodes"],
        "discharged": data.episodes["discharged_on"].is_not_null().sum(),
        "rows": rows,
        "generate_s": round(generated - start, 2),
        "load_s": round(loaded - generated, 2),
        "outcomes_s": round(finished - loaded, 2),
        "megabytes": round(path.stat().st_size / 1e6, 1),
    }


def cache_key(*, clients: int, seed: int, as_of: dt.date) -> str:
    """A name that changes with anything that would change the database."""
    from dashboard.review.outcome_queue import rules_fingerprint
    from dashboard.store.schema import head_revision
    from dashboard.synthetic import GENERATOR_VERSION

    parts = (
        clients,
        seed,
        as_of,
        GENERATOR_VERSION,
        head_revision(),
        LOADER_VERSION,
        # the stored outcomes' rules: a database drained under other rules would have its
        # every episode computed again by the timed run
        rules_fingerprint(*rules())[:10],
    )
    return PREFIX + "-".join(map(str, parts))


def prune(cache: Path, as_of: dt.date) -> list[str]:
    """Delete cached overview databases of other days: they can never be reused."""
    removed = []
    for facts in cache.glob(f"{PREFIX}*.json"):
        if f"-{as_of.isoformat()}-" not in facts.name:
            remove(facts.with_suffix(".db"))
            facts.unlink(missing_ok=True)
            removed.append(facts.stem)
    return removed


def cached(cache: Path, *, episodes: int, seed: int, as_of: dt.date) -> dict[str, Any]:
    """The database of about ``episodes`` episodes on ``as_of``: reused from ``cache`` or
    built."""
    cache.mkdir(parents=True, exist_ok=True)
    prune(cache, as_of)
    clients = clients_for(episodes, seed=seed, as_of=as_of)
    key = cache_key(clients=clients, seed=seed, as_of=as_of)
    path, facts_path = cache / f"{key}.db", cache / f"{key}.json"
    if facts_path.exists() and path.exists():
        facts: dict[str, Any] = json.loads(facts_path.read_text(encoding="utf-8"))
        return facts | {"path": str(path), "reused": True}
    partial = cache / f"{key}.partial-{os.getpid()}.db"
    try:
        facts = build(partial, clients=clients, seed=seed, as_of=as_of) | {"target": episodes}
        remove(path)
        shutil.move(partial, path)
    finally:
        remove(partial)
    facts_path.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    return facts | {"path": str(path), "reused": False}


def main(argv: list[str] | None = None) -> int:
    """Print the facts of the asked database (built unless cached) as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overview_db", description=__doc__)
    parser.add_argument("cache", type=Path, help="folder of the cached databases")
    parser.add_argument("--episodes", type=int, required=True, help="episodes wanted")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=clock.today())
    args = parser.parse_args(argv)
    print(json.dumps(cached(args.cache, episodes=args.episodes, seed=args.seed, as_of=args.as_of)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
