"""A stored total no score can be, beside answers that can be scored: noted, not kept."""

from __future__ import annotations

import polars as pl

from dashboard.importers.fhir.record import Record
from measures.catalog import Catalog
from measures.totals import TOTAL_SCALE, total_rules


def impossible_totals(frame: pl.DataFrame, records: list[Record], catalog: Catalog) -> pl.DataFrame:
    """``frame`` (parsed, one row per record) without the stored totals that break the
    catalog's total rules (out of range, not a whole sum, no scale) where the record
    has item answers: the answers are scored, and the record notes the total.

    A record with no answers keeps its total, and the validation rejects it: the
    total was all it had. The notes go to each :class:`Record`'s ``notes``.
    """
    if "total" not in frame.columns:
        return frame
    items = [c for c in catalog.item_columns if c in frame.columns]
    if not items:
        return frame
    answered = pl.sum_horizontal(pl.col(c).is_not_null() for c in items) > 0
    present = set(frame["measure"].drop_nulls().unique().to_list())
    rules = total_rules([i for i in catalog if i.id in present], frame.columns)
    failing = []
    for rule in rules:
        failing.append(
            frame.filter(answered & rule.fails.fill_null(False)).select("row", rule.reason)
        )
    found = pl.concat([f.rename({f.columns[1]: "reason"}) for f in failing]) if failing else None
    if found is None or found.is_empty():
        return frame
    for row, reason in found.iter_rows():
        records[row - 1].notes.append(
            f"the stored total was not kept ({reason}); the score is computed from the answers"
        )
    dropped = pl.col("row").is_in(found["row"].unique().to_list())
    cleared = [pl.when(dropped).then(None).otherwise(pl.col("total")).alias("total")]
    if TOTAL_SCALE in frame.columns:
        scale = pl.col(TOTAL_SCALE)
        cleared.append(pl.when(dropped).then(None).otherwise(scale).alias(TOTAL_SCALE))
    return frame.with_columns(cleared)
