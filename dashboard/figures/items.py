"""Item answers by administration: which symptoms drive the score."""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import polars as pl

from dashboard.figures import palette
from dashboard.figures.common import base_layout, empty_figure
from dashboard.figures.weeks import week_number, when_text
from dashboard.review.record import ClientRecord
from measures import Catalog, Instrument, Item

MISSING = "–"
SUBTITLE = "which symptoms drive the score"
#: The longest line of a row label, in characters.
LABEL_CHARACTERS = 24
#: Above this many answer levels the colour scale is continuous rather than stepped.
MAX_STEPS = 6


def item_heatmap(record: ClientRecord, instrument: str, *, catalog: Catalog) -> go.Figure:
    """Items (rows, item 1 at top) by administration (columns): answers as colour and number."""
    definition = catalog[instrument]
    title = f"{definition.abbreviation} answers by item"
    rows = record.scores.filter(pl.col("measure") == definition.id).sort("administered_at")
    if rows.is_empty():
        return empty_figure(f"No {definition.abbreviation} scores in this episode yet", title=title)
    items = [item for item in definition.items if item.scored and item.id in rows.columns]
    top = max(item.max for item in items)
    z = [[_value(v) for v in rows[item.id]] for item in items]
    text = [[MISSING if v is None else str(v) for v in row] for row in z]
    moments = rows.select("administered_at", "week").rows()
    columns = [f"{at:%d %b}<br>week {week_number(week)}" for at, week in moments]
    hover = [
        [
            _hover(definition, item.id, when_text(at, week), value)
            for (at, week), value in zip(moments, row, strict=True)
        ]
        for item, row in zip(items, z, strict=True)
    ]
    fig = base_layout(go.Figure(), title=title, subtitle=SUBTITLE, height=230 + 34 * len(items))
    fig.add_trace(
        go.Heatmap(
            z=z,
            x=list(range(len(columns))),
            y=list(range(len(items))),
            zmin=0,
            zmax=top,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 13},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale=_scale(top),
            xgap=2,
            ygap=2,
            name="answer",
            hoverongaps=False,
            showscale=top + 1 > MAX_STEPS,
            showlegend=False,
        )
    )
    _key(fig, definition, top)
    _missing_cells(fig, z)
    _outline_safety_rows(fig, definition, items)
    fig.update_xaxes(
        tickvals=list(range(len(columns))),
        ticktext=columns,
        showgrid=False,
        zeroline=False,
        side="bottom",
    )
    fig.update_yaxes(
        tickvals=list(range(len(items))),
        ticktext=[_wrapped(row_label(definition, i.id)) for i in items],
        autorange="reversed",
        showgrid=False,
        zeroline=False,
    )
    return fig


def row_label(instrument: Instrument, item_id: str) -> str:
    """An item's row label: number and short label; safety items say so."""
    item = instrument.item(item_id)
    label = f"{item.number} {item.label}"
    if any(c.item == item_id for c in instrument.critical_items):
        label += " (safety item)"
    return label


def _value(value: float | None) -> int | None:
    return None if value is None else int(value)


def _wrapped(label: str) -> str:
    """A row label in lines short enough to leave the cells room on a phone."""
    return "<br>".join(textwrap.wrap(label, LABEL_CHARACTERS, break_long_words=False))


def _hover(instrument: Instrument, item_id: str, when: str, value: int | None) -> str:
    item = instrument.item(item_id)
    if value is None:
        return f"{when}<br>{item.number} {item.label}: not answered"
    anchor = item.option_label(value)
    return f"{when}<br>{item.number} {item.label}: {value}" + (f" ({anchor})" if anchor else "")


def _scale(top: int) -> list[list[float | str]]:
    """Stepped colours for a few answer levels (one flat colour per answer), else a gradient."""
    if top + 1 > MAX_STEPS:
        steps = palette.ANSWER_SCALE
        return [[i / (len(steps) - 1), c] for i, c in enumerate(steps)]
    colours = palette.answer_colours(top + 1)
    scale: list[list[float | str]] = []
    for value, colour in enumerate(colours):
        scale += [[value / (top + 1), colour], [(value + 1) / (top + 1), colour]]
    return scale


def _key(fig: go.Figure, instrument: Instrument, top: int) -> None:
    """The colour key in the legend: a swatch per answer with its wording (stepped scales)."""
    if top + 1 > MAX_STEPS:
        return
    first = instrument.items[0]
    for value, colour in enumerate(palette.answer_colours(top + 1)):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"{value} {first.option_label(value) or ''}".strip(),
                marker={
                    "symbol": "square",
                    "size": 14,
                    "color": colour,
                    "line": {"color": "#999999", "width": 1},
                },
                hoverinfo="skip",
            )
        )


def _missing_cells(fig: go.Figure, z: list[list[int | None]]) -> None:
    """Grey, hatched cells with a dash where an item was not answered."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    centres = [(c, r) for r, row in enumerate(z) for c, v in enumerate(row) if v is None]
    if not centres:
        return
    for c, r in centres:
        xs += [c - 0.47, c + 0.47, c + 0.47, c - 0.47, c - 0.47, None]
        ys += [r - 0.45, r - 0.45, r + 0.45, r + 0.45, r - 0.45, None]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            fill="toself",
            fillcolor=palette.MISSING_FILL,
            fillpattern={"shape": "/", "fgcolor": palette.MISSING_PATTERN, "size": 6},
            line={"width": 0},
            name="not answered",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[c for c, _ in centres],
            y=[r for _, r in centres],
            mode="text",
            text=[MISSING] * len(centres),
            textfont={"size": 16, "color": "black"},
            showlegend=False,
            hovertemplate="not answered<extra></extra>",
            name="not answered (dash)",
        )
    )


def _outline_safety_rows(fig: go.Figure, instrument: Instrument, items: list[Item]) -> None:
    """A red-orange outline around each safety item's row so it stands out."""
    ids = [item.id for item in items]
    for critical in instrument.critical_items:
        if critical.item not in ids:
            continue
        row = ids.index(critical.item)
        fig.add_shape(
            type="rect",
            name="safety item",
            xref="paper",
            x0=0,
            x1=1,
            y0=row - 0.5,
            y1=row + 0.5,
            line={"color": palette.SAFETY, "width": 2.5},
        )
