"""The program-week axis every chart of an episode shares, and the dates its tooltips give.

Week 1 starts on the admission day (x = 1.0) and ends a week later (x = 2.0):
the label "1" sits in the middle of that span, with a grid line at each week's
start, so a point's tooltip ("16 Nov 2026 · week 6") names the week it is
drawn in. Every chart of an episode spans the same weeks: from admission to the
end of the week of the review (or of discharge).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboard.review.dates import DAY
from dashboard.review.record import ClientRecord

#: Room either side of the episode's weeks, in weeks.
PAD = 0.12


@dataclass(frozen=True)
class Weeks:
    """An episode's weeks on the x-axis: admitted on ``admitted_on``, weeks 1 to ``last``."""

    admitted_on: dt.date
    last: int

    @property
    def range(self) -> tuple[float, float]:
        """The x-axis range: the start of week 1 to the end of the last week."""
        return (1 - PAD, self.last + 1 + PAD)

    def start_of(self, week: int) -> dt.date:
        """The first day of program week ``week``."""
        return self.admitted_on + dt.timedelta(weeks=week - 1)

    @property
    def title(self) -> str:
        """The axis title: program weeks, counted from the admission day (two short lines
        fit the narrowest chart)."""
        return f"Program week<br>(from {self.admitted_on:{DAY}})"


def episode_weeks(record: ClientRecord) -> Weeks:
    """The weeks every chart of ``record``'s episode spans: from admission to the end of
    the week of the review (of discharge, for a discharged episode), and any later
    data the record holds.

    Examples
    --------
    >>> import polars as pl
    >>> from dashboard.review.record import ClientRecord
    >>> empty = pl.DataFrame({"week": []}, schema={"week": pl.Float64})
    >>> record = ClientRecord("C1", None, {"admitted_on": dt.date(2026, 11, 2),
    ...     "discharged_on": None}, dt.date(2026, 11, 26), empty, empty, empty, empty,
    ...     empty, empty)
    >>> weeks = episode_weeks(record)
    >>> weeks.last, weeks.range, weeks.start_of(4)
    (4, (0.88, 5.12), datetime.date(2026, 11, 23))
    """
    admitted: dt.date = record.episode["admitted_on"]
    until = record.episode.get("discharged_on") or record.as_of
    last = [week_number((until - admitted).days / 7 + 1)]
    for frame in (record.scores, record.attendance, record.care_levels, record.flags):
        if "week" in frame.columns and frame.height:
            latest = frame.select(pl.col("week").max()).item()
            if latest is not None:
                last.append(week_number(float(latest)))
    return Weeks(admitted_on=admitted, last=max(1, *last))


def week_number(week: float) -> int:
    """The program week a moment falls in (1.0 to 1.99... is week 1).

    Examples
    --------
    >>> week_number(1.0), week_number(6.86), week_number(7.0)
    (1, 6, 7)
    """
    return math.floor(week)


def when_text(moment: dt.datetime | dt.date, week: float) -> str:
    """A moment in a tooltip: its day as the axis title writes it, and its week.

    Examples
    --------
    >>> when_text(dt.datetime(2026, 11, 16, 9, 30), 6.4)
    '16 Nov 2026 · week 6'
    """
    return f"{moment:{DAY}} · week {week_number(week)}"


def week_axis(fig: go.Figure, weeks: Weeks, **where: Any) -> None:
    """The shared x-axis: the episode's range, each week labelled in its middle, a grid
    line at each week's start. ``where`` picks a subplot's axis (``row``, ``col``)."""
    numbers = list(range(1, weeks.last + 1))
    fig.update_xaxes(
        title_text=weeks.title,
        range=list(weeks.range),
        tickmode="array",
        tickvals=[n + 0.5 for n in numbers],
        ticktext=[str(n) for n in numbers],
        ticks="",
        showgrid=False,
        minor={
            "tickmode": "array",
            "tickvals": [*numbers, weeks.last + 1],
            "showgrid": True,
            "gridcolor": "#E5E5E5",
            "ticks": "",
        },
        zeroline=False,
        **where,
    )
