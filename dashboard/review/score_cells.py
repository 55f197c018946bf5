"""The agenda's score cells: per client and agenda measure, the latest score, its band
and its change, in words (the packet, the table's hidden columns) and compact (the list)."""

from __future__ import annotations

import polars as pl

from measures import Catalog, Instrument
from measures.change import DETERIORATED, IMPROVED
from measures.formatting import number_text

#: The compact cell's symbols: a reliable rise or fall of the score since the first of
#: the episode, and the trend of a measure without a published reliable-change threshold.
RISE, FALL = "▲", "▼"
RISING, FALLING, STEADY = "↗", "↘", "→"

#: Columns of :func:`score_cells`.
CELL_SCHEMA = {
    "client_id": pl.String,
    "heading": pl.String,
    "text": pl.String,
    "words": pl.String,
    "band": pl.String,
    "band_index": pl.Int64,
    "band_count": pl.Int64,
    "higher_is_better": pl.Boolean,
    "clinical": pl.Boolean,
}


def agenda_measures(catalog: Catalog) -> tuple[Instrument, ...]:
    """The measures with a column on the agenda (``[display] agenda``), in display order."""
    return catalog.where(lambda d: d.agenda)


def measure_facts(scored: pl.DataFrame, primary: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Per client and agenda measure: the primary score's change (``primary``: rows of
    :func:`measures.change.episode_change`), the latest band and the mean of the last
    7 days (daily ratings)."""
    core = [i.id for i in agenda_measures(catalog)]
    series = scored.filter(pl.col("measure").is_in(core) & pl.col("score").is_not_null()).sort(
        "administered_at"
    )
    last_week = pl.col("administered_at") > pl.col("administered_at").max() - pl.duration(days=7)
    latest = series.group_by("client_id", "measure").agg(
        pl.col("severity").last().alias("band"),
        pl.col("score").filter(last_week).mean().alias("week_mean"),
    )
    return (
        primary.filter(pl.col("measure").is_in(core))
        .join(latest, on=["client_id", "measure"], how="left")
        .join(_band_positions(catalog), on=["measure", "band"], how="left")
        .with_columns(
            pl.col("measure")
            .replace_strict({i.id: i.abbreviation for i in agenda_measures(catalog)})
            .alias("heading"),
            pl.col("measure")
            .is_in([i.id for i in agenda_measures(catalog) if i.display.daily])
            .alias("daily"),
        )
    )


def measure_texts(facts: pl.DataFrame) -> pl.DataFrame:
    """One column per agenda measure (its abbreviation), the cell in words:
    "16 Moderately severe, reliably deteriorated from 9"."""
    cells = facts.select("client_id", "heading", _words().alias("cell"))
    if cells.is_empty():
        return pl.DataFrame(schema={"client_id": pl.String})
    return cells.pivot(on="heading", index="client_id", values="cell")


def score_cells(facts: pl.DataFrame) -> pl.DataFrame:
    """One row per client and agenda measure (:data:`CELL_SCHEMA`): the compact ``text``
    ("16 ▲": score and change), the ``words``, the band's place among its instrument's
    bands (for its colour) and whether the score is past the published cut-off
    (``clinical``; null without one).

    Examples
    --------
    >>> import polars as pl
    >>> facts = pl.DataFrame({
    ...     "client_id": ["C1"], "heading": ["PHQ-9"], "latest": [16.0], "baseline": [9.0],
    ...     "change_class": ["reliably deteriorated"], "n": [3], "slope_per_week": [3.5],
    ...     "band": ["Moderately severe"], "band_index": [3], "band_count": [5],
    ...     "higher_is_better": [False], "week_mean": [16.0], "daily": [False],
    ...     "latest_case": [True],
    ... })
    >>> score_cells(facts)["text"].to_list()
    ['16 ▲']
    """
    if facts.is_empty():
        return pl.DataFrame(schema=CELL_SCHEMA)
    return facts.select(
        "client_id",
        "heading",
        _compact().alias("text"),
        _words().alias("words"),
        "band",
        pl.col("band_index").cast(pl.Int64),
        pl.col("band_count").cast(pl.Int64),
        "higher_is_better",
        pl.col("latest_case").alias("clinical"),
    )


def _band_positions(catalog: Catalog) -> pl.DataFrame:
    """Each agenda measure's bands: place in the definition and how many there are."""
    rows = [
        (i.id, band.label, index, len(score.bands))
        for i in agenda_measures(catalog)
        if (score := i.primary) is not None
        for index, band in enumerate(score.bands)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "measure": pl.String,
            "band": pl.String,
            "band_index": pl.Int64,
            "band_count": pl.Int64,
        },
        orient="row",
    )


def _trend() -> pl.Expr:
    slope = pl.col("slope_per_week")
    return (
        pl.when((pl.col("n") < 3) | slope.is_null())
        .then(None)
        .when(slope.abs() < 0.25)
        .then(pl.lit("steady"))
        .when(slope > 0)
        .then(pl.lit("rising"))
        .otherwise(pl.lit("falling"))
    )


def _compact() -> pl.Expr:
    """ "16 ▅ ▲": the score, its band's mark and its change; a daily rating's 7-day mean
    and trend ("4.2 ↗")."""
    trend = _trend().replace_strict(
        {"rising": RISING, "falling": FALLING, "steady": STEADY}, default=None
    )
    reliable = pl.col("change_class").is_in([IMPROVED, DETERIORATED])
    change = (
        pl.when(reliable & (pl.col("latest") > pl.col("baseline")))
        .then(pl.lit(RISE))
        .when(reliable & (pl.col("latest") < pl.col("baseline")))
        .then(pl.lit(FALL))
        .when(pl.col("change_class").is_null())
        .then(trend)
    )
    daily = pl.col("week_mean").round(1).cast(pl.String)
    score = number_text(pl.col("latest"))
    return (
        pl.when(pl.col("daily"))
        .then(pl.concat_str(daily, trend, separator=" ", ignore_nulls=True))
        .otherwise(pl.concat_str(score, change, separator=" ", ignore_nulls=True))
    )


def _words() -> pl.Expr:
    """A measure's cell in words: the 7-day mean of a daily rating, else score, band and
    change."""
    trend = _trend()
    score = number_text(pl.col("latest"))
    with_band = (
        pl.when(pl.col("band").is_not_null())
        .then(pl.format("{} {}", score, "band"))
        .otherwise(score)
    )
    classified = pl.format(
        "{}, {} from {}", with_band, pl.col("change_class"), number_text(pl.col("baseline"))
    )
    daily_text = pl.format("{} (7-day mean)", pl.col("week_mean").round(1))
    return (
        pl.when(pl.col("daily"))
        .then(
            pl.when(trend.is_not_null())
            .then(pl.format("{} (7-day mean, {})", pl.col("week_mean").round(1), trend))
            .otherwise(daily_text)
        )
        .when(pl.col("change_class").is_not_null())
        .then(classified)
        .when(trend.is_not_null())
        .then(pl.format("{} ({})", with_band, trend))
        .otherwise(with_band)
    )
