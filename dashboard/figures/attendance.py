"""Program days attended and missed, week by week."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.figures import palette
from dashboard.figures.common import base_layout, empty_figure
from dashboard.review.record import ClientRecord

TITLE = "Program days attended each week"


def weekly_attendance(attendance: pl.DataFrame) -> pl.DataFrame:
    """Per program week: days scheduled, attended and missed, and the attendance rate.

    A program day counts as attended when any session that day was attended.
    """
    if attendance.is_empty():
        return pl.DataFrame(
            schema={
                "week": pl.Int64,
                "scheduled": pl.UInt32,
                "attended": pl.UInt32,
                "missed": pl.UInt32,
                "rate": pl.Float64,
            }
        )
    days = attendance.group_by("session_on").agg(
        pl.col("week").min().floor().cast(pl.Int64), pl.col("attended").any()
    )
    return (
        days.group_by("week")
        .agg(pl.len().alias("scheduled"), pl.col("attended").sum().cast(pl.UInt32))
        .with_columns((pl.col("scheduled") - pl.col("attended")).alias("missed"))
        .with_columns((pl.col("attended") / pl.col("scheduled")).alias("rate"))
        .sort("week")
    )


def attendance_figure(record: ClientRecord) -> go.Figure:
    """Stacked bars of attended and missed program days per week, with the weekly rate."""
    weeks = weekly_attendance(record.attendance)
    if weeks.is_empty():
        return empty_figure("No attendance recorded in this episode yet", title=TITLE)
    fig = base_layout(go.Figure(), title=TITLE, height=380)
    x = weeks["week"].to_list()
    for column, colour, word in (
        ("attended", palette.ATTENDED, "attended"),
        ("missed", palette.MISSED, "missed"),
    ):
        counts = weeks[column].to_list()
        fig.add_trace(
            go.Bar(
                x=x,
                y=counts,
                name=f"days {word}",
                marker={"color": colour},
                text=[f"{n} {word}" if n else "" for n in counts],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": "white" if column == "attended" else "black"},
                hovertemplate=f"Week %{{x}}: %{{y}} days {word}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=weeks["scheduled"].to_list(),
            mode="text",
            name="share of days attended",
            text=[f"{rate:.0%} attended" for rate in weeks["rate"]],
            textposition="top center",
            textfont={"size": 12, "color": palette.GRID_TEXT},
            showlegend=False,
            hovertemplate="Week %{x}: attendance %{text}<extra></extra>",
        )
    )
    top = int(weeks.select(pl.col("scheduled").max()).item() or 0)
    fig.update_layout(barmode="stack", bargap=0.3, legend_traceorder="normal")
    fig.update_xaxes(title_text="Program week", tick0=1, dtick=1, zeroline=False)
    fig.update_yaxes(title_text="Program days", range=[0, top + 1.2], dtick=1, zeroline=False)
    return fig
