"""Contender: read every stored administration back into polars; print the best time as JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

#: Timed reads after the warm-up one; the best is reported.
REPEATS = 5


def main(database: str) -> None:
    """Time ``read_administrations`` on the SQLite file ``database``."""
    from dashboard.config import sqlite_url
    from dashboard.store.engine import make_engine, read
    from dashboard.store.reads import read_administrations
    from measures import load_catalog

    engine = make_engine(sqlite_url(Path(database)))
    catalog = load_catalog()
    times = []
    for _ in range(REPEATS + 1):
        start = time.perf_counter()
        with read(engine) as connection:
            frame = read_administrations(connection, catalog)
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": min(times[1:]), "times": times[1:], "shape": frame.shape}))


if __name__ == "__main__":
    main(sys.argv[1])
