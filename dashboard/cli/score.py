"""``iop score``: score a wide administration CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

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
    from measures.fastpath import write_scores
    from measures.formatting import counted
    from measures.pipeline import score_csv
    from measures.printable import printable

    if out is not None and not out.parent.is_dir():
        fail(f"cannot write {out}: the folder {out.parent} does not exist", EXIT_USAGE)
    try:
        catalog = load_catalog(*([instruments] if instruments else []))
        typed = []
        if out is not None:
            # a clean single-instrument file is read once and written straight to OUT.csv
            rows = write_scores(input_csv, out, catalog, now=clock.now())
            if isinstance(rows, int):
                print(
                    f"{counted(rows, 'row')}: {rows:,} scored, 0 rejected, 0 not scorable",
                    file=sys.stderr,
                )
                raise typer.Exit(EXIT_OK)
            if rows is not None:
                typed.append(rows)  # a few unusual rows? the split path takes this read
            del rows  # ...and lets go of it as soon as it is split
        run = score_csv(input_csv, catalog, now=clock.now(), typed=typed.pop() if typed else None)
    except (FormatError, DefinitionError) as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}", EXIT_USAGE)
    write_score_table(run.table, out)
    problems = run.rejected + run.unscored
    if run.ignored_columns:
        ignored = printable(", ".join(run.ignored_columns))
        print(f"ignored column(s): {ignored}", file=sys.stderr)
    print(
        f"{counted(run.rows, 'row')}: {run.rows - problems:,} scored, {run.rejected:,} rejected, "
        f"{run.unscored:,} not scorable (see the problems column)",
        file=sys.stderr,
    )
    raise typer.Exit(EXIT_REJECTED if problems else EXIT_OK)
