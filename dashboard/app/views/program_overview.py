"""Program directors: outcomes by site and track, aggregated, small cells suppressed."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import clock
from dashboard.app import cache
from dashboard.app.guard import page_viewer
from dashboard.cohorts.outcomes import SMALL_CELL, summarise

_GROUPS = {"Site": ["site"], "Track": ["track_name"], "Site and track": ["site", "track_name"]}


def period_chosen(value: object) -> tuple[dt.date, dt.date] | None:
    """The (first, last) day picked in a date-range input; None while only one is picked.

    Examples
    --------
    >>> period_chosen((dt.date(2026, 1, 1), dt.date(2026, 3, 31)))
    (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    >>> period_chosen((dt.date(2026, 1, 1),)) is None
    True
    """
    if isinstance(value, dt.date):
        return (value, value)
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(d, dt.date) for d in value):
        return (value[0], value[1])
    return None


def render() -> None:
    """Draw the program overview."""
    context, viewer = page_viewer("program_overview")
    st.title("Program overview")
    today = clock.today()
    left, right = st.columns(2)
    period = left.date_input(
        "Discharged between", value=(today - dt.timedelta(days=365), today), max_value=today
    )
    grouping = right.radio("Compare by", list(_GROUPS), horizontal=True)
    chosen = period_chosen(period)
    if chosen is None:
        st.info("Choose the last day of the period too.")
        return
    start, end = chosen
    outcomes = cache.episode_outcomes(context, viewer, start, end)
    if outcomes.is_empty():
        st.info("No episodes at your sites were discharged in this period.")
        return
    st.dataframe(
        summarise(outcomes, _GROUPS[grouping]).rename(
            {"site": "Site", "track_name": "Track"}, strict=False
        ),
        hide_index=True,
    )
    st.caption(
        f"Episodes discharged {start:%d %b %Y} to {end:%d %b %Y} at your sites. Reliable "
        "improvement and recovery follow the NHS Talking Therapies paired PHQ-9 and GAD-7 "
        "definitions (first and last scores of the episode; at least two of each). Rates show "
        "95% Wilson confidence intervals. Counts under "
        f"{SMALL_CELL} and rates built on them are suppressed so no client can be singled out."
    )
