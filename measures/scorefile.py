"""Score a wide CSV straight into a CSV file, a part at a time, as the full path would.

A clean single-instrument file is scored and written by the fast path
(:func:`measures.fastpath.write_scores`). A file with a few unusual rows is split
(:func:`measures.splitpath.split_rows`): the unusual rows are scored by the full
path and formatted as it formats them, and the file is then written a part of
:data:`MERGE_ROWS` rows at a time, each part's clean rows scored
with the fast path's expressions and merged with that part's unusual rows in file
order. No table of the whole file is built, so memory follows the input, and the
bytes are those the full path writes (``tests/cli/test_score_paths.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from measures.catalog import Catalog
from measures.fastpath import clean_text, score_columns, write_scores
from measures.formatting import number_text
from measures.pipeline import score_parsed, with_null_columns
from measures.scoretext import format_score_table
from measures.splitpath import Rows, split_rows

#: Rows merged and written at a time: each part's clean and unusual rows are put in
#: file order, which copies them (half the fast path's parts: the same time, 55 MB less
#: at a million rows).
MERGE_ROWS = 100_000


@dataclass(frozen=True)
class Written:
    """What a scored file holds: rows, rows rejected, valid rows not scorable."""

    rows: int
    rejected: int = 0
    unscored: int = 0


def write_scored(path: Path, out: Path, catalog: Catalog, *, now: dt.datetime) -> Written | None:
    """Score ``path`` into the CSV ``out`` (written beside it, then renamed into place);
    None, with nothing written, when the file needs the full path whole.

    Examples
    --------
    >>> import tempfile
    >>> from measures import load_catalog
    >>> folder = Path(tempfile.mkdtemp())
    >>> text = "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 8))
    >>> text += "\\nC1,gad7,2025-01-06,1,1,1,1,1,1,1\\nC2,gad7,2025-01-06,1,1,9,1,1,1,1\\n"
    >>> _ = (folder / "in.csv").write_text(text)
    >>> catalog = load_catalog()
    >>> write_scored(folder / "in.csv", folder / "out.csv", catalog, now=dt.datetime(2026, 1, 1))
    Written(rows=2, rejected=1, unscored=0)
    >>> [line.split(",")[3] for line in (folder / "out.csv").read_text().splitlines()]
    ['score', '7', '']
    """
    read = write_scores(path, out, catalog, now=now)
    if read is None or isinstance(read, int):
        return None if read is None else Written(read)
    try:
        rows = split_rows(path, catalog, now=now, read=read)
        del read
        return None if rows is None else _write_split(rows, out, catalog, now=now)
    except pl.exceptions.PolarsError:  # the full path reports what broke the scoring
        return None


def _write_split(rows: Rows, out: Path, catalog: Catalog, *, now: dt.datetime) -> Written:
    """Write the clean rows on the fast path and the flagged ones on the full path,
    merged in file order a part at a time."""
    columns = ["row", *score_columns(rows.instrument)]
    run = score_parsed(rows.flagged, catalog, now=now)
    typed = with_null_columns(run.table, columns)
    odd = format_score_table(typed.select(columns)).insert_column(0, typed["row"])
    clean = rows.frame.height - int(rows.unusual.sum())
    odd, cells = _common_types(odd, clean_text(rows.frame.head(0), rows.instrument, keep=["row"]))
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("wb") as handle:
            for start in range(0, max(rows.frame.height, 1), MERGE_ROWS):
                first, last = start + 2, start + 1 + MERGE_ROWS  # file rows of this part
                part = rows.frame.slice(start, MERGE_ROWS).filter(
                    ~rows.unusual.slice(start, MERGE_ROWS)
                )
                scored = clean_text(part, rows.instrument, keep=["row"]).select(cells).collect()
                mine = odd.filter(pl.col("row").is_between(first, last))
                merged = pl.concat([scored, mine]).sort("row").drop("row")
                merged.write_csv(handle, include_header=start == 0)
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Written(clean + run.rows, run.rejected, run.unscored)


def _common_types(odd: pl.DataFrame, clean: pl.LazyFrame) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """The unusual rows' table (as the full path formats it) and the cells of the clean
    rows' table (``clean``), of the same types, each written as the full path writes it.

    A whole score or a label held as text by the former is read back into the type of
    the latter when it comes back unchanged (cheaper than a million clean cells as
    text); otherwise the clean cells become the full path's text.
    """
    types = clean.collect_schema()
    columns, cells = [], []
    for name, dtype in odd.schema.items():
        column, cell, mine = odd[name], pl.col(name), types[name]
        if mine == dtype:
            pass
        elif dtype == pl.String and _comes_back(column, mine):
            column = column.cast(mine)
        elif dtype == pl.String:
            cell = (number_text(cell) if mine.is_float() else cell.cast(pl.String)).alias(name)
        else:
            cell = cell.cast(dtype)
        columns.append(column)
        cells.append(cell)
    return pl.DataFrame(columns), cells


def _comes_back(text: pl.Series, dtype: pl.DataType) -> bool:
    """Whether every cell of ``text`` is an integer or a label of ``dtype`` written as
    polars writes it, so that ``dtype`` holds it and writes it unchanged."""
    if not (dtype.is_integer() or isinstance(dtype, pl.Enum)):
        return False
    try:
        return text.cast(dtype).cast(pl.String).equals(text)
    except pl.exceptions.PolarsError:  # not a number, not one of the labels
        return False
