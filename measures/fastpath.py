"""One fused pass for the common case: a clean CSV of a single instrument.

Large exports are usually one instrument, complete and valid. For them this
module runs reading, validation pre-screen and scoring as a single lazy polars
query, built from the very same rule and scoring expressions as the full path.
If anything at all looks unusual (a failed rule, a missing item, a second
instrument, text in a number column, white space to trim) it gives up and the
full path (:func:`measures.pipeline.score_parsed`) handles the file, so the
two always produce the same table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from measures.catalog import KEY_COLUMNS, Catalog
from measures.definition import Instrument
from measures.parsing import check_header, normalise_measure, read_header
from measures.rules import Validation
from measures.scoring import label_exprs, value_exprs
from measures.validation import administration_rules

#: Columns of a score table before the subscales (same as measures.pipeline).
SCORE_TABLE_COLUMNS = (
    *KEY_COLUMNS,
    "score",
    "severity",
    "items_answered",
    "prorated",
    "critical",
    "problems",
)


def try_score_csv(path: Path, catalog: Catalog, *, now: dt.datetime) -> pl.DataFrame | None:
    """The score table of ``path`` in one pass, or None when the full path is needed."""
    planned = _plan(path, catalog, now=now)
    if planned is None:
        return None
    try:
        scored = planned[1].collect()
    except pl.exceptions.PolarsError:  # text in a number column, ragged rows...
        return None
    if scored.is_empty() or scored["__unusual"].any():
        return None
    return scored.drop("__unusual", "administered_at").with_columns(
        pl.lit([], pl.List(pl.String)).alias("problems"),
        pl.lit(False).alias("rejected"),
        pl.lit(True).alias("complete"),
    )


def try_write_scores(path: Path, out: Path, catalog: Catalog, *, now: dt.datetime) -> int | None:
    """Score ``path`` straight into the CSV ``out`` in one streaming pass.

    Returns the number of rows written, or None (and writes nothing) when the
    file needs the full path. The output is byte for byte what the full path
    writes for such a file.
    """
    planned = _plan(path, catalog, now=now)
    if planned is None:
        return None
    instrument, plan = planned
    columns = [*SCORE_TABLE_COLUMNS, *(s.column for s in instrument.subscales)]
    partial = out.with_name(out.name + ".partial")
    table = plan.with_columns(pl.lit("").alias("problems")).select(columns)
    checks = plan.select(pl.col("__unusual").any().alias("unusual"), pl.len().alias("rows"))
    try:
        _, verdict = pl.collect_all([table.sink_csv(partial, lazy=True), checks])
    except pl.exceptions.PolarsError:
        partial.unlink(missing_ok=True)
        return None
    if verdict["unusual"][0] or verdict["rows"][0] == 0:
        partial.unlink(missing_ok=True)
        return None
    partial.replace(out)
    return int(verdict["rows"][0])


def _plan(
    path: Path, catalog: Catalog, *, now: dt.datetime
) -> tuple[Instrument, pl.LazyFrame] | None:
    """The instrument and the fused lazy query with an ``__unusual`` column, or None."""
    header = read_header(path)
    check_header(header, catalog)
    instrument = _single_instrument(path, header, catalog)
    if instrument is None:
        return None
    items = [i.id for i in instrument.items]
    if sorted(header) != sorted([*KEY_COLUMNS, *items]):
        return None
    schema = {c: pl.Int64 if c in items else pl.String for c in header}
    frame = (
        pl.scan_csv(path, schema=schema, has_header=True, encoding="utf8")
        .with_row_index("row", offset=2)
        .with_columns(
            pl.col("row").cast(pl.Int64),
            pl.col("administered_on")
            .str.to_date("%Y-%m-%d", strict=False)
            .cast(pl.Datetime("us"))
            .alias("administered_at"),
        )
    )
    rules = administration_rules(catalog, [*KEY_COLUMNS, *items], now=now, measures=[instrument.id])
    unusual = pl.any_horizontal(
        *[r.screen.fill_null(False) for r in rules],
        *[pl.col(c).is_null() for c in [*KEY_COLUMNS, "administered_at", *items]],
        pl.col("measure") != instrument.id,
        pl.col("client_id").str.contains(r"^\s|\s$"),
    )
    values, _problems = value_exprs(instrument, complete=True)
    return instrument, (
        frame.with_columns(unusual.alias("__unusual"), *values)
        .with_columns(label_exprs(instrument))
        .with_columns(_whole_numbers(instrument))
    )


def _whole_numbers(instrument: Instrument) -> list[pl.Expr]:
    """Sums of whole answers are whole: keep them as integers (cheaper to write)."""
    return [
        pl.col(s.column).cast(pl.Int64)
        for s in instrument.scores
        if s.formula == "sum" or (s.formula == "sum_times" and s.multiplier.is_integer())
    ]


def _single_instrument(path: Path, header: list[str], catalog: Catalog) -> Instrument | None:
    """The instrument named on the first data row, if it is a catalog id as written."""
    try:
        first = pl.read_csv(path, n_rows=1, infer_schema=False, encoding="utf8")
    except pl.exceptions.PolarsError:
        return None
    if first.is_empty():
        return None
    named = first.rename(dict(zip(first.columns, header, strict=True)))
    mapped = named.select(normalise_measure(named["measure"], catalog))["measure"][0]
    value = named["measure"]
    if mapped != value[0] or mapped not in catalog:
        return None
    return catalog[mapped]


def empty_validation(table: pl.DataFrame) -> Validation:
    """The validation result of a file the fast path scored: nothing rejected."""
    errors = pl.DataFrame(
        schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}
    )
    return Validation(valid=table, rejected=table.clear(), errors=errors)
