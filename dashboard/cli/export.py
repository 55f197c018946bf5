"""``iop export``: stored data out as files people can open."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from dashboard.cli.common import DbOption, as_operator, load_program_catalog, open_database

app = typer.Typer(help="Export stored data.", no_args_is_help=True)


@app.command("scores")
def scores(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE.csv|FILE.xlsx",
            help=(
                "Write here instead of to stdout; a name ending in .xlsx writes a spreadsheet "
                "(numbers and dates as typed cells, the header row frozen), any other a CSV."
            ),
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Every stored administration (current version) with its scores.

    The columns of `iop score`, plus the raw items and stored total (so the file
    imports again), source, source_id and import_id. The export is audited: when its
    audit row cannot be written (a read-only database), nothing is exported (exit 2).
    """
    from dashboard.admin.operator import ExportNotAudited, export_scores
    from dashboard.cli.output import EXIT_USAGE, fail, write_atomically, write_score_table
    from dashboard.reports.spreadsheet import TooManyRowsError, xlsx_bytes

    engine = open_database(db)
    catalog = load_program_catalog()
    try:
        table = export_scores(
            engine, as_operator(), catalog=catalog, destination=out.name if out else "stdout"
        )
    except ExportNotAudited as exc:
        fail(str(exc), EXIT_USAGE)
    if out is None or out.suffix.lower() != ".xlsx":
        write_score_table(table, out)
        return
    try:
        workbook = xlsx_bytes({"Scores": spreadsheet_scores(table)}, frozen_columns=1)
    except TooManyRowsError as exc:
        fail(str(exc), EXIT_USAGE)
    write_atomically(out, workbook)


def spreadsheet_scores(table: pl.DataFrame) -> pl.DataFrame:
    """The score table's columns for a worksheet: the CSV's, numbers kept as numbers and
    the administration dates as date cells (kept as written if any is not a plain date)."""
    table = table.drop("row", "rejected", "complete", strict=False)
    return table.with_columns(as_dates(table, "administered_on"))


def as_dates(table: pl.DataFrame, name: str) -> pl.Series:
    """Column ``name`` as dates when every value is an ISO date, else as it is."""
    column = table[name]
    if column.dtype != pl.String:
        return column
    dates = column.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    return dates if dates.null_count() == column.null_count() else column
