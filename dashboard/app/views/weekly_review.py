"""Clinicians: the weekly review agenda, decisions and the follow-up of safety flags."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import clock
from dashboard.app import cache
from dashboard.app.context import AppContext
from dashboard.app.downloads import built_on_click
from dashboard.app.guard import page_viewer
from dashboard.app.views.follow_up_form import safety_flags_of
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Viewer
from dashboard.review.actions import record_decision, week_of
from dashboard.review.agenda import Agenda, Filters
from dashboard.review.agenda_table import agenda_measures
from dashboard.review.priorities import PRIORITIES
from dashboard.store.tables import DECISIONS

_DECISION_LABELS = {
    "continue": "Continue in IOP",
    "step_down": "Step down to outpatient",
    "step_up": "Step up",
    "discharge": "Discharge",
    "discuss_again": "Discuss again next week",
}


def render() -> None:
    """Draw the weekly review page."""
    context, viewer = page_viewer("weekly_review")
    today = clock.today()
    st.title("Weekly review")
    st.caption(f"Week of {week_of(today):%A %d %B %Y}. Most urgent first.")
    caseload = cache.agenda(context, viewer, today)
    filters = _filters(caseload)
    agenda = caseload.narrowed(filters)
    if agenda.rows.is_empty():
        st.info("No active clients in your caseload match these filters.")
        return
    _summary(agenda)
    _table(agenda, context)
    st.divider()
    _discuss(context, viewer, agenda)
    _packet(context, agenda)


def _filters(caseload: Agenda) -> Filters:
    choices = caseload.choices
    site, track, clinician = st.columns(3)
    return Filters(
        sites=tuple(site.multiselect("Site", choices.get("sites", ()))),
        tracks=tuple(track.multiselect("Track", choices.get("tracks", ()))),
        clinicians=tuple(clinician.multiselect("Clinician", choices.get("clinicians", ()))),
    )


#: Headings of the agenda's columns in the table (a measure keeps its abbreviation).
_HEADINGS = {
    "program_week": "Week",
    "track": "Track",
    "clinician": "Clinician",
    "attendance_2w": "Attendance, 2 weeks",
    "flags": "Flags",
    "readiness": "Step-down readiness",
    "decision": "Decision this week",
    "plan": "Relapse-prevention plan",
}


def _summary(agenda: Agenda) -> None:
    counts = agenda.counts
    columns = st.columns(len(counts))
    shown = [p for p in PRIORITIES if p.name in counts]
    for column, priority in zip(columns, shown, strict=True):
        column.metric(priority.short_name, counts[priority.name], help=priority.explanation)


def _agenda_columns(agenda: Agenda, context: AppContext) -> list[str]:
    """The agenda's columns after the client, shared by the table and the packet."""
    measures = [m.abbreviation for m in agenda_measures(context.catalog)]
    return [
        "program_week",
        "track",
        "clinician",
        "attendance_2w",
        *[m for m in measures if m in agenda.rows.columns],
        "flags",
        "readiness",
        "decision",
        "plan",
    ]


def _table(agenda: Agenda, context: AppContext) -> None:
    shown = agenda.rows.select(
        pl.col("priority_label").alias("Why now"),
        pl.format("{} ({})", "display_name", "client_id").alias("Client"),
        *[pl.col(c).alias(_HEADINGS.get(c, c)) for c in _agenda_columns(agenda, context)],
    )
    # tall enough for a typical caseload without scrolling inside the table
    st.dataframe(shown, hide_index=True, row_height=48, height=min(shown.height, 25) * 48 + 42)
    st.caption(
        "Scores: latest score and band, and the change from the first score of the "
        "episode where a reliable-change threshold is published (daily ratings: the mean "
        "of the last 7 days and the trend). Readiness informs the team's decision; it "
        "never makes it."
    )


def _discuss(context: AppContext, viewer: Viewer, agenda: Agenda) -> None:
    st.subheader("Discuss a client")
    rows = {r["client_id"]: r for r in agenda.rows.iter_rows(named=True)}
    # keyed by client id: the client stays chosen when a follow-up changes their group
    client = str(
        st.selectbox(
            "Client",
            list(rows),
            format_func=lambda c: f"{rows[c]['display_name']} ({c}): {rows[c]['priority_label']}",
            key="discuss_client",
        )
    )
    row = rows[client]
    left, right = st.columns(2)
    with left:
        saved = st.session_state.pop("follow_up_saved", None)
        if saved:
            st.success(saved)
        safety_flags_of(context, viewer, agenda.flags, client)
        readiness = agenda.readiness.get(client)
        if readiness is not None:
            st.markdown(f"**Step-down readiness: {readiness.status}.** {readiness.reason}")
        if st.button("Open progress page", icon=":material/person:"):
            st.session_state["client_id"] = client
            st.switch_page("screens/client_progress.py")
    with right:
        _decision_form(context, viewer, row)


def _decision_form(context: AppContext, viewer: Viewer, row: dict[str, object]) -> None:
    with st.form(f"decision_{row['episode_id']}", clear_on_submit=True):
        st.markdown(f"**Team decision for week {row['program_week']}**")
        decision = st.radio(
            "Decision", DECISIONS, format_func=_DECISION_LABELS.__getitem__, horizontal=False
        )
        note = st.text_area("Note", max_chars=2000, placeholder="What the team decided and why")
        if st.form_submit_button("Save decision", type="primary"):
            try:
                record_decision(
                    context.engine,
                    viewer,
                    episode_id=str(row["episode_id"]),
                    decision=str(decision),
                    note=note,
                )
            except NotPermitted as exc:
                st.error(str(exc))
                return
            st.success(f"Saved: {_DECISION_LABELS[str(decision)]}.")
    if row["decision"]:
        st.caption(f"Already recorded this week: {row['decision']}")


def _packet(context: AppContext, agenda: Agenda) -> None:
    """The printable packet, drawn when downloaded (a PDF per run would slow the page) and
    audited then with every client it lists."""
    from dashboard.reports.export import export_review_packet

    rows = agenda.rows.select("client_id", "display_name", *_agenda_columns(agenda, context))
    week = week_of(agenda.as_of)
    st.download_button(
        "Download the weekly review packet (PDF)",
        data=built_on_click(
            context, lambda viewer: export_review_packet(context.engine, viewer, rows, week_of=week)
        ),
        file_name=f"review-packet-{week}.pdf",
        mime="application/pdf",
        icon=":material/print:",
        on_click="ignore",
    )
