"""``iop score``: score a wide administration CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from dashboard import clock
from dashboard.cli.output import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, fail, write_score_table


def score(
    input_csv: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT.csv",
            help="Wide CSV: client_id, measure, "
            "administered_on, item_1 ... item_N (blank = missing).",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="OUT.csv", help="Write the scores here instead of to stdout."
        ),
    ] = None,
    instruments: Annotated[
        Path | None,
        typer.Option(
            "--instruments",
            envvar="IOP_INSTRUMENTS_DIR",
            help="Folder of extra instrument definitions (*.toml).",
        ),
    ] = None,
) -> None:
    """Score every row of INPUT.csv, in input order.

    Output columns: client_id, measure, administered_on, score, severity,
    items_answered, prorated, critical, problems, then one column per subscale.
    critical is true, false, or empty where the instrument has no safety item
    (not asked) or its safety item was not answered (unknown).
    Exit 0 when every row scored, 3 when some rows were rejected or could not be
    scored (all still listed, with the reason in 'problems'), 2 for unusable input.
    """

    from measures import DefinitionError, FormatError, load_catalog
    from measures.pipeline import score_csv
    from measures.printable import printable
    from measures.scorefile import write_scored

    if out is not None and not out.parent.is_dir():
        fail(f"cannot write {out}: the folder {out.parent} does not exist", EXIT_USAGE)
    try:
        catalog = load_catalog(*([instruments] if instruments else []))
        # a single-instrument file, clean or with a few unusual rows, is read once and
        # written straight to OUT.csv a part at a time
        written = write_scored(input_csv, out, catalog, now=clock.now()) if out else None
        if written is not None:
            _report(written.rows, written.rejected, written.unscored)
        run = score_csv(input_csv, catalog, now=clock.now())
    except (FormatError, DefinitionError) as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}", EXIT_USAGE)
    write_score_table(run.table, out)
    if run.ignored_columns:
        ignored = printable(", ".join(run.ignored_columns))
        print(f"ignored column(s): {ignored}", file=sys.stderr)
    _report(run.rows, run.rejected, run.unscored)


def _report(rows: int, rejected: int, unscored: int) -> NoReturn:
    """Say what was scored and exit: 3 when some rows were not, else 0."""
    from measures.formatting import counted

    problems = rejected + unscored
    print(
        f"{counted(rows, 'row')}: {rows - problems:,} scored, {rejected:,} rejected, "
        f"{unscored:,} not scorable" + (" (see the problems column)" if problems else ""),
        file=sys.stderr,
    )
    raise typer.Exit(EXIT_REJECTED if problems else EXIT_OK)
