"""Parse, validate and score a whole administration table, keeping every row."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.definition import RISK_LEVEL
from measures.fastpath import SCORE_TABLE_COLUMNS, empty_validation, triage_columns
from measures.parsing import Parsed, read_administrations_csv
from measures.rules import Validation
from measures.scoring import RESULT_COLUMNS, score_administrations
from measures.splitpath import split_csv
from measures.validation import validate_administrations


@dataclass(frozen=True)
class ScoreRun:
    """Every input row scored or rejected, in input order, and the counts."""

    table: pl.DataFrame
    validation: Validation
    ignored_columns: tuple[str, ...]

    @property
    def rows(self) -> int:
        """Rows read (blank lines are not rows)."""
        return self.table.height

    @property
    def rejected(self) -> int:
        """Rows that failed validation."""
        return int(self.table["rejected"].sum())

    @property
    def unscored(self) -> int:
        """Valid rows with a score (or risk level) that could not be computed."""
        return int((~self.table["rejected"] & ~self.table["complete"]).sum())


def score_csv(
    path: str | os.PathLike[str],
    catalog: Catalog | None = None,
    *,
    now: dt.datetime | None = None,
) -> ScoreRun:
    """Read, validate and score a wide administration CSV (see :func:`score_parsed`)."""
    catalog = catalog or load_catalog()
    now = now or dt.datetime.now()
    try:
        split = split_csv(Path(path), catalog, now=now)
    except pl.exceptions.PolarsError:  # the full path reports what broke the scoring
        split = None
    if split is None:
        return score_parsed(read_administrations_csv(path, catalog), catalog, now=now)
    if split.flagged.frame.is_empty() and split.flagged.errors.is_empty():
        return ScoreRun(split.clean, empty_validation(split.clean), ())
    flagged = score_parsed(split.flagged, catalog, now=now)
    # the flagged rows' table has the clean one's columns (one instrument: see splitpath)
    odd = with_null_columns(flagged.table, split.clean.columns).select(split.clean.columns)
    table = pl.concat([split.clean, odd], how="vertical_relaxed").sort("row")
    return ScoreRun(table, flagged.validation, ())


def score_parsed(
    parsed: Parsed, catalog: Catalog | None = None, *, now: dt.datetime | None = None
) -> ScoreRun:
    """Validate and score a parsed frame; one output row per input row, in order.

    Rejected rows keep their key columns and list their reasons in ``problems``;
    their scores stay empty. The critical (safety) flag is still read from the
    raw item where that cell itself is valid, so a self-harm answer on an
    otherwise broken row is never hidden.
    """
    catalog = catalog or load_catalog()
    validation = validate_administrations(parsed, catalog, now=now)
    present = set(parsed.frame["measure"].drop_nulls().unique().to_list())
    subscales = [s.column for i in catalog if i.id in present for s in i.subscales]
    subscales += triage_columns([i for i in catalog if i.id in present])
    extra = [c for c in ("source_id", "total", "total_scale") if c in parsed.frame.columns]
    keep = ["row", *SCORE_TABLE_COLUMNS, *subscales, *extra, "rejected", "complete"]
    valid = score_administrations(validation.valid.drop("administered_at"), catalog)
    valid = valid.with_columns(
        pl.lit(False).alias("rejected"),
        _all_scores_present(catalog, valid.columns).alias("complete"),
    )
    valid = with_null_columns(valid, keep).select(keep)
    if validation.rejected.is_empty():
        return ScoreRun(valid, validation, parsed.ignored_columns)
    rejected = with_null_columns(_score_rejected(validation, catalog), keep).select(keep)
    table = pl.concat([valid, rejected], how="vertical_relaxed").sort("row")
    return ScoreRun(table, validation, parsed.ignored_columns)


def with_null_columns(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Add the absent ``columns`` as nulls (a subscale of an instrument not scored)."""
    absent = [c for c in columns if c not in frame.columns]
    return frame.with_columns(pl.lit(None, pl.Float64).alias(c) for c in absent)


def _score_rejected(validation: Validation, catalog: Catalog) -> pl.DataFrame:
    """Rejected rows: reasons as problems, no scores, but the safety flag kept.

    Cells that failed are blanked first, so the flag is read only from a valid
    raw answer (an out-of-range item 9 gives "unknown", not "endorsed").
    """
    rejected = validation.rejected
    for (column,), cells in validation.errors.filter(pl.col("column").is_not_null()).group_by(
        "column"
    ):
        name = str(column)
        if name in rejected.columns and rejected.schema[name].is_integer():
            rejected = rejected.with_columns(
                pl.when(pl.col("row").is_in(cells["row"].to_list()))
                .then(None)
                .otherwise(pl.col(name))
                .alias(name)
            )
    scored = score_administrations(rejected.drop("administered_at"), catalog)
    # the safety flag and risk level stay (read from the valid raw answers); the
    # problems become the reasons
    kept = {"critical", RISK_LEVEL, "problems"}
    cleared = {*(c for c in RESULT_COLUMNS if c not in kept), *catalog.subscale_columns}
    blanked = [c for c in scored.columns if c in cleared]
    return scored.join(validation.reasons, on="row", how="left").with_columns(
        pl.col("reasons").alias("problems"),
        *[pl.lit(None).cast(scored.schema[c]).alias(c) for c in blanked],
        pl.lit(True).alias("rejected"),
        pl.lit(False).alias("complete"),
    )


def _all_scores_present(catalog: Catalog, columns: list[str]) -> pl.Expr:
    """True where every score of the row's instrument has a value."""
    chain: Any = pl.when(False).then(False)
    for instrument in catalog:
        outputs = [s.column for s in instrument.scores] + triage_columns([instrument])
        present = [pl.col(c).is_not_null() for c in outputs if c in columns]
        if not present:
            continue
        chain = chain.when(pl.col("measure") == instrument.id).then(pl.all_horizontal(present))
    result: pl.Expr = chain.otherwise(False)
    return result
