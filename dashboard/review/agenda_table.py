"""The agenda's table: one row per client, built with group-bys and joins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from measures import Catalog
from measures.formatting import number_text
from measures.program import ProgramConfig
from measures.readiness import Readiness

#: The measures shown as columns of the agenda, in this order.
CORE_MEASURES = ("phq9", "gad7", "who5", "pacs", "craving_nrs", "confidence_nrs")
#: Agenda order: the first reason that applies decides a client's place. Each group
#: with its short name for the counts above the weekly review table.
PRIORITY_SHORT_NAMES = {
    "Safety answer to acknowledge": "Safety answers",
    "Reliable deterioration": "Deteriorating",
    "Not on track": "Not on track",
    "Overdue measures": "Overdue measures",
    "Attendance below threshold": "Low attendance",
    "Step-down candidate": "Step-down candidates",
    "Other": "Other",
}
#: The agenda groups in agenda order.
PRIORITIES = tuple(PRIORITY_SHORT_NAMES)
#: Days of attendance shown on the agenda (the last two weeks).
ATTENDANCE_DAYS = 14


def agenda_rows(
    episodes: pl.DataFrame,
    scored: pl.DataFrame,
    change: pl.DataFrame,
    attendance: pl.DataFrame,
    flags: pl.DataFrame,
    readiness: dict[str, Readiness],
    off_track: pl.DataFrame,
    due: pl.DataFrame,
    decisions: pl.DataFrame,
    plans: pl.DataFrame,
    *,
    program: ProgramConfig,
    catalog: Catalog,
    as_of: dt.date,
) -> pl.DataFrame:
    """One row per client, built with group-bys and joins (no loop over clients)."""
    names = {i.id: i.abbreviation for i in catalog}
    abbreviation = pl.col("measure").replace_strict(names, default=pl.col("measure"))
    client = ["client_id"]
    threshold = program.readiness.attendance.attendance_min
    recent = attendance.filter(pl.col("session_on") > as_of - dt.timedelta(days=ATTENDANCE_DAYS))
    attended = (
        recent.group_by("client_id", "session_on")
        .agg(pl.col("attended").any())
        .group_by(client)
        .agg(pl.col("attended").sum().alias("days_attended"), pl.len().alias("days_scheduled"))
    )
    unacknowledged = (
        flags.filter(pl.col("acknowledged_at").is_null())
        .sort("administered_at")
        .group_by(client)
        .agg(
            pl.len().alias("unacknowledged"),
            pl.format(
                "{} answered {} on {}: not acknowledged",
                "item",
                "value",
                pl.col("administered_at").dt.strftime("%d %b"),
            ).alias("safety_text"),
        )
    )
    primary = change.filter(pl.col("score_id") == "score")
    deteriorated = (
        primary.filter(pl.col("change_class") == "reliably deteriorated")
        .group_by(client)
        .agg(abbreviation.sort().str.join(", ").alias("deteriorated"))
    )
    behind = (
        off_track.filter(pl.col("not_on_track").fill_null(False))
        .group_by(client)
        .agg(abbreviation.sort().str.join(", ").alias("behind"))
    )
    overdue = (
        due.filter(pl.col("overdue_days") > 0)
        .sort("overdue_days", descending=True)
        .group_by(client, maintain_order=True)
        .agg(
            pl.format("{} {} d", abbreviation, "overdue_days").str.join(", ").alias("overdue"),
            pl.col("overdue_days").max(),
        )
    )
    status = pl.DataFrame(
        [(c, r.status) for c, r in readiness.items()],
        schema={"client_id": pl.String, "readiness": pl.String},
        orient="row",
    )
    decision = (
        decisions.sort("decided_at", descending=True)
        .unique("episode_pk", keep="first")
        .select(
            "episode_pk",
            pl.format("{} ({})", pl.col("decision").str.replace_all("_", " "), "decided_by").alias(
                "decision"
            ),
        )
    )
    rows = (
        episodes.join(attended, on=client, how="left")
        .join(unacknowledged, on=client, how="left")
        .join(deteriorated, on=client, how="left")
        .join(behind, on=client, how="left")
        .join(overdue, on=client, how="left")
        .join(status, on=client, how="left")
        .join(decision, on="episode_pk", how="left")
        .join(plans, on=client, how="left")
        .join(_measure_cells(scored, primary, catalog), on=client, how="left")
        .with_columns(
            pl.col("unacknowledged").fill_null(0),
            pl.col("overdue_days").fill_null(0),
            pl.col("readiness").fill_null("not enough data"),
            pl.col("decision").fill_null(""),
            pl.when(pl.col("plan_saved_at").is_null())
            .then(pl.lit("no plan yet"))
            .otherwise(
                pl.format(
                    "v{}, saved {}", "plan_version", pl.col("plan_saved_at").dt.strftime("%d %b")
                )
            )
            .alias("plan"),
            (pl.col("days_attended") / pl.col("days_scheduled")).alias("attendance_rate"),
            ((pl.lit(as_of) - pl.col("admitted_on")).dt.total_days() // 7 + 1).alias(
                "program_week"
            ),
        )
    )
    low = (
        pl.col("attendance_rate") < threshold if threshold is not None else pl.lit(False)
    ).fill_null(False)
    reasons = [
        pl.col("unacknowledged") > 0,
        pl.col("deteriorated").is_not_null(),
        pl.col("behind").is_not_null(),
        pl.col("overdue").is_not_null(),
        low,
        pl.col("readiness").is_in(["ready", "approaching"]),
    ]
    priority: Any = pl.when(reasons[0]).then(1)
    for number, reason in enumerate(reasons[1:], start=2):
        priority = priority.when(reason).then(number)
    priority = priority.otherwise(len(PRIORITIES))
    flag_texts = pl.concat_list(
        pl.col("safety_text").fill_null([]),
        pl.concat_list(pl.format("reliable deterioration: {}", "deteriorated")),
        pl.concat_list(pl.format("not on track: {}", "behind")),
        pl.concat_list(pl.format("overdue: {}", "overdue")),
        pl.concat_list(
            pl.when(low).then(
                pl.format(
                    "attendance {}% (below {}%)",
                    (pl.col("attendance_rate") * 100).round(0).cast(pl.Int64),
                    round((threshold or 0) * 100),
                )
            )
        ),
    ).list.drop_nulls()
    measures = [catalog[m].abbreviation for m in CORE_MEASURES if m in catalog]
    return (
        rows.with_columns(
            priority.alias("priority"),
            flag_texts.list.join("; ").alias("flags"),
            pl.when(pl.col("days_scheduled") > 0)
            .then(
                pl.format(
                    "{}/{} days ({}%)",
                    "days_attended",
                    "days_scheduled",
                    (pl.col("attendance_rate") * 100).round(0).cast(pl.Int64),
                )
            )
            .otherwise(pl.lit("no sessions"))
            .alias("attendance_2w"),
        )
        .with_columns(
            pl.col("priority")
            .replace_strict(dict(enumerate(PRIORITIES, start=1)), return_dtype=pl.String)
            .alias("priority_label"),
        )
        .with_columns(pl.col(m).fill_null("") for m in measures if m in rows.columns)
        .select(
            "priority",
            "priority_label",
            "client_id",
            "display_name",
            "episode_id",
            "episode_pk",
            "program_week",
            "site",
            pl.col("track_name").alias("track"),
            "clinician",
            "attendance_2w",
            "attendance_rate",
            *[m for m in measures if m in rows.columns],
            "flags",
            "readiness",
            "decision",
            "plan",
            "unacknowledged",
            "overdue_days",
        )
        .sort(["priority", "overdue_days", "display_name"], descending=[False, True, False])
    )


def _measure_cells(scored: pl.DataFrame, primary: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Per client, one text cell per core measure: latest score, band and change."""
    core = [m for m in CORE_MEASURES if m in catalog]
    daily = [m for m in core if len(catalog[m].items) == 1]
    series = scored.filter(pl.col("measure").is_in(core) & pl.col("score").is_not_null()).sort(
        "administered_at"
    )
    last_week = pl.col("administered_at") > pl.col("administered_at").max() - pl.duration(days=7)
    latest = series.group_by("client_id", "measure").agg(
        pl.col("severity").last().alias("band"),
        pl.col("score").filter(last_week).mean().alias("week_mean"),
    )
    facts = primary.filter(pl.col("measure").is_in(core)).join(
        latest, on=["client_id", "measure"], how="left"
    )
    slope = pl.col("slope_per_week")
    trend = (
        pl.when((pl.col("n") < 3) | slope.is_null())
        .then(None)
        .when(slope.abs() < 0.25)
        .then(pl.lit("steady"))
        .when(slope > 0)
        .then(pl.lit("rising"))
        .otherwise(pl.lit("falling"))
    )
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
    cell = (
        pl.when(pl.col("measure").is_in(daily))
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
    names = {m: catalog[m].abbreviation for m in core}
    cells = facts.select(
        "client_id",
        pl.col("measure").replace_strict(names),
        cell.alias("cell"),
    )
    if cells.is_empty():
        return pl.DataFrame(schema={"client_id": pl.String})
    return cells.pivot(on="measure", index="client_id", values="cell")
