"""Time to step-down readiness: the checklist assessed at each program week of an episode."""

from __future__ import annotations

import datetime as dt

import polars as pl

from measures import Catalog
from measures.readiness import assess_caseload
from measures.readiness_config import ReadinessConfig

#: The status a week must have to count as the episode's first ready week.
READY = "ready"
SCHEMA: dict[str, pl.DataType] = {
    "episode_id": pl.Int64(),
    "readiness_weeks": pl.Int64(),
    "first_ready_on": pl.Date(),
    "days_to_ready": pl.Int64(),
}


def review_weeks(episodes: pl.DataFrame) -> pl.DataFrame:
    """The program weeks of each discharged episode: one review a week after admission,
    then every week, up to the discharge day (``client_id``, ``review_on``).

    Examples
    --------
    >>> episodes = pl.DataFrame({"client_id": ["1", "2"],
    ...     "admitted_on": [dt.date(2026, 1, 5), dt.date(2026, 1, 5)],
    ...     "discharged_on": [dt.date(2026, 1, 20), None]})
    >>> review_weeks(episodes)["review_on"].to_list()
    [datetime.date(2026, 1, 12), datetime.date(2026, 1, 19)]
    """
    weeks = (pl.col("discharged_on") - pl.col("admitted_on")).dt.total_days() // 7
    return (
        episodes.filter(pl.col("discharged_on").is_not_null())
        .select("client_id", "admitted_on", pl.int_ranges(1, weeks + 1).alias("week"))
        .explode("week")
        .drop_nulls("week")
        .select(
            "client_id",
            (pl.col("admitted_on") + pl.duration(weeks=pl.col("week"))).alias("review_on"),
        )
    )


def first_ready(
    scored: pl.DataFrame,
    episodes: pl.DataFrame,
    attendance: pl.DataFrame,
    raised: pl.DataFrame,
    follow_ups: pl.DataFrame,
    *,
    config: ReadinessConfig,
    catalog: Catalog,
) -> pl.DataFrame:
    """Per discharged episode: how many program weeks it had, and the first at which
    :func:`measures.readiness.assess_caseload` read "ready" (with only the data up to that
    day, as the team would have seen it), and the days from admission to it.

    The frames are those of ``assess_caseload``, each episode keyed by ``client_id``;
    ``episodes`` also has ``episode_pk`` and ``discharged_on``. The weeks are assessed in
    order, each day's episodes together, and an episode no further once it is ready.
    """
    weeks = review_weeks(episodes)
    found: dict[str, dt.date] = {}
    for (day,), due in weeks.sort("review_on").group_by("review_on", maintain_order=True):
        keys = [k for k in due["client_id"].to_list() if k not in found]
        if not keys:
            continue
        chosen = pl.Series(keys, dtype=pl.String).implode()
        on = pl.col("client_id").is_in(chosen)
        results = assess_caseload(
            scored.filter(on),
            episodes.filter(on).select("client_id", "admitted_on", "track"),
            attendance.filter(on).select("client_id", "session_on", "attended"),
            raised.filter(on),
            follow_ups=follow_ups.filter(on),
            as_of=day,
            config=config,
            catalog=catalog,
        )
        found.update({k: day for k, r in results.items() if r.status == READY})
    counts = weeks.group_by("client_id").len("readiness_weeks")
    ready = pl.DataFrame(
        {"client_id": list(found), "first_ready_on": list(found.values())},
        schema={"client_id": pl.String, "first_ready_on": pl.Date},
    )
    return (
        episodes.select("client_id", pl.col("episode_pk").alias("episode_id"), "admitted_on")
        .join(counts, on="client_id", how="left")
        .join(ready, on="client_id", how="left")
        .with_columns(
            (pl.col("first_ready_on") - pl.col("admitted_on"))
            .dt.total_days()
            .alias("days_to_ready")
        )
        .select(list(SCHEMA))
        .cast(SCHEMA)  # type: ignore[arg-type]
    )
