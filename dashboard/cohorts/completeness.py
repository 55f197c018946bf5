"""Paired-data completeness: how many of a cohort's episodes have a baseline and a later
score of a measure, the figure every other outcome figure rests on."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard.cohorts.statistics import Estimate, proportion


@dataclass(frozen=True)
class Completeness:
    """One score's completeness in a cohort.

    ``episodes`` is the cohort's episodes, ``with_baseline`` those with at least one
    value of the score, ``paired`` those with a baseline and a later value; ``share``
    is ``paired`` over ``episodes`` with its Wilson interval, and ``share_of_started``
    ``paired`` over ``with_baseline`` (how often a measure begun was repeated).
    """

    episodes: int
    with_baseline: int
    paired: int
    share: Estimate
    share_of_started: Estimate


def completeness(episode_ids: pl.Series, scores: pl.DataFrame) -> Completeness:
    """The completeness of one score over the cohort's ``episode_ids``; ``scores`` has
    one row per episode with a value (``episode_id`` and ``n``, the number of values, as
    :func:`dashboard.access.outcomes.stored_scores` gives them).

    Examples
    --------
    >>> scores = pl.DataFrame({"episode_id": [1, 2, 3, 9], "n": [3, 1, 2, 5]})
    >>> c = completeness(pl.Series([1, 2, 3, 4]), scores)
    >>> c.episodes, c.with_baseline, c.paired, c.share.estimate, c.share_of_started.estimate
    (4, 3, 2, 0.5, 0.6666666666666666)
    >>> completeness(pl.Series([], dtype=pl.Int64), scores).share.missing
    'no episodes in the denominator'
    """
    cohort = episode_ids.unique()
    kept = scores.filter(pl.col("episode_id").is_in(cohort.implode()))
    with_baseline = kept.height
    paired = kept.filter(pl.col("n") >= 2).height
    return Completeness(
        episodes=cohort.len(),
        with_baseline=with_baseline,
        paired=paired,
        share=proportion(paired, cohort.len()),
        share_of_started=proportion(paired, with_baseline),
    )
