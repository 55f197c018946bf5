"""``python -m benchmarks.id_lists``: a read given a long list of episode ids, beside its floor.

Issue 13 item 2: the read used to rebuild every bound parameter once per parameter
(quadratic: 10k/20k/40k/80k ids took 0.27/1.09/4.45/21.5 s) and PostgreSQL refuses
more than 65,535 parameters in one statement. Timed here, in one process, on a fresh
migrated database (the rows read do not matter, the parameters do):

- ``episode_administrations``: the access read the cohorts and the expected ranges use;
- the floor: the driver's own ``execute`` of ``SELECT ... WHERE episode_id IN (?, ...)``
  with the same ids (one statement on SQLite; PostgreSQL cannot take more than 65,535).

Run it with the code of another checkout by putting that checkout first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from dashboard.access import episode_administrations
from dashboard.store import schema
from dashboard.store.engine import make_engine, read
from measures import load_catalog

SIZES = (10_000, 20_000, 40_000, 80_000)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.id_lists",
        description="Time a read of administrations given N episode ids, beside the driver's "
        "own execute of the same IN list (the floor).",
    )
    parser.add_argument(
        "--db", help="database URL (default: a fresh SQLite file in a temporary folder)"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(SIZES), help="numbers of ids to time"
    )
    return parser.parse_args(argv)


def time_read(engine: sa.Engine, ids: list[int]) -> float:
    """Seconds for ``episode_administrations`` of ``ids``."""
    catalog = load_catalog()
    with read(engine) as connection:
        start = time.perf_counter()
        episode_administrations(connection, catalog, episode_pks=ids)
        return time.perf_counter() - start


def time_floor(engine: sa.Engine, ids: list[int]) -> float | None:
    """Seconds for the driver's own execute of one IN list; None where it cannot take it."""
    if engine.dialect.name != "sqlite" and len(ids) > 65_535:
        return None
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    sql = f"SELECT id FROM administrations WHERE episode_id IN ({','.join([mark] * len(ids))})"
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        start = time.perf_counter()
        cursor.execute(sql, ids)
        cursor.fetchall()
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    """Print one line per size: the read, the floor, their ratio."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="iop-ids-") as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'ids.db'}"
        engine = make_engine(url)
        if args.db is None:
            schema.upgrade(engine)
        time_read(engine, [1])  # warm-up: imports, first compilation
        print(f"{'ids':>8}  {'read s':>8}  {'floor s':>8}  ratio")
        for size in args.sizes:
            ids = list(range(1, size + 1))
            spent, floor = time_read(engine, ids), time_floor(engine, ids)
            shown = "-" if floor is None else f"{floor:8.3f}"
            ratio = "-" if floor is None else f"{spent / max(floor, 1e-6):.1f}x"
            print(f"{size:>8,}  {spent:8.3f}  {shown:>8}  {ratio}")
        engine.dispose()


if __name__ == "__main__":
    main()
