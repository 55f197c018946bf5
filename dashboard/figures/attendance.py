"""Program days attended and missed, week by week."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from dashboard.figures import palette
from dashboard.figures.common import base_layout, empty_figure
from dashboard.figures.weeks import episode_weeks, week_axis
from dashboard.review.dates import DAY
from dashboard.review.record import ClientRecord

TITLE = "Program days attended"
SUBTITLE = "days each week; share attended on top"


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
    """Stacked bars of attended and missed program days per week, with the weekly share.

    On the episode's week axis (the same weeks as every chart of the episode), each
    bar in the middle of its week. The bars carry their counts and the share sits
    above them, short enough to read on a phone; the tooltip says the week's dates.
    """
    weeks = weekly_attendance(record.attendance)
    if weeks.is_empty():
        return empty_figure("No attendance recorded in this episode yet", title=TITLE)
    span = episode_weeks(record)
    fig = base_layout(go.Figure(), title=TITLE, subtitle=SUBTITLE, height=380)
    x = [week + 0.5 for week in weeks["week"]]
    hover = [
        f"Week {week} ({span.start_of(week):%d %b} to "
        f"{span.start_of(week) + dt.timedelta(days=6):{DAY}})<br>"
        f"{attended} of {scheduled} program days attended ({rate:.0%})"
        for week, attended, scheduled, rate in weeks.select(
            "week", "attended", "scheduled", "rate"
        ).iter_rows()
    ]
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
                text=[str(n) if n else "" for n in counts],
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                textfont={"color": "white" if column == "attended" else "black", "size": 13},
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=weeks["scheduled"].to_list(),
            mode="text",
            name="share of days attended",
            text=[f"{rate:.0%}" for rate in weeks["rate"]],
            textposition="top center",
            textfont={"size": 12, "color": palette.GRID_TEXT},
            showlegend=False,
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    top = int(weeks.select(pl.col("scheduled").max()).item() or 0)
    fig.update_layout(
        barmode="stack",
        bargap=0.25,
        legend_traceorder="normal",
        uniformtext={"minsize": 12, "mode": "hide"},  # a count too big for its bar is hidden
    )
    week_axis(fig, span)
    fig.update_yaxes(title_text="Program days", range=[0, top + 1.2], dtick=1, zeroline=False)
    return fig
