"""``python -m benchmarks``: run the benchmark suite, print the table, save the results."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from benchmarks import program_overview, review_page, score_cli, store_io
from benchmarks.backends import POSTGRESQL
from benchmarks.environment import ROOT, find_tools
from benchmarks.report import (
    Outcome,
    format_outcome,
    results_document,
    summary,
    write_results,
)
from benchmarks.runner import BenchmarkError, Plan, own_peak_mb

BENCHMARKS = ("score", "store", "store-pg", "review", "review-pg", "overview", "overview-pg")
#: The child's peak RSS includes this process's at the fork: warn above this floor.
RSS_FLOOR_WARNING_MB = 100.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time iop score (issue 2), the store's import and read (issue 3; on "
        "PostgreSQL too: store-pg, issue 13) and the "
        "weekly review page (issue 4) and the directors' program overview (issue 13), each on "
        "SQLite and on PostgreSQL (review-pg, overview-pg), against their targets. "
        "Results: benchmarks/results/<time>.json.",
    )
    parser.add_argument("--only", choices=BENCHMARKS, help="run one benchmark only")
    parser.add_argument(
        "--quick", action="store_true", help="2 timed runs per contender instead of 5"
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the PHQ-9 files")
    parser.add_argument("--store-rows", type=int, default=100_000, help="administrations to import")
    parser.add_argument(
        "--store-large-rows",
        type=int,
        default=1_000_000,
        help="administrations of the second, large import (0: none)",
    )
    parser.add_argument(
        "--review-active",
        type=_sizes,
        default=review_page.SIZES,
        help="active clients of the review page databases, comma-separated (default 300,5000)",
    )
    parser.add_argument(
        "--overview-episodes",
        type=_sizes,
        default=program_overview.SIZES,
        help="episodes of the program overview databases, comma-separated (default 10000,100000)",
    )
    parser.add_argument("--seed", type=int, default=20261126, help="seed of the input files")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is missed (default: 0)"
    )
    parser.add_argument("--no-save", action="store_true", help="do not write the JSON results")
    return parser.parse_args(argv)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be 1 or more: {text!r}")
    return sizes


def progress(message: str) -> None:
    """One status line on stderr, overwritten by the next."""
    if sys.stderr.isatty():
        print(f"\r\033[K  {message}", end="", file=sys.stderr, flush=True)


def run_one(name: str, args: argparse.Namespace, plan: Plan) -> Outcome:
    """Run benchmark ``name`` in its own temporary folder (removed afterwards)."""
    tools = find_tools(need_bench=name == "score")
    sizes = {"rows": args.store_rows, "seed": args.seed, "large_rows": args.store_large_rows}
    runners: dict[str, Callable[..., Outcome]] = {
        "score": lambda folder: score_cli.run(tools, folder, plan, rows=args.rows, seed=args.seed),
        "store": lambda folder: store_io.run(tools, folder, plan, **sizes),
        "store-pg": lambda folder: _store_pg().run(tools, folder, plan, **sizes),
        "review": lambda folder: review_page.run(
            tools, folder, plan, seed=args.seed, sizes=args.review_active
        ),
        "review-pg": lambda folder: review_page.run(
            tools, folder, plan, seed=args.seed, sizes=args.review_active, on=POSTGRESQL
        ),
        "overview": lambda folder: program_overview.run(
            tools, folder, plan, seed=args.seed, sizes=args.overview_episodes
        ),
        "overview-pg": lambda folder: program_overview.run(
            tools, folder, plan, seed=args.seed, sizes=args.overview_episodes, on=POSTGRESQL
        ),
    }
    with tempfile.TemporaryDirectory(prefix=f"iop-bench-{name}-") as folder:
        return runners[name](Path(folder))


def _store_pg() -> ModuleType:
    """``benchmarks.store_pg``, imported only when it runs: psycopg and the test server
    would grow this process, whose memory every contender's peak includes at the fork."""
    from benchmarks import store_pg

    return store_pg


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; exit 2 if one could not run, 1 on a miss with --strict."""
    args = parse_args(argv)
    plan = Plan(repeats=2 if args.quick else 5, warmup=1, progress=progress)
    started = dt.datetime.now(dt.UTC)
    outcomes: list[Outcome] = []
    failed: list[str] = []
    clock = time.perf_counter()
    for name in [args.only] if args.only else BENCHMARKS:
        try:
            outcome = run_one(name, args, plan)
        except BenchmarkError as exc:
            progress("")
            print(f"benchmark {name} failed: {exc}", file=sys.stderr, flush=True)
            failed.append(name)
            continue
        progress("")
        print(("\n" if outcomes else "") + format_outcome(outcome), flush=True)
        outcomes.append(outcome)
    floor = own_peak_mb()
    if floor > RSS_FLOOR_WARNING_MB:
        warning = f"this process grew to {floor:.0f} MB: smaller peak figures mean nothing"
        print(f"warning: {warning}", file=sys.stderr)
    options = vars(args) | {"repeats": plan.repeats, "warmup": plan.warmup, "rss_floor_mb": floor}
    if outcomes:
        print(f"\n{summary(outcomes)} ({time.perf_counter() - clock:.0f} s)")
    if outcomes and not args.no_save:
        document = results_document(outcomes, started=started, options=options)
        print(f"results: {write_results(document).relative_to(ROOT)}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 2
    missed = any(o.misses for o in outcomes)
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
