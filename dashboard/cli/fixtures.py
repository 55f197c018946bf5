"""``iop fixtures``: generate deterministic synthetic IOP data (fixtures, demo, benchmarks)."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from dashboard.cli.output import EXIT_USAGE

DEFAULT_OUT = Path("data/fixtures")
DEFAULT_CLIENTS = 240
DEFAULT_SEED = 20261126
DEFAULT_AS_OF = dt.date(2026, 11, 26)


def _iso_date(value: str | dt.date) -> dt.date:
    """A YYYY-MM-DD option value (the default arrives as a date already)."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not a date; use YYYY-MM-DD"
        raise typer.BadParameter(msg) from None


def fixtures(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Folder to write into (created if needed; files there are replaced).",
        ),
    ] = DEFAULT_OUT,
    clients: Annotated[
        int,
        typer.Option(
            min=1, help="Number of clients; 100000 gives about 10 million administrations."
        ),
    ] = DEFAULT_CLIENTS,
    seed: Annotated[
        int, typer.Option(min=0, help="Random seed: the same arguments give identical files.")
    ] = DEFAULT_SEED,
    as_of: Annotated[
        dt.date,
        typer.Option(
            parser=_iso_date,
            metavar="YYYY-MM-DD",
            help="The reference 'today': admissions span the 18 months before it and no "
            "date is later (except the deliberate future-dated bad rows).",
        ),
    ] = DEFAULT_AS_OF,
    instruments: Annotated[
        str | None,
        typer.Option(
            metavar="IDS",
            help="Comma-separated instrument ids to keep in administrations.csv, e.g. "
            "'phq9' or 'phq9,gad7' for benchmark files (default: all of mood_nrs, "
            "craving_nrs, confidence_nrs, phq9, gad7, pacs, who5, gse, bam_r).",
        ),
    ] = None,
) -> None:
    """Generate synthetic, obviously fictional IOP data into DIR.

    Writes clinicians.csv, episodes.csv, client_attributes.csv, care_levels.csv, attendance.csv,
    administrations.csv (the wide format of 'iop score'), manifest.json and
    README.md. Two sites, three tracks, clients admitted over 18 months with
    responders, slow responders, non-responders, deteriorators and early
    drop-outs; a few deliberate bad rows in administrations.csv are listed in
    manifest.json. With the defaults it rewrites the committed data/fixtures.

    Example: iop fixtures --clients 100000 --out /tmp/big --instruments phq9
    """
    from dashboard.cli.output import fail
    from dashboard.synthetic import generate, write_fixtures

    chosen = None
    if instruments is not None:
        chosen = [name.strip() for name in instruments.split(",") if name.strip()]
    started = time.perf_counter()
    try:
        data = generate(clients=clients, seed=seed, as_of=as_of, instruments=chosen)
        write_fixtures(data, out)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror or exc}", EXIT_USAGE)
    elapsed = time.perf_counter() - started
    print(
        f"wrote {out}: {data.clients:,} clients, {data.episodes.height:,} episodes, "
        f"{data.attendance.height:,} sessions, {data.administrations.height:,} "
        f"administrations ({data.bad_rows.height:,} deliberate bad rows) in {elapsed:.1f} s; "
        f"demo client {data.demo_client_id}",
        file=sys.stderr,
    )
