"""A cohort's episode figures: admissions, how episodes ended, length of stay, attendance,
substance use at the first and last BAM-R and safety flags followed up within a day, from
its stored episode outcomes."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard.cohorts.statistics import Estimate, Spread, mean_interval, median_iqr, proportion
from dashboard.store.tables import DISCHARGE_REASONS

#: The stored outcome columns of attendance.
ATTENDANCE_OUTCOMES = ("days_scheduled", "days_attended")
#: The stored outcome columns of substance use: days of use (bounds) at the first and the
#: last BAM-R, and abstinence at the last.
USE_OUTCOMES = (
    "use_first_on",
    "use_first_low",
    "use_first_high",
    "use_last_on",
    "use_last_low",
    "use_last_high",
    "abstinent_last",
)

#: The columns of the stored episode outcomes these figures read.
COLUMNS = (
    "episode_id",
    "discharged_on",
    "discharge_reason",
    "length_days",
    *ATTENDANCE_OUTCOMES,
    *USE_OUTCOMES,
    "safety_flags",
    "safety_flags_closed_in_day",
)


@dataclass(frozen=True)
class UseDays:
    """Mean days of any use in the 30 days before an administration: the BAM-R's day items
    are bins, so the mean lies between ``low`` and ``high`` (each over ``n`` episodes)."""

    low: Estimate
    high: Estimate


@dataclass(frozen=True)
class EpisodeFigures:
    """What happened to a cohort's episodes.

    ``endings`` maps each discharge reason to its share of the discharged episodes;
    ``length_of_stay`` is in days, over discharged episodes; ``attendance`` the mean of
    each episode's share of scheduled days attended. Substance use compares the first and
    the last BAM-R of the discharged episodes that have a later one (``use_paired``
    episodes); ``abstinent_at_end`` is the share with no use at that last one.
    ``safety_closed_in_day`` is the share of the cohort's safety flags closed with a
    follow-up within a day (measurement-based care fidelity).
    """

    admissions: int
    discharged: int
    endings: dict[str, Estimate]
    length_of_stay: Spread
    attendance: Estimate
    use_paired: int
    use_at_start: UseDays
    use_at_end: UseDays
    abstinent_at_end: Estimate
    safety_closed_in_day: Estimate


def episode_figures(outcomes: pl.DataFrame) -> EpisodeFigures:
    """The figures of a cohort's stored outcome rows (:data:`COLUMNS` of
    :func:`dashboard.access.outcomes.stored_outcomes`, one row per episode).

    Examples
    --------
    >>> import datetime as dt
    >>> day = dt.date(2026, 9, 1)
    >>> rows = pl.DataFrame({
    ...     "episode_id": [1, 2, 3],
    ...     "discharged_on": [day, day, None],
    ...     "discharge_reason": ["completed", "left_early", None],
    ...     "length_days": [42, 10, None],
    ...     "days_scheduled": [18, 6, 4],
    ...     "days_attended": [18, 3, 4],
    ...     "use_first_on": [dt.date(2026, 7, 21), None, None],
    ...     "use_first_low": [3, None, None], "use_first_high": [5, None, None],
    ...     "use_last_on": [dt.date(2026, 8, 30), None, None],
    ...     "use_last_low": [0, None, None], "use_last_high": [0, None, None],
    ...     "abstinent_last": [True, None, None],
    ...     "safety_flags": [1, 0, 1], "safety_flags_closed_in_day": [1, 0, 0],
    ... })
    >>> figures = episode_figures(rows)
    >>> figures.admissions, figures.discharged, figures.endings["completed"].estimate
    (3, 2, 0.5)
    >>> figures.length_of_stay.median, figures.use_paired, figures.abstinent_at_end.estimate
    (26.0, 1, 1.0)
    >>> figures.safety_closed_in_day.estimate
    0.5
    """
    discharged = outcomes.filter(pl.col("discharged_on").is_not_null())
    ended = discharged.height
    reasons = discharged["discharge_reason"].value_counts()
    count_of = dict(zip(reasons["discharge_reason"], reasons["count"], strict=True))
    scheduled = outcomes.filter(pl.col("days_scheduled") > 0)
    paired = discharged.filter(
        pl.col("use_last_on").is_not_null() & (pl.col("use_last_on") > pl.col("use_first_on"))
    )
    return EpisodeFigures(
        admissions=outcomes.height,
        discharged=ended,
        endings={
            reason: proportion(int(count_of.get(reason, 0)), ended) for reason in DISCHARGE_REASONS
        },
        length_of_stay=median_iqr(discharged["length_days"]),
        attendance=mean_interval(scheduled["days_attended"] / scheduled["days_scheduled"]),
        use_paired=paired.height,
        use_at_start=UseDays(
            low=mean_interval(paired["use_first_low"]), high=mean_interval(paired["use_first_high"])
        ),
        use_at_end=UseDays(
            low=mean_interval(paired["use_last_low"]), high=mean_interval(paired["use_last_high"])
        ),
        abstinent_at_end=proportion(int(paired["abstinent_last"].sum()), paired.height),
        safety_closed_in_day=_safety(outcomes),
    )


def _safety(outcomes: pl.DataFrame) -> Estimate:
    flags = int(outcomes["safety_flags"].sum())
    if flags == 0:
        return Estimate.lacking("no safety flags in the cohort", n=0)
    return proportion(int(outcomes["safety_flags_closed_in_day"].sum()), flags)
