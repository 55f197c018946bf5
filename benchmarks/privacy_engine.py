"""How long the directors' suppression engine takes on a large program (issue 14: the cohort
page under 2 s at 100,000 episodes). A quick script, not part of ``make bench``'s targets:

    .venv/bin/python -m benchmarks.privacy_engine                  # 10,000 and 100,000
    .venv/bin/python -m benchmarks.privacy_engine --episodes 100000 --sites 20

It times, best of ``--repeats`` after one warm-up: the whole release (count the cube with
polars, withhold, check), and then one table of the page drawn from it (what a widget
change costs once the release is cached).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable

import numpy as np
import polars as pl

from dashboard.cohorts.overview import build_overview, overview_table
from dashboard.privacy.periods import Granularity
from measures import load_catalog

UNTIL = dt.date(2026, 10, 31)


def synthetic_outcomes(
    episodes: int, *, sites: int, tracks: int, years: int, seed: int
) -> pl.DataFrame:
    """Discharged episodes with outcomes at plausible rates (no people, only columns).

    Examples
    --------
    >>> synthetic_outcomes(100, sites=2, tracks=3, years=1, seed=1).height
    100
    """
    rng = np.random.default_rng(seed)
    days = (UNTIL - dt.date(UNTIL.year - years + 1, 1, 1)).days
    discharged = [UNTIL - dt.timedelta(days=int(d)) for d in rng.integers(0, days + 1, episodes)]
    paired = rng.random(episodes) < 0.9
    case = paired & (rng.random(episodes) < 0.85)
    improved = paired & (rng.random(episodes) < 0.55)
    recovered = case & (rng.random(episodes) < 0.45)
    scored = rng.random(episodes) < 0.92
    elevated = scored & (rng.random(episodes) < 0.8)
    response = elevated & (rng.random(episodes) < 0.4)
    remission = response & (rng.random(episodes) < 0.6)

    def where(values: np.ndarray, mask: np.ndarray) -> list[bool | None]:
        return [bool(v) if m else None for v, m in zip(values, mask, strict=True)]

    reasons = np.array(["completed", "stepped_down", "left_early", "stepped_up", "other"])
    return pl.DataFrame(
        {
            "discharged_on": discharged,
            "site": [f"Site {i + 1:02d}" for i in rng.integers(0, sites, episodes)],
            "track_name": [f"Track {i + 1}" for i in rng.integers(0, tracks, episodes)],
            "discharge_reason": reasons[rng.choice(5, episodes, p=[0.5, 0.12, 0.28, 0.05, 0.05])],
            "length_weeks": rng.integers(1, 13, episodes).astype(float),
            "reliable_improvement": where(improved, paired),
            "case_at_start": where(case, paired),
            "recovered": where(recovered, case),
            "reliable_recovery": where(recovered & improved, case),
            "index_elevated": where(elevated, scored),
            "response": where(response, elevated),
            "remission": where(remission, elevated),
        },
        schema_overrides={"discharged_on": pl.Date},
    )


def best_of(repeats: int, run: Callable[[], object]) -> tuple[float, float]:
    """The fastest of ``repeats`` timed runs after one untimed warm-up: wall seconds and
    this process's CPU seconds (the second is steadier on a shared machine)."""
    run()
    walls, cpus = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return min(walls), min(cpus)


def main(argv: list[str] | None = None) -> None:
    """Time the engine at each size and print one line per size."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.privacy_engine",
        description="Time the directors' suppression engine on synthetic episodes.",
    )
    parser.add_argument("--episodes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--tracks", type=int, default=5)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args(argv)
    catalog = load_catalog()
    for size in args.episodes:
        outcomes = synthetic_outcomes(
            size, sites=args.sites, tracks=args.tracks, years=args.years, seed=args.seed
        )
        overview = build_overview(outcomes, catalog, until=UNTIL)
        release = best_of(args.repeats, lambda o=outcomes: build_overview(o, catalog, until=UNTIL))
        block = overview.blocks(Granularity.QUARTER)[1]
        table = best_of(
            args.repeats,
            lambda ov=overview, b=block: overview_table(
                ov, granularity=Granularity.QUARTER, block=b, grouping="Site and track"
            ),
        )
        cells = overview.release.withheld.size
        withheld = int(overview.release.withheld.sum())
        print(
            f"{size:>9,} episodes, {args.sites} sites x {args.tracks} tracks x {args.years} years: "
            f"release {release[0]:.3f} s (CPU {release[1]:.3f} s; {cells:,} cells, "
            f"{withheld:,} withheld), one table {table[0] * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
