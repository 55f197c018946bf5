"""Triggers and coping actions from check-ins, on the same weeks as the craving ratings."""

from __future__ import annotations

import html
import itertools

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard.figures.common import base_layout, empty_figure
from dashboard.figures.palette import OKABE_ITO, SCORE
from dashboard.figures.weeks import episode_weeks, week_axis, when_text
from dashboard.review.record import ClientRecord, program_week
from measures import Catalog

#: One row per kind of trigger, each with its own colour and marker shape.
TRIGGER_ROWS = {
    "emotional": (OKABE_ITO["vermillion"], "circle"),
    "environmental": (OKABE_ITO["bluish_green"], "square"),
    "social": (OKABE_ITO["reddish_purple"], "diamond"),
    "own words": (OKABE_ITO["orange"], "triangle-up"),
}
#: The daily ratings drawn above the triggers: those of these domains, in display order.
RATING_DOMAINS = ("craving", "self_efficacy")
RATING_COLOURS = (SCORE, OKABE_ITO["sky_blue"], OKABE_ITO["black"])


def triggers_figure(record: ClientRecord, notes: pl.DataFrame, *, catalog: Catalog) -> go.Figure:
    """Daily craving and confidence on top; below, each check-in's triggers by kind.

    Hovering a trigger shows the coping actions of that check-in and whether
    they helped, so the team can talk about what set off a craving peak.
    """
    title = "Triggers and coping"
    subtitle = "next to the daily ratings, by program week"
    shown = {
        i.id: score
        for i in catalog.where(lambda d: d.daily)
        if i.domain in RATING_DOMAINS and (score := i.primary) is not None
    }
    ratings = record.scores.filter(pl.col("measure").is_in(list(shown)))
    if notes.is_empty() and ratings.is_empty():
        return empty_figure("No check-in notes or daily ratings yet", title=title)
    events = _events(record, notes)
    # the triggers' row only where there are triggers: an empty one would lose its axis
    panels = 2 if events.height else 1
    fig = make_subplots(
        rows=panels,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.6, 0.4] if panels == 2 else [1.0],
        vertical_spacing=0.08,
    )
    for (measure, score), colour in zip(
        shown.items(), itertools.cycle(RATING_COLOURS), strict=False
    ):
        label = score.label
        series = ratings.filter(pl.col("measure") == measure).sort("administered_at")
        if series.is_empty():
            continue
        fig.add_trace(
            go.Scatter(
                x=series["week"],
                y=series["score"],
                name=label,
                mode="lines+markers",
                line={"color": colour, "width": 2},
                marker={"size": 5},
                customdata=[
                    when_text(at, week)
                    for at, week in series.select("administered_at", "week").iter_rows()
                ],
                hovertemplate=f"%{{customdata}}<br>{label}: %{{y}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for category, (colour, symbol) in TRIGGER_ROWS.items():
        rows = events.filter(pl.col("category") == category)
        if rows.is_empty():
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["week"],
                y=[category] * rows.height,
                mode="markers",
                name=f"Trigger: {category}",
                marker={"color": colour, "symbol": symbol, "size": 12},
                hovertext=rows["hover"].to_list(),
                hoverinfo="text",
            ),
            row=2,
            col=1,
        )
    base_layout(fig, title=title, subtitle=subtitle, height=480 if panels == 2 else 400)
    low = min((score.min for score in shown.values()), default=0.0)
    high = max((score.max for score in shown.values()), default=10.0)
    fig.update_yaxes(title_text="Rating", range=[low - 0.5, high + 0.5], row=1, col=1)
    weeks = episode_weeks(record)
    week_axis(fig, weeks, row=panels, col=1)
    if panels == 2:
        fig.update_yaxes(categoryorder="array", categoryarray=list(TRIGGER_ROWS), row=2, col=1)
        week_axis(fig, weeks, row=1, col=1)
        fig.update_xaxes(title_text="", showticklabels=False, row=1, col=1)
    return fig


def _events(record: ClientRecord, notes: pl.DataFrame) -> pl.DataFrame:
    if notes.is_empty():
        return pl.DataFrame(schema={"category": pl.String, "week": pl.Float64, "hover": pl.String})
    rows = []
    admitted = record.episode["admitted_on"]
    weeks = notes.with_columns(program_week("submitted_at", admitted))
    for note in weeks.iter_rows(named=True):
        coping = (
            "; ".join(
                f"{c['action']} (helped: {c['helped'] or 'not said'})" for c in note["coping"]
            )
            or "no coping action noted"
        )
        for trigger in note["triggers"]:
            words = f": {trigger['text']}" if trigger["text"] else ""
            hover = (
                f"{when_text(note['submitted_at'], note['week'])}<br>"
                f"Trigger: {trigger['category']}{words}<br>Coping: {coping}"
            )
            # text the client typed is escaped: hover text is HTML in Plotly
            rows.append(
                {
                    "category": trigger["category"],
                    "week": note["week"],
                    "hover": html.escape(hover).replace("&lt;br&gt;", "<br>"),
                }
            )
    return pl.DataFrame(
        rows, schema={"category": pl.String, "week": pl.Float64, "hover": pl.String}
    )
