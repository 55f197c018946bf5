"""What check-in notes add up to: the triggers that came up and the coping that helped."""

from __future__ import annotations

import polars as pl


def trigger_summary(notes: pl.DataFrame) -> pl.DataFrame:
    """How often each kind of trigger came up (most first)."""
    rows = notes.select(pl.col("triggers")).explode("triggers").drop_nulls().unnest("triggers")
    if rows.is_empty():
        return pl.DataFrame(schema={"category": pl.String, "times": pl.UInt32})
    return rows.group_by("category").agg(pl.len().alias("times")).sort("times", descending=True)


def coping_summary(notes: pl.DataFrame) -> pl.DataFrame:
    """Each coping action: times used, and how often it helped."""
    rows = notes.select(pl.col("coping")).explode("coping").drop_nulls().unnest("coping")
    if rows.is_empty():
        return pl.DataFrame(schema={"action": pl.String, "used": pl.UInt32, "helped": pl.UInt32})
    return (
        rows.group_by("action")
        .agg(pl.len().alias("used"), (pl.col("helped") == "yes").sum().alias("helped"))
        .sort(["helped", "used"], descending=True)
    )
