"""What every figure shares: the white template, legends below, the empty-figure message."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.palette import GRID_TEXT

TEMPLATE = "plotly_white"
FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 13}


#: Top and bottom margins in pixels; the legend sits under the x-axis title.
TOP, BOTTOM = 60, 40


def base_layout(
    fig: go.Figure, *, title: str, height: int = 420, below_axis: int = 64
) -> go.Figure:
    """White template, a plain title, the legend below the plot (fits a phone width).

    ``below_axis`` is the room in pixels the x-axis tick labels and title take
    under the plot: the legend starts below it.
    """
    fig.update_layout(
        template=TEMPLATE,
        title={
            "text": title,
            "x": 0.01,
            "xref": "container",
            "xanchor": "left",
            "font": {"size": 16},
        },
        showlegend=True,
        font=FONT,
        margin={"l": 60, "r": 20, "t": TOP, "b": BOTTOM},
        legend={
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "yanchor": "top",
            "title": {"text": ""},
            "font": {"size": 12},
        },
        hoverlabel={"align": "left"},
        hovermode="closest",
    )
    return set_height(fig, height, below_axis=below_axis)


def set_height(fig: go.Figure, height: int, *, top: int = TOP, below_axis: int = 64) -> go.Figure:
    """Set the figure's height and top margin, keeping the legend just under the x-axis."""
    plot_height = height - top - BOTTOM
    fig.update_layout(height=height, margin_t=top, legend_y=-below_axis / plot_height)
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
