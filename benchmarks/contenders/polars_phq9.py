"""Contender: the bare polars floor (read, horizontal sum, band, write) for a wide PHQ-9 CSV."""

from __future__ import annotations

import sys

import polars as pl

ITEMS = [f"item_{i}" for i in range(1, 10)]


def severity(score: pl.Expr) -> pl.Expr:
    """The PHQ-9 severity band of ``score``."""
    return (
        pl.when(score <= 4)
        .then(pl.lit("Minimal"))
        .when(score <= 9)
        .then(pl.lit("Mild"))
        .when(score <= 14)
        .then(pl.lit("Moderate"))
        .when(score <= 19)
        .then(pl.lit("Moderately severe"))
        .otherwise(pl.lit("Severe"))
    )


def main(source: str, target: str) -> None:
    """Read ``source``, score every row, write client_id ... severity to ``target``."""
    (
        pl.scan_csv(source, schema_overrides=dict.fromkeys(ITEMS, pl.Int64))
        .select("client_id", "measure", "administered_on", pl.sum_horizontal(ITEMS).alias("score"))
        .with_columns(severity(pl.col("score")).alias("severity"))
        .sink_csv(target)
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
