"""What every figure shares: the white template, a title that fits a phone, the legend at
the bottom, the empty-figure message."""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go

from dashboard.figures.palette import GRID_TEXT

TEMPLATE = "plotly_white"
FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 13}
#: The longest title and subtitle lines, in characters, that fit a phone-wide chart
#: (the title in 16 px bold, the subtitle in 12 px).
TITLE_CHARACTERS, SUBTITLE_CHARACTERS = 30, 44
#: Pixels above the plot: each title line, each subtitle line, and the labels drawn
#: just above the plot (a level-of-care change).
TITLE_LINE, SUBTITLE_LINE, ABOVE_PLOT = 30, 20, 28
#: Pixels of the outer margins (the legend and tick labels add their own room).
SIDE, BOTTOM = 20, 8


def base_layout(
    fig: go.Figure, *, title: str, subtitle: str | None = None, height: int = 420
) -> go.Figure:
    """White template, a title (and subtitle) that wraps rather than runs off a phone,
    and the legend at the bottom of the figure.

    The legend is placed against the figure's bottom edge (``yref="container"``):
    Plotly then keeps the room it needs below the tick labels and the axis title,
    however many lines either takes at the width the chart is drawn, so the
    legend never covers them.
    """
    lines = wrap_title(title)
    below = wrap_title(subtitle, width=SUBTITLE_CHARACTERS) if subtitle else []
    top = TITLE_LINE * len(lines) + SUBTITLE_LINE * len(below) + ABOVE_PLOT
    fig.update_layout(
        template=TEMPLATE,
        title={
            "text": "<br>".join(lines),
            "subtitle": {"text": "<br>".join(below), "font": {"size": 12, "color": GRID_TEXT}},
            "x": 0.01,
            "xref": "container",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 10},
            "font": {"size": 16},
        },
        showlegend=True,
        font=FONT,
        margin={"l": 60, "r": SIDE, "t": top, "b": BOTTOM},
        legend={
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "xref": "paper",
            "y": 0,
            "yanchor": "bottom",
            "yref": "container",
            "title": {"text": ""},
            "font": {"size": 12},
        },
        hoverlabel={"align": "left"},
        hovermode="closest",
        height=height,
    )
    return fig


def wrap_title(title: str, *, width: int = TITLE_CHARACTERS) -> list[str]:
    """A title in lines short enough for a phone-wide chart.

    Examples
    --------
    >>> wrap_title("BAM-R Protective factors")
    ['BAM-R Protective factors']
    >>> wrap_title("Which symptoms drive the score: PHQ-9 answers")
    ['Which symptoms drive the', 'score: PHQ-9 answers']
    """
    return textwrap.wrap(title, width, break_long_words=False) or [""]


def set_height(fig: go.Figure, height: int) -> go.Figure:
    """Set the figure's height (the title, the legend and the margins keep their room)."""
    fig.update_layout(height=height)
    return fig


def empty_figure(message: str, *, title: str, height: int = 300) -> go.Figure:
    """A figure with no data: a centred message instead of empty axes."""
    fig = go.Figure()
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(
        text=message,
        name="empty",
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 15, "color": GRID_TEXT},
    )
    return fig


def number(value: float | None) -> str:
    """A score as people write it: 12 rather than 12.0, one decimal otherwise."""
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
