"""Deterministic benchmark inputs, written by a child process: ``python -m benchmarks.inputs``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import polars as pl

from dashboard import clock

ITEMS = [f"item_{i}" for i in range(1, 10)]
#: Weekly administrations per client in the PHQ-9 file.
WEEKS = 10
#: The newest administration date of the PHQ-9 file (yesterday if the clock is earlier).
LAST_DAY = dt.date(2026, 6, 28)
#: Days between the oldest possible first administration and ``LAST_DAY``.
SPAN_DAYS = 730
#: Share of rows of the realistic file with one item left blank, and with a bad value.
MISSING_SHARE = 0.01
BAD_SHARE = 0.001
#: Clients of the synthetic cohort for the store file: a little over 100,000 administrations.
STORE_CLIENTS = 1_300


def last_day(today: dt.date | None = None) -> dt.date:
    """The newest date of the clean file: ``LAST_DAY``, or yesterday if that is earlier."""
    return min(LAST_DAY, (today or clock.today()) - dt.timedelta(days=1))


def phq9_frame(rows: int, seed: int) -> pl.DataFrame:
    """``rows`` clean PHQ-9 administrations: weekly, 10 per client, unique client/date pairs."""
    if rows < 1:
        msg = f"rows must be at least 1, not {rows}"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    clients = -(-rows // WEEKS)
    client = np.repeat(np.arange(clients), WEEKS)[:rows]
    week = np.tile(np.arange(WEEKS), clients)[:rows]
    start = rng.integers(0, SPAN_DAYS - 7 * WEEKS, size=clients)[client]
    severity = rng.beta(1.5, 2.5, size=clients)[client]
    chance = np.clip(severity - 0.03 * week, 0.0, 1.0)
    answers = rng.binomial(3, chance[:, None], size=(rows, len(ITEMS)))
    first = last_day() - dt.timedelta(days=SPAN_DAYS)
    return pl.DataFrame(
        {
            "client_id": client,
            "measure": pl.repeat("phq9", rows, eager=True),
            "administered_on": start + 7 * week,
            **{name: answers[:, i] for i, name in enumerate(ITEMS)},
        },
        schema_overrides=dict.fromkeys(ITEMS, pl.Int64),
    ).with_columns(
        ("P" + pl.col("client_id").cast(pl.String).str.zfill(6)).alias("client_id"),
        (pl.lit(first) + pl.duration(days=pl.col("administered_on"))).alias("administered_on"),
    )


def realistic(frame: pl.DataFrame, seed: int, today: dt.date | None = None) -> pl.DataFrame:
    """``frame`` with ~1% of rows missing one item, ~0.1% out of range or dated in the future."""
    rng = np.random.default_rng(seed + 1)
    rows = frame.height
    chosen = rng.permutation(rows)
    missing = chosen[: round(rows * MISSING_SHARE)]
    bad = chosen[len(missing) : len(missing) + round(rows * BAD_SHARE)]
    out_of_range, future = bad[::2], bad[1::2]
    blank_item = rng.integers(0, len(ITEMS), size=len(missing))
    bad_item = rng.integers(0, len(ITEMS), size=len(out_of_range))
    columns = {}
    for i, name in enumerate(ITEMS):
        values = frame[name].to_numpy().astype(np.float64)
        values[missing[blank_item == i]] = np.nan
        values[out_of_range[bad_item == i]] = 7
        columns[name] = pl.Series(name, values, nan_to_null=True).cast(pl.Int64)
    dates = frame["administered_on"].to_numpy().copy()
    dates[future] = np.datetime64((today or clock.today()) + dt.timedelta(days=30), "D")
    return frame.with_columns(pl.Series("administered_on", dates, pl.Date), *columns.values())


def store_frames(rows: int, seed: int, scratch: Path) -> tuple[dict[str, pl.DataFrame], str]:
    """About ``rows`` administrations across instruments (and the files to import first).

    The synthetic cohort generator (``dashboard.synthetic``, as ``iop fixtures``
    writes it into ``scratch``) is used when it is there, with its clinicians and
    episodes; otherwise the first ``rows`` rows of the clean PHQ-9 file alone.
    """
    try:
        from dashboard.synthetic import generate, write_fixtures

        clients = max(1, round(STORE_CLIENTS * rows / 100_000))
        write_fixtures(generate(clients=clients, seed=seed, as_of=clock.today()), scratch)
        frames = {
            name: pl.read_csv(scratch / name, infer_schema=False)
            for name in ("clinicians.csv", "episodes.csv", "administrations.csv")
        }
    except Exception as exc:  # a generator missing or changing under us: fall back
        source = f"PHQ-9 only (synthetic generator unusable: {type(exc).__name__}: {exc})"
        return {"administrations.csv": phq9_frame(rows, seed)}, source
    frames["administrations.csv"] = frames["administrations.csv"].head(rows)
    measures = frames["administrations.csv"]["measure"].n_unique()
    return frames, f"synthetic cohort (iop fixtures): {clients:,} clients, {measures} instruments"


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """Write ``frame`` as the wide CSV the importers read (blank = missing)."""
    frame.write_csv(path, line_terminator="\n", date_format="%Y-%m-%d")


def main(argv: list[str] | None = None) -> int:
    """Write the asked input files; print what was written as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inputs", description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the PHQ-9 files")
    parser.add_argument("--store-rows", type=int, default=0, help="rows of the store file")
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, object] = {}
    if args.rows:
        clean = phq9_frame(args.rows, args.seed)
        write_csv(clean, args.folder / "phq9_clean.csv")
        write_csv(realistic(clean, args.seed), args.folder / "phq9_realistic.csv")
        written |= {"phq9_clean.csv": clean.height, "phq9_realistic.csv": clean.height}
    if args.store_rows:
        scratch = args.folder / "fixtures"
        frames, source = store_frames(args.store_rows, args.seed, scratch)
        shutil.rmtree(scratch, ignore_errors=True)
        for name, frame in frames.items():
            write_csv(frame, args.folder / name)
            written[name] = frame.height
        written["store_source"] = source
    print(json.dumps(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
