"""The context layers behind a trajectory: bands, cut-off, reliable change, expected range, care."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.figures import palette
from dashboard.figures.common import number
from dashboard.review.record import ClientRecord
from measures import Instrument, Score
from measures.expected import ALL_TRACKS
from measures.formatting import track_words

LEVEL_NAMES = {"php": "PHP", "iop": "IOP", "op": "OP", "residential": "residential care"}
#: Levels of care from least to most intensive (a move up is a step up).
LEVEL_ORDER = ("op", "iop", "php", "residential")


def band_edges(score: Score) -> list[tuple[float, float]]:
    """Each band's shaded range: halfway between one band's top and the next one's bottom."""
    edges = []
    for i, band in enumerate(score.bands):
        low = score.min if i == 0 else (score.bands[i - 1].max + band.min) / 2
        high = score.max if i == len(score.bands) - 1 else (band.max + score.bands[i + 1].min) / 2
        edges.append((low, high))
    return edges


def add_bands(fig: go.Figure, score: Score) -> None:
    """Shade each severity band and write its label inside it (none where none are published)."""
    if not score.bands:
        return
    fills = palette.band_fills(len(score.bands), worst_first=score.higher_is_better)
    for band, (low, high), fill in zip(score.bands, band_edges(score), fills, strict=True):
        fig.add_shape(
            type="rect",
            name=f"band: {band.label}",
            xref="paper",
            x0=0,
            x1=1,
            y0=low,
            y1=high,
            fillcolor=fill,
            opacity=palette.BAND_OPACITY,
            line_width=0,
            layer="below",
        )
        fig.add_annotation(
            name=f"band: {band.label}",
            text=band.label,
            xref="paper",
            x=0.005,
            xanchor="left",
            y=high,
            yanchor="top",
            yshift=-1,
            showarrow=False,
            font={"size": 11, "color": palette.GRID_TEXT},
        )


def add_cutoff(fig: go.Figure, score: Score) -> None:
    """The clinical cut-off as a dashed line labelled with its rule."""
    if score.caseness is None:
        return
    cut = score.caseness
    words = "or more" if cut.rule == ">=" else "or less"
    fig.add_shape(
        type="line",
        name="cut-off",
        xref="paper",
        x0=0,
        x1=1,
        y0=cut.cutoff,
        y1=cut.cutoff,
        line={"color": palette.CUTOFF, "width": 1.5, "dash": "dash"},
    )
    fig.add_annotation(
        name="cut-off",
        text=f"Clinical cut-off: {number(cut.cutoff)} {words}",
        xref="paper",
        x=0.995,
        xanchor="right",
        y=cut.cutoff,
        yanchor="bottom",
        showarrow=False,
        font={"size": 11, "color": palette.CUTOFF},
        bgcolor="rgba(255,255,255,0.7)",
    )


def add_reliable_change(fig: go.Figure, score: Score, baseline: float) -> None:
    """Baseline ± the published reliable-change threshold, where the instrument has one."""
    if score.reliable_change is None:
        return
    threshold = score.reliable_change.threshold
    low, high = max(score.min, baseline - threshold), min(score.max, baseline + threshold)
    fig.add_shape(
        type="rect",
        name="reliable change",
        xref="paper",
        x0=0,
        x1=1,
        y0=low,
        y1=high,
        fillcolor=palette.RELIABLE_FILL,
        layer="below",
        line={"color": palette.RELIABLE_EDGE, "width": 1, "dash": "dot"},
    )
    fig.add_annotation(
        name="reliable change",
        text=f"within reliable change of the first score (±{number(threshold)})",
        xref="paper",
        x=0.995,
        xanchor="right",
        y=high,
        yanchor="top",
        showarrow=False,
        font={"size": 10, "color": palette.RELIABLE_EDGE},
    )


def expected_rows(record: ClientRecord, instrument: Instrument, score: Score) -> pl.DataFrame:
    """The expected range of clients like this one for this score, by week (may be empty)."""
    frame = record.expected
    if frame is None or frame.is_empty() or not {"measure", "week"} <= set(frame.columns):
        return pl.DataFrame()
    rows = frame.filter(pl.col("measure") == instrument.id)
    if "score_id" in rows.columns:
        rows = rows.filter(pl.col("score_id") == score.column)
    elif not score.primary:
        return pl.DataFrame()
    return rows.drop_nulls(["p10", "p50", "p90"]).sort("week")


def _sizes(expected: pl.DataFrame, column: str) -> list[int | None]:
    if column not in expected.columns:
        return [None] * expected.height
    return [None if n is None else int(n) for n in expected[column]]


def _span(sizes: list[int | None], *, joiner: str = "–") -> str:
    """The group sizes of the weeks shown: "37", or "21–37" where they differ."""
    known = [n for n in sizes if n is not None]
    if not known:
        return "?"
    low, high = min(known), max(known)
    return f"{low}" if low == high else f"{low}{joiner}{high}"


def _week_group(track: str | None, n: int | None) -> str:
    whose = (
        "episodes (all tracks)"
        if track in (None, ALL_TRACKS)
        else (f"{track_words(str(track))}-track episodes")
    )
    return f"{'?' if n is None else n} {whose}"


def expected_labels(expected: pl.DataFrame, *, for_client: bool) -> tuple[str, str, list[str]]:
    """The band's legend name, the median's and each week's hover text.

    For the team the reference group and its size: "clients like this one,
    middle 80% (all episodes with a score that week, n = 37)", and each week's
    group in the hover (its track's own where it has enough episodes, else all
    tracks). For the client plain words without statistics: "most people here
    who started where you did (37 people)".
    """
    weeks = expected["week"].to_list()
    low, mid, high = (expected[c].to_list() for c in ("p10", "p50", "p90"))
    if for_client:
        people = _sizes(expected, "n_clients")
        people = [
            p if p is not None else e
            for p, e in zip(people, _sizes(expected, "n_episodes"), strict=True)
        ]
        band = (
            f"most people here who started where you did<br>({_span(people, joiner=' to ')} people)"
        )
        hover = [
            f"Week {int(w)}: most people here who started<br>where you did "
            f"({'?' if n is None else n} people) scored {number(lo)}–{number(hi)}"
            for w, lo, hi, n in zip(weeks, low, high, people, strict=True)
        ]
        return band, "half of those people scored below this line", hover
    sizes = _sizes(expected, "n_episodes")
    tracks = (
        expected["reference_track"].to_list()
        if "reference_track" in expected.columns
        else [ALL_TRACKS] * expected.height
    )
    band = (
        "clients like this one, middle 80%<br>"
        f"(all episodes with a score that week, n = {_span(sizes)})"
    )
    hover = [
        f"Week {int(w)}: {_week_group(t, n)}<br>that started in the same band and have a score "
        f"that week<br>middle 80% {number(lo)}–{number(hi)}, median {number(m)}"
        for w, lo, m, hi, n, t in zip(weeks, low, mid, high, sizes, tracks, strict=True)
    ]
    return band, "clients like this one, median", hover


def add_expected(fig: go.Figure, expected: pl.DataFrame, *, for_client: bool = False) -> None:
    """Clients like this one: the middle 80% (p10-p90) as a ribbon, the median dashed.

    The legend and hover say who they are and how many (:func:`expected_labels`).
    """
    if expected.is_empty():
        return
    x = [week + 0.5 for week in expected["week"]]
    band, median, hover = expected_labels(expected, for_client=for_client)
    fig.update_layout(legend_traceorder="normal")  # the band first, then its median
    fig.add_trace(
        go.Scatter(
            x=x,
            y=expected["p10"].to_list(),
            mode="lines",
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
            name="expected range: lower edge",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=expected["p90"].to_list(),
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=palette.EXPECTED_FILL,
            name=band,
            text=hover,
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=expected["p50"].to_list(),
            mode="lines",
            name=median,
            line={"color": palette.EXPECTED, "width": 2, "dash": "dash"},
            text=hover,
            hovertemplate="%{text}<extra></extra>",
        )
    )


def care_label(level: str, reason: str | None, previous: str | None) -> str:
    """A level-of-care change in words: "Admitted to IOP", "Stepped down to OP"..."""
    name = LEVEL_NAMES.get(level, f"{level} care")
    reason = (reason or "").lower()
    if reason.startswith("readmission"):
        return f"Readmitted to {name}"
    if previous is None or reason.startswith("admission"):
        return f"Admitted to {name}"
    if level in LEVEL_ORDER and previous in LEVEL_ORDER:
        if LEVEL_ORDER.index(level) < LEVEL_ORDER.index(previous):
            return f"Stepped down to {name}"
        if LEVEL_ORDER.index(level) > LEVEL_ORDER.index(previous):
            return f"Stepped up to {name}"
    return f"Changed to {name}"


def add_care_levels(fig: go.Figure, care_levels: pl.DataFrame) -> None:
    """A labelled vertical line at every level-of-care change."""
    previous = None
    for row in care_levels.sort("changed_on").iter_rows(named=True):
        label = care_label(row["level_of_care"], row["reason"], previous)
        previous = row["level_of_care"]
        fig.add_shape(
            type="line",
            name=f"care: {label}",
            yref="paper",
            y0=0,
            y1=1,
            x0=row["week"],
            x1=row["week"],
            line={"color": palette.CARE_CHANGE, "width": 2, "dash": "dot"},
        )
        fig.add_annotation(
            name=f"care: {label}",
            text=label,
            x=row["week"],
            xanchor="left",
            yref="paper",
            y=1.0,
            yanchor="bottom",
            showarrow=False,
            font={"size": 11, "color": palette.CARE_CHANGE},
        )
