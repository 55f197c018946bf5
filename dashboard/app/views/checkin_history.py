"""The triggers and coping actions a client logged at check-ins, for the team."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import access
from dashboard.app.context import AppContext
from dashboard.auth.viewer import Viewer
from dashboard.checkin.notes import coping_summary, trigger_summary
from dashboard.checkin.summary import NOT_ANSWERED
from dashboard.figures.checkins import triggers_figure
from dashboard.review.dates import when_expr
from dashboard.review.record import ClientRecord
from dashboard.store.engine import read


def render_for_team(context: AppContext, viewer: Viewer, record: ClientRecord) -> None:
    """Triggers and coping actions over time, next to the craving ratings, and the notes."""
    with read(context.engine) as connection:
        notes = access.checkin_notes(connection, viewer, record.client_id)
    episode = notes.filter(pl.col("submitted_at").dt.date() >= record.episode["admitted_on"])
    st.plotly_chart(
        triggers_figure(record, episode, catalog=context.catalog),
        config={"displaylogo": False},
        key="triggers_chart",
    )
    if episode.is_empty():
        st.write("No check-in notes in this episode yet.")
        return
    left, right = st.columns(2)
    left.dataframe(
        trigger_summary(episode).rename(
            {"trigger": "Trigger", "own_words": "In the client's words", "times": "Times"}
        ),
        hide_index=True,
    )
    right.dataframe(
        coping_summary(episode).rename(
            {
                "action": "Coping",
                "used": "Used",
                "helped": "Helped",
                "somewhat": "Somewhat",
                "not_helped": "Did not help",
                "not_answered": "Not answered",
            }
        ),
        hide_index=True,
    )
    # free text goes into a table cell: shown exactly as typed, never rendered
    st.dataframe(
        episode.sort("submitted_at", descending=True).select(
            when_expr("submitted_at").alias("When"),
            pl.col("triggers")
            .list.eval(
                pl.concat_str(
                    pl.element().struct.field("category"),
                    pl.element().struct.field("text"),
                    separator=": ",
                ).str.strip_suffix(": ")
            )
            .list.join("; ")
            .alias("Triggers"),
            pl.col("coping")
            .list.eval(
                pl.format(
                    "{} (helped: {})",
                    pl.element().struct.field("action"),
                    # "did it help?" left blank is no answer, never a "no"
                    pl.element()
                    .struct.field("helped")
                    .replace("", None)
                    .fill_null(pl.lit(NOT_ANSWERED)),
                )
            )
            .list.join("; ")
            .alias("Coping"),
            pl.col("reflection").fill_null("").alias("Reflection"),
        ),
        hide_index=True,
    )
