"""Clients: their own progress in plain words, their attendance and what helped."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import streamlit as st

from dashboard import access, clock
from dashboard.app import session
from dashboard.app.context import AppContext
from dashboard.app.guard import page_viewer
from dashboard.app.records import client_record
from dashboard.app.text import plain
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Viewer
from dashboard.checkin.explain import LIMITS, attendance_streaks, measure_sentences
from dashboard.checkin.notes import coping_summary, coping_words, trigger_summary, trigger_words
from dashboard.figures import attendance_figure, trajectory_figure
from dashboard.review.record import ClientRecord
from dashboard.store.engine import read


def render() -> None:
    """Draw the client's own progress page (their record only, no clinician notes)."""
    context, viewer = page_viewer("my_progress")
    st.title("My progress")
    with read(context.engine) as connection:
        code = access.own_client_code(connection, viewer)
    if code is None:
        st.info("There is no record linked to your account yet.")
        return
    try:
        record = client_record(context, viewer, code, as_of=clock.today())
    except NotPermitted:
        st.info("Your program has not started yet: your progress will show here.")
        return
    session.audit_view(context, viewer, code, what="view-own-progress")
    # the data layer gives a client no team decisions or acknowledgement details;
    # their own view leaves the safety flags to the team's follow-up
    record = replace(record, flags=record.flags.clear())
    st.write(f"Week {record.program_week} of your program.")
    sentences = measure_sentences(record, context.catalog)
    charted = [i.id for i in context.catalog.where(lambda d: d.charted) if i.primary is not None]
    for measure in [m for m in charted if m in sentences]:
        name = context.catalog[measure].display.client_name
        st.subheader(name[:1].upper() + name[1:])
        st.write(sentences[measure])
        st.plotly_chart(
            trajectory_figure(record, measure, catalog=context.catalog, for_client=True),
            config={"displaylogo": False, "displayModeBar": False},
            key=f"mine_{measure}",
        )
    if not sentences:
        st.write("Once you have answered a questionnaire twice, your progress will show here.")
    _attendance(record)
    _notes(context, viewer, code)
    st.info(LIMITS)
    st.page_link("screens/my_plan.py", label="My relapse-prevention plan", icon=":material/shield:")


def _attendance(record: ClientRecord) -> None:
    st.subheader("Coming to program")
    current, longest = attendance_streaks(record.attendance)
    days = record.attendance.group_by("session_on").agg(pl.col("attended").any())
    attended = int(days["attended"].sum())
    st.write(
        f"You have come to {attended} of {days.height} program days. "
        f"Right now you have come {current} day{'s' if current != 1 else ''} in a row; "
        f"your longest run is {longest}."
    )
    st.plotly_chart(
        attendance_figure(record),
        config={"displaylogo": False, "displayModeBar": False},
        key="mine_attendance",
    )


def _notes(context: AppContext, viewer: Viewer, code: str) -> None:
    with read(context.engine) as connection:
        notes = access.checkin_notes(connection, viewer, code)
    st.subheader("Your triggers and what helped")
    if notes.is_empty():
        st.write("When you note triggers and coping at a check-in, they will show here.")
        return
    triggers = trigger_words(trigger_summary(notes))
    if triggers:
        st.markdown(plain(triggers))  # the client's own words, shown as typed
    coping = coping_words(coping_summary(notes))
    if coping:
        st.write("What you did to cope, and whether it helped:")
        st.markdown("\n".join(f"- {plain(line)}" for line in coping))
