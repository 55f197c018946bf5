"""Stored administrations with their scores, in the columns of ``iop score``."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from dashboard.store.reads import read_administrations
from measures import Catalog, score_administrations
from measures.fastpath import SCORE_TABLE_COLUMNS
from measures.totals import primary_scale_names


def administered_on() -> pl.Expr:
    """``administered_at`` as the files write it: the day, or the day and wall-clock time."""
    when = pl.col("administered_at")
    return (
        pl.when(when.dt.time() == pl.time(0))
        .then(when.dt.strftime("%Y-%m-%d"))
        .otherwise(when.dt.strftime("%Y-%m-%dT%H:%M:%S"))
        .alias("administered_on")
    )


def scores_table(
    connection: sa.Connection, catalog: Catalog, *, where: sa.ColumnElement[bool] | None = None
) -> pl.DataFrame:
    """Every current administration (narrowed by ``where``) scored by the measures library.

    Columns: those of ``iop score``, the raw items and any stored total with its
    ``total_scale`` (so the file can be imported again), then ``source``,
    ``source_id`` and ``import_id``.
    """
    stored = read_administrations(connection, catalog, where=where, history=True)
    stored = stored.with_columns(administered_on())
    # a stored total is on the primary score's scale: say which where there are two
    scales = primary_scale_names(list(catalog))
    stored = stored.with_columns(
        pl.when(pl.col("total").is_not_null())
        .then(pl.col("measure").replace_strict(scales, default=None, return_dtype=pl.String))
        .alias("total_scale")
    )
    scored = score_administrations(stored, catalog)
    present = set(scored["measure"].unique().to_list())
    items = [
        f"item_{n}"
        for n in range(1, max((len(i.items) for i in catalog if i.id in present), default=0) + 1)
    ]
    subscales = [s.column for i in catalog if i.id in present for s in i.subscales]
    return scored.select(
        *SCORE_TABLE_COLUMNS[:3],
        *items,
        "total",
        "total_scale",
        *SCORE_TABLE_COLUMNS[3:],
        *subscales,
        "source",
        "source_id",
        "import_id",
    )
