"""One measure over the episode: the client's scores, safety flags and the context layers."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboard.figures import palette
from dashboard.figures.common import base_layout, empty_figure, number
from dashboard.figures.overlays import (
    add_bands,
    add_care_levels,
    add_cutoff,
    add_expected,
    add_reliable_change,
    expected_rows,
)
from dashboard.figures.weeks import Weeks, episode_weeks, week_axis, when_text
from dashboard.review.flags import ENDORSED, follow_up_text
from dashboard.review.record import ClientRecord
from measures import Catalog, Instrument, Score

AXIS_PAD = 0.03


def trajectory_figure(
    record: ClientRecord,
    instrument: str,
    *,
    score_id: str = "score",
    catalog: Catalog,
    for_client: bool = False,
) -> go.Figure:
    """One score of one measure by program week, with everything needed to read it.

    ``for_client``: the client's own view (My progress): the expected range in
    plain words without statistics, and none of the team's reading aids (the
    reliable-change band, the clinical cut-off), whose words are for the team.
    """
    definition = catalog[instrument]
    score = definition.score(score_id)
    title, subtitle = score.label, f"by program week, {direction_words(score)}"
    rows = score_series(record.scores, definition, score)
    if rows.is_empty():
        return empty_figure(f"No {definition.abbreviation} scores in this episode yet", title=title)
    fig = base_layout(go.Figure(), title=title, subtitle=subtitle, height=460)
    add_bands(fig, score)
    if not for_client:
        add_reliable_change(fig, score, rows["value"][0])
        add_cutoff(fig, score)
    expected = expected_rows(record, definition, score)
    add_expected(fig, expected, for_client=for_client)
    add_care_levels(fig, record.care_levels)
    if definition.display.daily:  # light points and a 7-day mean
        add_daily(fig, rows, score)
    else:
        add_scores(fig, rows, score)
    add_safety(fig, record.flags, definition, rows, score)
    set_axes(fig, score, episode_weeks(record))
    return fig


def direction_words(score: Score) -> str:
    """The direction of a score in words."""
    return "higher is better" if score.higher_is_better else "higher is worse"


def score_series(scores: pl.DataFrame, instrument: Instrument, score: Score) -> pl.DataFrame:
    """Administrations with a value of ``score``: date, week, value, band and notes."""
    if scores.is_empty() or score.column not in scores.columns:
        return pl.DataFrame(schema={"administration_id": pl.Int64, "value": pl.Float64})
    rows = scores.filter(
        (pl.col("measure") == instrument.id) & pl.col(score.column).is_not_null()
    ).sort("administered_at")
    return rows.select(
        "administration_id",
        "administered_at",
        "week",
        pl.col(score.column).cast(pl.Float64).alias("value"),
        pl.Series("notes", [_notes(row, instrument) for row in rows.iter_rows(named=True)]),
    ).with_columns(
        pl.col("value").map_elements(score.band_of, return_dtype=pl.String).alias("band")
    )


def _notes(row: dict[str, Any], instrument: Instrument) -> str:
    notes = []
    scored = sum(1 for item in instrument.items if item.scored)
    if row.get("prorated"):
        missing = scored - (row.get("items_answered") or scored)
        notes.append(f"prorated: {missing} missing item(s) filled with the mean of the others")
    notes.extend(row.get("problems") or [])
    return "; ".join(notes)


def _hover(rows: pl.DataFrame, score: Score) -> list[str]:
    lines = []
    for row in rows.iter_rows(named=True):
        text = f"{when_text(row['administered_at'], row['week'])}<br>"
        text += f"{score.label}: {number(row['value'])}"
        if row["band"]:
            text += f"<br>Band: {row['band']}"
        if row["notes"]:
            text += f"<br>Note: {row['notes']}"
        lines.append(text)
    return lines


def add_scores(fig: go.Figure, rows: pl.DataFrame, score: Score) -> None:
    """The client's scores as a line with markers; hover tells date, score, band and notes."""
    fig.add_trace(
        go.Scatter(
            x=rows["week"].to_list(),
            y=rows["value"].to_list(),
            mode="lines+markers",
            name=score.label,
            line={"color": palette.SCORE, "width": 2.5},
            marker={"size": 9, "color": palette.SCORE, "line": {"color": "white", "width": 1}},
            text=_hover(rows, score),
            hovertemplate="%{text}<extra></extra>",
        )
    )


def add_daily(fig: go.Figure, rows: pl.DataFrame, score: Score) -> None:
    """Daily ratings as light points and their 7-day rolling mean as a line."""
    fig.add_trace(
        go.Scatter(
            x=rows["week"].to_list(),
            y=rows["value"].to_list(),
            mode="markers",
            name="daily rating",
            opacity=0.4,
            marker={"size": 7, "color": palette.SCORE},
            text=_hover(rows, score),
            hovertemplate="%{text}<extra></extra>",
        )
    )
    mean = rows.with_columns(
        pl.col("value").rolling_mean_by("administered_at", window_size="7d").alias("mean")
    )
    hover = [
        f"{when_text(at, week)}<br>average of the 7 days to then: {mean_value:.1f}"
        for at, week, mean_value in mean.select("administered_at", "week", "mean").iter_rows()
    ]
    fig.add_trace(
        go.Scatter(
            x=mean["week"].to_list(),
            y=mean["mean"].to_list(),
            mode="lines",
            name="7-day average",
            line={"color": palette.SCORE, "width": 3},
            text=hover,
            hovertemplate="%{text}<extra></extra>",
        )
    )


def add_safety(
    fig: go.Figure, flags: pl.DataFrame, instrument: Instrument, rows: pl.DataFrame, score: Score
) -> None:
    """A red-orange triangle at every endorsed safety answer (at its administration's
    score; at the top of the scale for one answered in a check-in not yet finished)."""
    if flags.is_empty() or not instrument.critical_items:
        return
    values = dict(zip(rows["administration_id"], rows["value"], strict=True))
    x, y, hover = [], [], []
    mine = flags.filter((pl.col("measure") == instrument.id) & (pl.col("kind") == ENDORSED))
    for row in mine.iter_rows(named=True):
        x.append(row["week"])
        y.append(values.get(row["administration_id"], score.max))
        hover.append(
            f"{when_text(row['flagged_at'], row['week'])}<br>"
            f"{row['item']} answered {row['answer']}: {follow_up_text(row)}"
        )
    if not x:
        return
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers",
            name="safety item endorsed",
            marker={
                "symbol": "triangle-up",
                "size": 16,
                "color": palette.SAFETY,
                "line": {"color": "white", "width": 1.5},
            },
            text=hover,
            hovertemplate="%{text}<extra></extra>",
        )
    )


def set_axes(fig: go.Figure, score: Score, weeks: Weeks) -> None:
    """The episode's program weeks (:func:`dashboard.figures.weeks.week_axis`); the
    score's full range on the y-axis."""
    week_axis(fig, weeks)
    pad = (score.max - score.min) * AXIS_PAD
    span = f"{number(score.min)}-{number(score.max)}"
    title = score.label if span in score.label else f"{score.label} ({span})"
    fig.update_yaxes(
        title_text=title,
        range=[score.min - pad, score.max + pad],
        zeroline=False,
        showgrid=False,
    )
