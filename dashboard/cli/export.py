"""``iop export``: stored data out as files people can open."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dashboard.cli.common import DbOption, as_operator, load_program_catalog, open_database

app = typer.Typer(help="Export stored data.", no_args_is_help=True)


@app.command("scores")
def scores(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE.csv", help="Write here instead of to stdout."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Every stored administration (current version) with its scores.

    The columns of `iop score`, plus the raw items and stored total (so the file
    imports again), source, source_id and import_id. The export is audited: when its
    audit row cannot be written (a read-only database), nothing is exported (exit 2).
    """
    from dashboard.admin.operator import ExportNotAudited, export_scores
    from dashboard.cli.output import EXIT_USAGE, fail, write_score_table

    engine = open_database(db)
    catalog = load_program_catalog()
    try:
        table = export_scores(
            engine, as_operator(), catalog=catalog, destination=out.name if out else "stdout"
        )
    except ExportNotAudited as exc:
        fail(str(exc), EXIT_USAGE)
    write_score_table(table, out)
