"""A rate by quarter as a p-chart: the centre line and its 3-sigma control limits, so that a
real change stands out from noise."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.cohorts.statistics import PChart
from dashboard.figures import palette
from dashboard.figures.common import base_layout, empty_figure

SUBTITLE = "share per quarter; outside the limits: more than chance"


def control_chart_figure(chart: PChart, *, title: str) -> go.Figure:
    """The p-chart of :func:`dashboard.cohorts.trend.control_chart`.

    Each block's share is a point on a line; the limits step with each block's size (a
    small quarter has wide limits); a share beyond them is a diamond labelled "signal".
    A block without episodes has no point, and says so on hover.

    Examples
    --------
    >>> import polars as pl
    >>> from dashboard.cohorts.statistics import p_chart
    >>> counts = pl.DataFrame({"block": ["2026 Q1", "2026 Q2"], "events": [10, 30],
    ...                        "n": [50, 50]})
    >>> fig = control_chart_figure(p_chart(counts, subgroup="block", events="events",
    ...                            total="n"), title="Completed")
    >>> [trace.name for trace in fig.data]
    ['control limits', 'lower limit', 'centre line (40%)', 'share', 'signal']
    """
    if chart.centre is None:
        return empty_figure(chart.missing or "Nothing to show", title=title)
    points = chart.points.with_columns(
        (pl.col("proportion") * 100).alias("percent"),
        (pl.col("lower") * 100).alias("low"),
        (pl.col("upper") * 100).alias("high"),
    )
    blocks = points["subgroup"].to_list()
    fig = base_layout(go.Figure(), title=title, subtitle=SUBTITLE, height=400)
    for column, name in (("high", "upper limit"), ("low", "lower limit")):
        fig.add_trace(
            go.Scatter(
                x=blocks,
                y=points[column].to_list(),
                name="control limits" if column == "high" else name,
                legendgroup="limits",
                showlegend=column == "high",
                mode="lines",
                line={"color": palette.CUTOFF, "width": 1, "dash": "dot", "shape": "hvh"},
                hovertemplate="%{x}: " + name + " %{y:.0f}%<extra></extra>",
            )
        )
    centre = chart.centre * 100
    fig.add_trace(
        go.Scatter(
            x=blocks,
            y=[centre] * len(blocks),
            name=f"centre line ({centre:.0f}%)",
            mode="lines",
            line={"color": palette.EXPECTED, "width": 2, "dash": "dash"},
            hoverinfo="skip",
        )
    )
    hover = [
        f"{block}: {events} of {n} ({percent:.0f}%)" if n else f"{block}: no episodes"
        for block, events, n, percent in points.select(
            "subgroup", "events", "n", pl.col("percent").fill_null(0)
        ).rows()
    ]
    fig.add_trace(
        go.Scatter(
            x=blocks,
            y=points["percent"].to_list(),
            name="share",
            mode="lines+markers",
            line={"color": palette.SCORE, "width": 2},
            marker={"size": 8},
            hovertext=hover,
            hoverinfo="text",
            connectgaps=False,
        )
    )
    outside = points.filter(pl.col("outside").fill_null(False))
    fig.add_trace(
        go.Scatter(
            x=outside["subgroup"].to_list(),
            y=outside["percent"].to_list(),
            name="signal",
            mode="markers+text",
            text=["signal"] * outside.height,
            textposition="top center",
            marker={"symbol": "diamond", "size": 13, "color": palette.SAFETY},
            hoverinfo="skip",
        )
    )
    for block in points.filter(pl.col("n") == 0)["subgroup"]:
        fig.add_annotation(
            x=block, y=4, text="no episodes", showarrow=False, font={"color": palette.GRID_TEXT}
        )
    fig.update_yaxes(title_text="share of episodes (%)", range=[0, 105], ticksuffix="%")
    fig.update_xaxes(type="category", title_text="quarter")
    return fig
