"""The agenda's table: one row per client, built with group-bys and joins."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard.review.flags import ENDORSED, UNKNOWN
from dashboard.review.follow_up_options import OUTCOMES
from dashboard.review.priorities import (
    agenda_order,
    concerns_expression,
    priority_expression,
    priority_label,
)
from dashboard.review.score_cells import agenda_measures, measure_texts
from measures import Catalog
from measures.change import DETERIORATED
from measures.program import ProgramConfig
from measures.readiness import CaseloadReadiness

#: Days of attendance shown on the agenda (the last two weeks).
ATTENDANCE_DAYS = 14
_CLIENT = ["client_id"]


def agenda_rows(
    episodes: pl.DataFrame,
    facts: pl.DataFrame,
    change: pl.DataFrame,
    attendance: pl.DataFrame,
    flags: pl.DataFrame,
    readiness: CaseloadReadiness,
    off_track: pl.DataFrame,
    due: pl.DataFrame,
    decisions: pl.DataFrame,
    plans: pl.DataFrame,
    *,
    program: ProgramConfig,
    catalog: Catalog,
    as_of: dt.date,
) -> pl.DataFrame:
    """One row per client, built with group-bys and joins (no loop over clients).

    Each client's facts are joined into one frame (``open_safety``, ``open_unknown``,
    ``deteriorated`` and ``behind`` in the clinical range, ``worse_nonclinical``,
    ``overdue``, ``low_attendance``, ``readiness``...), the rules of
    :data:`~dashboard.review.priorities.PRIORITIES` are read over it (``priority``,
    ``concerns``, ``why_now``), and the agenda's columns selected in agenda order.
    ``facts`` are :func:`~dashboard.review.score_cells.measure_facts`.
    """
    primary = change.filter(pl.col("score_id") == "score")
    abbreviation = _abbreviation(catalog)
    clinical = primary.select(
        "client_id", "measure", pl.col("latest_case").fill_null(True).alias("clinical")
    )
    worse = primary.filter(pl.col("change_class") == DETERIORATED).join(
        clinical, on=["client_id", "measure"], how="left"
    )
    behind = (
        off_track.filter(pl.col("not_on_track").fill_null(False))
        .select("client_id", "measure")
        .join(clinical, on=["client_id", "measure"], how="left")
        .with_columns(pl.col("clinical").fill_null(True))
    )
    parts = [
        _attended(attendance, as_of),
        _safety(flags, as_of, days=program.readiness.safety.window_days),
        _named(worse.filter(pl.col("clinical")), "deteriorated", abbreviation),
        _named(behind.filter(pl.col("clinical")), "behind", abbreviation),
        _named(
            pl.concat([worse.select(behind.columns), behind]).filter(~pl.col("clinical")).unique(),
            "worse_nonclinical",
            abbreviation,
        ),
        _overdue(due, abbreviation),
        _severity(facts),
        _readiness_status(readiness),
        plans,
        measure_texts(facts),
    ]
    rows = episodes.join(_decision(decisions), on="episode_pk", how="left")
    for frame in parts:
        rows = rows.join(frame, on=_CLIENT, how="left")
    threshold = program.readiness.attendance.attendance_min
    rows = _with_derived(rows, threshold=threshold, as_of=as_of)
    measures = [m.abbreviation for m in agenda_measures(catalog) if m.abbreviation in rows.columns]
    return _shown(
        rows.with_columns(
            priority_expression().alias("priority"),
            concerns_expression().alias("concerns"),
            _flag_texts(threshold).list.join("; ").alias("flags"),
            _other_concerns(threshold).list.join("; ").alias("other_concerns"),
            _attendance_text().alias("attendance_2w"),
        )
        .with_columns(
            priority_label().alias("priority_label"),
            _why_now(threshold).alias("why_now"),
        )
        .with_columns(pl.col(m).fill_null("") for m in measures),
        measures,
    )


def _abbreviation(catalog: Catalog) -> pl.Expr:
    names = {i.id: i.abbreviation for i in catalog}
    return pl.col("measure").replace_strict(names, default=pl.col("measure"))


def _attended(attendance: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Program days attended and scheduled in the last :data:`ATTENDANCE_DAYS` days."""
    recent = attendance.filter(pl.col("session_on") > as_of - dt.timedelta(days=ATTENDANCE_DAYS))
    return (
        recent.group_by("client_id", "session_on")
        .agg(pl.col("attended").any())
        .group_by(_CLIENT)
        .agg(pl.col("attended").sum().alias("days_attended"), pl.len().alias("days_scheduled"))
    )


def _safety(flags: pl.DataFrame, as_of: dt.date, *, days: int) -> pl.DataFrame:
    """Open safety flags and unknowns (no closing follow-up), how many of each, and a
    line for each; and the flags of the last ``days`` a follow-up found elevated risk."""
    outcomes = {o.key: o.label.lower() for o in OUTCOMES}
    day = pl.col("flagged_at").dt.strftime("%d %b")
    endorsed, unknown = pl.col("kind") == ENDORSED, pl.col("kind") == UNKNOWN
    still = (
        pl.when(pl.col("follow_ups") > 0)
        .then(pl.lit("still open"))
        .otherwise(pl.lit("no follow-up yet"))
    )
    unfinished = pl.when(pl.col("given").is_not_null()).then(pl.format(" ({})", "given"))
    text = (
        pl.when(~pl.col("closed") & endorsed)
        .then(
            pl.format(
                "{} answered {} on {}{}: {}",
                "item",
                "value",
                day,
                unfinished.otherwise(pl.lit("")),
                still,
            )
        )
        .when(~pl.col("closed") & unknown)
        .then(pl.format("{} unanswered on {}: safety unknown, ask in person", "item", day))
        .otherwise(
            pl.format(
                "{} on {}: followed up, elevated risk ({})",
                "item",
                day,
                pl.col("outcome").replace_strict(outcomes, default=pl.col("outcome")),
            )
        )
    )
    recent = pl.col("flagged_on") > as_of - dt.timedelta(days=days)
    shown = flags.filter(~pl.col("closed") | (pl.col("elevated") & recent))
    return (
        shown.sort("flagged_at")
        .group_by(_CLIENT)
        .agg(
            (~pl.col("closed") & endorsed).sum().alias("open_safety"),
            (~pl.col("closed") & unknown).sum().alias("open_unknown"),
            pl.col("flagged_at").filter(~pl.col("closed")).max().alias("latest_open_flag"),
            text.alias("safety_text"),
            pl.col("item").filter(~pl.col("closed") & endorsed).last().alias("safety_item"),
            pl.col("item").filter(~pl.col("closed") & unknown).last().alias("unknown_item"),
        )
    )


def _named(rows: pl.DataFrame, alias: str, abbreviation: pl.Expr) -> pl.DataFrame:
    """The abbreviations of each client's measures in ``rows``, as one text."""
    return rows.group_by(_CLIENT).agg(abbreviation.sort().str.join(", ").alias(alias))


def _overdue(due: pl.DataFrame, abbreviation: pl.Expr) -> pl.DataFrame:
    """Overdue measures, most overdue first ("PHQ-9 3 d"), and the most days overdue."""
    return (
        due.filter(pl.col("overdue_days") > 0)
        .sort("overdue_days", descending=True)
        .group_by(_CLIENT, maintain_order=True)
        .agg(
            pl.format("{} {} d", abbreviation, "overdue_days").str.join(", ").alias("overdue"),
            pl.format("{} {} d", abbreviation, "overdue_days").first().alias("overdue_first"),
            pl.len().alias("overdue_count"),
            pl.col("overdue_days").max(),
        )
    )


def _severity(facts: pl.DataFrame) -> pl.DataFrame:
    """How high each client's most severe latest score sits in its instrument's bands:
    0 in the mildest band, 1 in the most severe (measures without bands do not count)."""
    count, index = pl.col("band_count"), pl.col("band_index")
    severity = pl.when(pl.col("higher_is_better")).then(count - 1 - index).otherwise(index)
    return facts.group_by(_CLIENT).agg(
        (severity / (count - 1).clip(lower_bound=1)).max().alias("severity")
    )


def _readiness_status(readiness: CaseloadReadiness) -> pl.DataFrame:
    return readiness.statuses.select("client_id", pl.col("status").alias("readiness"))


def _decision(decisions: pl.DataFrame) -> pl.DataFrame:
    """The latest decision of each episode this week, with who made it."""
    return (
        decisions.sort("decided_at", descending=True)
        .unique("episode_pk", keep="first")
        .select(
            "episode_pk",
            pl.format("{} ({})", pl.col("decision").str.replace_all("_", " "), "decided_by").alias(
                "decision"
            ),
        )
    )


def _with_derived(rows: pl.DataFrame, *, threshold: float | None, as_of: dt.date) -> pl.DataFrame:
    """Defaults for clients without a fact, and the columns computed from the facts."""
    rate = pl.col("attendance_rate")
    return rows.with_columns(
        pl.col("open_safety").fill_null(0),
        pl.col("open_unknown").fill_null(0),
        pl.col("overdue_days").fill_null(0),
        pl.col("severity").fill_null(0.0),
        pl.col("readiness").fill_null("not enough data"),
        pl.col("decision").fill_null(""),
        pl.when(pl.col("plan_saved_at").is_null())
        .then(pl.lit("no plan yet"))
        .otherwise(
            pl.format("v{}, saved {}", "plan_version", pl.col("plan_saved_at").dt.strftime("%d %b"))
        )
        .alias("plan"),
        (pl.col("days_attended") / pl.col("days_scheduled")).alias("attendance_rate"),
        ((pl.lit(as_of) - pl.col("admitted_on")).dt.total_days() // 7 + 1).alias("program_week"),
    ).with_columns(
        (rate < threshold if threshold is not None else pl.lit(False))
        .fill_null(False)
        .alias("low_attendance")
    )


def _flag_texts(threshold: float | None) -> pl.Expr:
    """Every reason for concern of a client, as a list of short texts."""
    return pl.concat_list(pl.col("safety_text").fill_null([]), _other_concerns(threshold))


def _other_concerns(threshold: float | None) -> pl.Expr:
    """The reasons for concern besides safety answers, as a list of short texts."""
    return pl.concat_list(
        pl.concat_list(pl.format("reliable deterioration: {}", "deteriorated")),
        pl.concat_list(pl.format("not on track: {}", "behind")),
        pl.concat_list(pl.format("overdue: {}", "overdue")),
        pl.concat_list(pl.format("worse, still subclinical: {}", "worse_nonclinical")),
        pl.concat_list(
            pl.when(pl.col("low_attendance")).then(
                pl.format(
                    "attendance {}% (below {}%)",
                    _percent(pl.col("attendance_rate")),
                    round((threshold or 0) * 100),
                )
            )
        ),
    ).list.drop_nulls()


def _percent(share: pl.Expr) -> pl.Expr:
    return (share * 100).round(0).cast(pl.Int64)


def _attendance_text() -> pl.Expr:
    return (
        pl.when(pl.col("days_scheduled") > 0)
        .then(
            pl.format(
                "{}/{} days ({}%)",
                "days_attended",
                "days_scheduled",
                _percent(pl.col("attendance_rate")),
            )
        )
        .otherwise(pl.lit("no sessions"))
    )


def _why_now(threshold: float | None) -> pl.Expr:
    """The reason a client is where they are on the agenda, in a few words, with the
    number of further reasons ("+2") where more than one rule holds."""
    percent = _percent(pl.col("attendance_rate"))
    overdue = (
        pl.when(pl.col("overdue_count") > 1)
        .then(pl.format("Overdue: {} measures", "overdue_count"))
        .otherwise(pl.format("Overdue: {}", "overdue_first"))
    )
    reason = (
        pl.when(pl.col("priority") == 1)
        .then(pl.format("Safety: {}", "safety_item"))
        .when(pl.col("priority") == 2)
        .then(pl.format("Unknown: {}", "unknown_item"))
        .when(pl.col("priority") == 3)
        .then(pl.format("Worse: {}", "deteriorated"))
        .when(pl.col("priority") == 4)
        .then(pl.format("Off track: {}", "behind"))
        .when(pl.col("priority") == 5)
        .then(overdue)
        .when(pl.col("priority") == 6)
        .then(pl.format("Attended {}% (<{}%)", percent, round((threshold or 0) * 100)))
        .when(pl.col("priority") == 7)
        .then(pl.format("Worse, subclinical: {}", "worse_nonclinical"))
        .when(pl.col("priority") == 8)
        .then(pl.format("Step-down: {}", "readiness"))
        .otherwise(pl.lit("No concern found"))
    )
    more = pl.col("concerns") - 1
    return pl.when(more > 0).then(pl.format("{} (+{})", reason, more)).otherwise(reason)


#: The agenda's columns before its measure columns (one per agenda measure any client
#: has a score of, in display order) and after them.
BEFORE_MEASURES = (
    "priority",
    "priority_label",
    "why_now",
    "client_id",
    "display_name",
    "episode_id",
    "episode_pk",
    "program_week",
    "site",
    "track",
    "clinician",
    "attendance_2w",
    "attendance_rate",
)
AFTER_MEASURES = (
    "flags",
    "other_concerns",
    "readiness",
    "decision",
    "plan",
    "open_safety",
    "open_unknown",
    "concerns",
    "severity",
    "overdue_days",
    "latest_open_flag",
)


def _shown(rows: pl.DataFrame, measures: list[str]) -> pl.DataFrame:
    """The agenda's columns, in agenda order (:func:`~dashboard.review.priorities.agenda_order`)."""
    before = [pl.col("track_name").alias(c) if c == "track" else pl.col(c) for c in BEFORE_MEASURES]
    return agenda_order(rows.select(*before, *measures, *AFTER_MEASURES))


def with_measure_columns(rows: pl.DataFrame, headings: set[str], catalog: Catalog) -> pl.DataFrame:
    """``rows`` with one column per agenda measure among ``headings`` (blank for a client
    without its score), in the agenda's column order: the columns a build of these
    rows' clients together gives, whose score cells have these headings."""
    measures = [m.abbreviation for m in agenda_measures(catalog) if m.abbreviation in headings]
    return rows.with_columns(
        pl.col(m).fill_null("") if m in rows.columns else pl.lit("").alias(m) for m in measures
    ).select(*BEFORE_MEASURES, *measures, *AFTER_MEASURES)
