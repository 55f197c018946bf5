"""Mini-trajectories: each agenda measure of one client, small, side by side (the weekly
review's client panel); the full charts are on Client progress."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard.figures import palette
from dashboard.figures.common import FONT, TEMPLATE, empty_figure, number
from dashboard.figures.overlays import band_edges
from dashboard.figures.trajectory import score_series
from dashboard.review.record import ClientRecord
from measures import Instrument

#: Pixels per row of small charts, and above and below them.
ROW_HEIGHT, TOP, BOTTOM = 120, 40, 36
COLUMNS = 2


def mini_trajectories(record: ClientRecord, instruments: Sequence[Instrument]) -> go.Figure:
    """One small chart per measure with scores in the episode (``instruments``' order):
    the scores by program week on the scale's full range, its bands shaded and its
    cut-off dashed; a daily rating as light points and its 7-day mean. Every chart
    shares the episode's weeks (week 1 to this week).
    """
    charted = [
        (i, rows)
        for i in instruments
        if i.primary is not None
        and not (rows := score_series(record.scores, i, i.primary)).is_empty()
    ]
    title = "Scores by program week"
    if not charted:
        return empty_figure("No scores in this episode yet", title=title, height=160)
    rows_of_charts = math.ceil(len(charted) / COLUMNS)
    fig = make_subplots(
        rows=rows_of_charts,
        cols=COLUMNS,
        subplot_titles=[i.abbreviation for i, _ in charted],
        horizontal_spacing=0.12,
        vertical_spacing=min(0.5 / rows_of_charts, 0.2),
    )
    last_week = max(
        float(record.program_week),
        *(float(cast("float", rows["week"].max())) for _, rows in charted),
    )
    for place, (instrument, rows) in enumerate(charted):
        row, col = place // COLUMNS + 1, place % COLUMNS + 1
        _chart(fig, instrument, rows, row=row, col=col)
        fig.update_xaxes(range=[0.6, last_week + 0.4], dtick=1, row=row, col=col)
    fig.update_annotations(font_size=12)
    fig.update_layout(
        template=TEMPLATE,
        font=FONT | {"size": 11},
        title={"text": title, "x": 0.01, "xref": "container", "font": {"size": 14}},
        height=TOP + BOTTOM + rows_of_charts * ROW_HEIGHT,
        margin={"l": 36, "r": 8, "t": TOP + 16, "b": BOTTOM},
        showlegend=False,
        hovermode="closest",
    )
    fig.update_yaxes(showgrid=False, zeroline=False)
    fig.update_xaxes(showgrid=False, zeroline=False)
    return fig


def _chart(
    fig: go.Figure, instrument: Instrument, rows: pl.DataFrame, *, row: int, col: int
) -> None:
    score = instrument.primary
    assert score is not None  # charted only with a primary score
    fills = palette.band_fills(len(score.bands), worst_first=score.higher_is_better)
    for (low, high), fill in zip(band_edges(score), fills, strict=True):
        fig.add_hrect(
            y0=low,
            y1=high,
            fillcolor=fill,
            opacity=palette.BAND_OPACITY,
            line_width=0,
            layer="below",
            row=row,
            col=col,
            exclude_empty_subplots=False,
        )
    if score.caseness is not None:
        fig.add_hline(
            y=score.caseness.cutoff,
            line={"color": palette.CUTOFF, "dash": "dash", "width": 1},
            row=row,
            col=col,
            exclude_empty_subplots=False,
        )
    hover = [
        f"Week {int(week)}: {number(value)}" + (f" {band}" if band else "")
        for week, value, band in rows.select("week", "value", "band").iter_rows()
    ]
    daily = instrument.display.daily
    fig.add_trace(
        go.Scatter(
            x=rows["week"].to_list(),
            y=rows["value"].to_list(),
            mode="markers" if daily else "lines+markers",
            opacity=0.45 if daily else 1.0,
            marker={"size": 4 if daily else 6, "color": palette.SCORE},
            line={"color": palette.SCORE, "width": 2},
            text=hover,
            hovertemplate="%{text}<extra>" + instrument.abbreviation + "</extra>",
        ),
        row=row,
        col=col,
    )
    if daily:
        mean = rows.with_columns(
            pl.col("value").rolling_mean_by("administered_at", window_size="7d").alias("mean")
        )
        fig.add_trace(
            go.Scatter(
                x=mean["week"].to_list(),
                y=mean["mean"].to_list(),
                mode="lines",
                line={"color": palette.SCORE, "width": 2},
                hovertemplate="7-day mean %{y:.1f}<extra>" + instrument.abbreviation + "</extra>",
            ),
            row=row,
            col=col,
        )
    pad = (score.max - score.min) * 0.05
    fig.update_yaxes(
        range=[score.min - pad, score.max + pad],
        tickvals=[score.min, score.max],
        row=row,
        col=col,
    )
