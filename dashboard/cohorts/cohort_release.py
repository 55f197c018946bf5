"""What the cohort page and the program overview count: the base release (the cube by
period of discharge, site and track, with the overview's populations and the endings)
and, beside it, one release per followed score (the episodes with paired scores and
their reliable change) and one of substance use (the episodes with a first and a later
BAM-R and those abstinent at the later one)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import polars as pl
import sqlalchemy as sa

from dashboard.access.outcomes import stored_outcomes, stored_scores
from dashboard.auth.viewer import Viewer
from dashboard.cohorts.episode_figures import ATTENDANCE_OUTCOMES, USE_OUTCOMES
from dashboard.cohorts.outcomes import OUTCOME_SCHEMA
from dashboard.cohorts.overview import overview_rows, overview_spec
from dashboard.privacy import SMALL_CELL, CubeSpec, Release, Split, release_of
from dashboard.store.tables import DISCHARGE_REASONS
from measures import Catalog

#: The endings of an episode, as the page names them.
ENDINGS = {
    "completed": "Completed",
    "stepped_down": "Stepped down",
    "left_early": "Left early",
    "stepped_up": "Stepped up",
    "other": "Other ending",
}
#: Change classes of a score with a reliable change index, as ``episode_scores`` stores them.
IMPROVED, UNCHANGED, DETERIORATED = (
    "reliably improved",
    "no reliable change",
    "reliably deteriorated",
)
#: The episodes with days of use from a first and a later administration of the
#: substance-use measure (:mod:`measures.substance_use`), and those of them with no use in
#: the 30 days before the later one.
USE_PAIRED, USE_ABSTINENT = "paired use", "abstinent at the last"


@dataclass(frozen=True)
class ScoreKey:
    """One score the cohort page follows: its measure, score id and names."""

    measure: str
    score_id: str
    label: str
    higher_is_better: bool
    reliable: bool

    @property
    def key(self) -> str:
        """The score's name in population and column names."""
        return self.measure

    @property
    def paired(self) -> str:
        """The population of episodes with a first and a later value."""
        return f"paired {self.key}"

    @property
    def improved(self) -> str:
        """The population reliably improved (scores with a reliable change index)."""
        return f"improved {self.key}"

    @property
    def deteriorated(self) -> str:
        """The population reliably deteriorated."""
        return f"deteriorated {self.key}"


def followed_scores(catalog: Catalog) -> tuple[ScoreKey, ...]:
    """The primary score of every catalog instrument, in the catalog's order.

    Examples
    --------
    >>> from measures import load_catalog
    >>> scores = followed_scores(load_catalog())
    >>> any(s.reliable for s in scores), all(s.label for s in scores)
    (True, True)
    """
    keys = []
    for instrument in catalog.ordered():
        primary = next((s for s in instrument.scores if s.primary), None)
        if primary is None:
            continue
        keys.append(
            ScoreKey(
                instrument.id,
                primary.column,
                instrument.abbreviation,
                primary.higher_is_better,
                primary.reliable_change is not None,
            )
        )
    return tuple(keys)


def cohort_spec(catalog: Catalog, *, threshold: int = SMALL_CELL) -> CubeSpec:
    """The overview's cube with each episode's ending (one split of the episodes)."""
    spec, _rates = overview_spec(catalog, threshold=threshold)
    endings = Split(
        "episodes",
        "discharge_reason",
        tuple((reason, ending(reason)) for reason in DISCHARGE_REASONS),
    )
    return replace(spec, splits=(*spec.splits, endings))


def ending(reason: str) -> str:
    """The population of the episodes that ended so."""
    return f"ended {ENDINGS[reason].lower()}"


def score_spec(base: CubeSpec, score: ScoreKey) -> CubeSpec:
    """The cube of the episodes with paired scores of ``score``, on the base's dimensions:
    with a reliable change index, split into those reliably improved and deteriorated.

    A cube of its own: every split of the base would otherwise have to be protected in
    every cell of every score, and a program of a few hundred episodes a year would see
    little but withheld cells. Its root is the episodes with paired scores, which is how
    complete the data is, not how anyone is: not protected; every outcome is. No count of
    it adds up with a count of the base (only the base counts every episode), so neither
    can be subtracted from the other."""
    splits: tuple[Split, ...] = ()
    if score.reliable:
        splits = (
            Split.binary(score.improved, parent=score.paired, column=score.improved),
            Split.binary(score.deteriorated, parent=score.paired, column=score.deteriorated),
        )
    return CubeSpec(
        root=score.paired,
        dimensions=base.dimensions,
        splits=splits,
        threshold=base.threshold,
        root_protected=False,
    )


def use_spec(base: CubeSpec) -> CubeSpec:
    """The cube of the episodes with a first and a later day count of substance use, on
    the base's dimensions, split into those abstinent at the later one: a cube of its own,
    as :func:`score_spec` explains (its root is completeness, not protected)."""
    return CubeSpec(
        root=USE_PAIRED,
        dimensions=base.dimensions,
        splits=(Split.binary(USE_ABSTINENT, parent=USE_PAIRED, column=USE_ABSTINENT),),
        threshold=base.threshold,
        root_protected=False,
    )


def use_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` with :data:`USE_PAIRED` (a later administration with days of use than the
    first: the episode figures' definition) and :data:`USE_ABSTINENT`; rows without the
    stored use columns have no paired use.

    Examples
    --------
    >>> day = dt.date(2026, 9, 1)
    >>> rows = pl.DataFrame({"use_first_on": [day, day, None], "abstinent_last": [True] * 3,
    ...                      "use_last_on": [day + dt.timedelta(days=30), day, None]})
    >>> use_rows(rows).select(USE_PAIRED, USE_ABSTINENT).rows()
    [(True, True), (False, False), (False, False)]
    """
    if "use_last_on" not in rows.columns:
        return rows.with_columns(
            pl.lit(value=False).alias(USE_PAIRED), pl.lit(value=False).alias(USE_ABSTINENT)
        )
    paired = (pl.col("use_last_on") > pl.col("use_first_on")).fill_null(value=False)
    return rows.with_columns(paired.alias(USE_PAIRED)).with_columns(
        (pl.col(USE_PAIRED) & pl.col("abstinent_last").fill_null(value=False)).alias(USE_ABSTINENT)
    )


def cohort_rows(
    outcomes: pl.DataFrame, scores_by_key: dict[str, pl.DataFrame], scores: tuple[ScoreKey, ...]
) -> pl.DataFrame:
    """One row per discharged episode (with its ``episode_id``): the overview's columns,
    its ending, whether it has paired substance use and was abstinent at the last, and per
    score whether it is paired, whether it reliably improved or deteriorated, and its
    first, last and change values (for the means, never counted)."""
    rows = use_rows(overview_rows(outcomes))
    for score in scores:
        stored = scores_by_key.get(score.key)
        if stored is None or stored.is_empty():
            rows = rows.with_columns(pl.lit(value=False).alias(score.paired))
            continue
        paired = stored.filter(pl.col("n") >= 2).select(
            "episode_id",
            pl.lit(value=True).alias(score.paired),
            (pl.col("change_class") == IMPROVED).alias(score.improved),
            (pl.col("change_class") == DETERIORATED).alias(score.deteriorated),
            pl.col("baseline").alias(f"baseline {score.key}"),
            pl.col("latest").alias(f"latest {score.key}"),
            pl.col("change").alias(f"delta {score.key}"),
        )
        if not score.reliable:
            paired = paired.drop(score.improved, score.deteriorated)
        rows = rows.join(paired, on="episode_id", how="left").with_columns(
            pl.col(score.paired).fill_null(value=False)
        )
    return rows


def build_releases(
    rows: pl.DataFrame, catalog: Catalog, scores: tuple[ScoreKey, ...], *, threshold: int
) -> tuple[Release, dict[str, Release]]:
    """The base release (the cohort page's and the program overview's) and one release per
    score with paired episodes, and one of substance use (keyed :data:`USE_PAIRED`) where
    any episode has paired use."""
    base = cohort_spec(catalog, threshold=threshold)
    by_score = {
        score.key: release_of(rows.filter(pl.col(score.paired)), score_spec(base, score))
        for score in scores
        if rows[score.paired].any()
    }
    if rows[USE_PAIRED].any():
        by_score[USE_PAIRED] = release_of(rows.filter(pl.col(USE_PAIRED)), use_spec(base))
    return release_of(rows, base), by_score


@dataclass(frozen=True, eq=False)
class CohortData:
    """The base release and one per score and of substance use (``score_releases``, keyed
    by score and :data:`USE_PAIRED`), the rows they were counted from (for means, never
    shown as rows), the scores followed, and the tracks' names by code."""

    release: Release
    score_releases: dict[str, Release]
    rows: pl.DataFrame
    scores: tuple[ScoreKey, ...]
    track_names: dict[str, str]
    until: dt.date


#: The stored score columns the cohort rows use (:func:`cohort_rows`).
SCORE_READ = ("episode_id", "n", "change_class", "baseline", "latest", "change")


def read_cohort_data(
    connection: sa.Connection,
    viewer: Viewer,
    catalog: Catalog,
    *,
    until: dt.date,
    threshold: int = SMALL_CELL,
    with_scores: bool = True,
) -> CohortData:
    """Everything the cohort page and the overview draw from, for the viewer's sites, from
    the episodes discharged up to ``until`` (drain the outcome queue first). The overview
    needs no score release (``with_scores=False``): its base release is the same."""
    wanted = [
        "episode_id",
        "track",
        *(c for c in OUTCOME_SCHEMA if c != "length_weeks"),
        "length_days",
        *((*USE_OUTCOMES, *ATTENDANCE_OUTCOMES) if with_scores else ()),
    ]
    outcomes = stored_outcomes(connection, viewer, columns=wanted, discharged_to=until)
    names = dict(outcomes.select("track", "track_name").unique().iter_rows())
    outcomes = outcomes.drop("track").with_columns(
        (pl.col("length_days") / 7).alias("length_weeks")
    )
    stored = {
        score.key: stored_scores(
            connection,
            viewer,
            measure=score.measure,
            score_id=score.score_id,
            discharged_to=until,
            columns=SCORE_READ,
        )
        for score in (followed_scores(catalog) if with_scores else ())
    }
    scores = tuple(s for s in followed_scores(catalog) if s.key in stored and stored[s.key].height)
    rows = cohort_rows(outcomes, stored, scores)
    base, by_score = build_releases(rows, catalog, scores, threshold=threshold)
    return CohortData(base, by_score, rows, scores, names, until)
