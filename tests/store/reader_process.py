"""A dashboard-like reader run as its own process: polls the store until told to stop."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from dashboard.store.engine import make_engine, read
from dashboard.store.reads import read_administrations
from measures import load_catalog


def main(url: str, stop_file: str, out_file: str) -> None:
    engine = make_engine(url)
    catalog = load_catalog()
    seen: list[int] = []
    errors: list[str] = []
    while not Path(stop_file).exists():
        try:
            with read(engine) as connection:
                frame = read_administrations(connection, catalog)
            seen.append(frame.height)
        except Exception as exc:  # any reader error fails the test
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.02)
    Path(out_file).write_text(json.dumps({"seen": seen, "errors": errors}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
