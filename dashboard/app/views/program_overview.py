"""Program directors: outcomes by site and track in calendar blocks; every figure from a
privacy release (small counts, and the figures they could be worked out from, withheld)."""

from __future__ import annotations

import streamlit as st

from dashboard import clock
from dashboard.app import cache
from dashboard.app.guard import page_viewer
from dashboard.cohorts.exports import audit_table_export
from dashboard.cohorts.overview import (
    GROUPINGS,
    TITLES,
    WITHHELD,
    Overview,
    displayed,
    overview_table,
    table_csv,
)
from dashboard.privacy.periods import Granularity, cut_off

#: The group columns, kept in view while the figures scroll sideways.
GROUP_TITLES = tuple(TITLES.values())
#: The blocks a director can pick, as the page names them.
PERIOD_KINDS = {"Year": Granularity.YEAR, "Quarter": Granularity.QUARTER}


def render() -> None:
    """Draw the program overview."""
    context, viewer = page_viewer("program_overview")
    st.title("Program overview")
    until = cut_off(clock.today())
    overview = cache.overview(context, viewer, until)
    left, middle, right = st.columns(3)
    kind = left.radio("Period", list(PERIOD_KINDS), horizontal=True)
    granularity = PERIOD_KINDS[str(kind)]
    blocks = overview.blocks(granularity)
    if not blocks:
        st.info(f"No episodes at your sites were discharged up to {until:%d %b %Y}.")
        return
    block = str(
        middle.selectbox(kind, blocks, format_func=lambda b: overview.option(b, granularity))
    )
    grouping = str(right.radio("Compare by", list(GROUPINGS), horizontal=True))
    table = overview_table(overview, granularity=granularity, block=block, grouping=grouping)
    st.subheader(overview.title(block, granularity))
    shown = displayed(table, overview.rates)
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            c: st.column_config.Column(pinned=True) for c in GROUP_TITLES if c in shown.columns
        },
    )
    st.caption(caption(overview, granularity))
    with st.expander("What each rate counts"):
        st.markdown(rate_definitions(overview))
    name = f"program-overview-{block}-{grouping}".lower().replace(" ", "-")
    if st.download_button(
        "Download this table (CSV)",
        data=table_csv(table, period=block),
        file_name=f"{name}.csv",
        mime="text/csv",
        icon=":material/download:",
    ):
        audit_table_export(context.engine, viewer, period=block, grouping=grouping)


def caption(overview: Overview, granularity: Granularity) -> str:
    """What the table counts, how its rates are defined and what is withheld.

    Examples
    --------
    >>> import datetime as dt
    >>> from dashboard.cohorts.overview import build_overview
    >>> from dashboard.cohorts.outcomes import OUTCOME_SCHEMA
    >>> from measures import load_catalog
    >>> import polars as pl
    >>> empty = build_overview(pl.DataFrame(schema=OUTCOME_SCHEMA), load_catalog(),
    ...                        until=dt.date(2026, 10, 31))
    >>> "counts from 1 to 10 and every rate" in caption(empty, Granularity.QUARTER)
    True
    """
    threshold = overview.release.spec.threshold
    block = granularity.value
    return (
        f"Episodes at your sites by the calendar {block} of their discharge, counted up to "
        f"the end of the last complete month ({overview.until:%d %b %Y}): the current {block} "
        "changes once a month, never from day to day. Rates show their 95% Wilson confidence "
        f"interval and their n. **{WITHHELD.capitalize()}**: counts from 1 to "
        f"{threshold - 1} and every rate, interval and median built on them, and some larger "
        "figures chosen so that no withheld figure can be worked out from the others (by "
        "subtracting from a total, another grouping or another period). Every withheld "
        "figure reads the same, whatever its size."
    )


def rate_definitions(overview: Overview) -> str:
    """One line per rate of the table: what it is a share of, and by which rule."""
    return "\n".join(f"- **{rate.label}**: {rate.definition}." for rate in overview.rates)
