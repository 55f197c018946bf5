"""The weekly review's client panel, beside the list: why now, flags with their
follow-ups, latest scores and mini-trajectories, readiness, the last decision and this
week's; "Next client" walks the agenda in order."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from dashboard.app import session
from dashboard.app.context import AppContext
from dashboard.app.records import client_record
from dashboard.app.text import plain
from dashboard.app.views.decision_form import decision_form
from dashboard.app.views.follow_up_form import safety_flags_of
from dashboard.app.views.review_list import go_to, neighbours
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Viewer
from dashboard.figures.sparklines import mini_trajectories
from dashboard.review.actions import week_of
from dashboard.review.agenda import Agenda
from dashboard.review.record import ClientRecord
from dashboard.review.score_cells import agenda_measures
from measures.readiness import DISCLAIMER


def draw_detail(context: AppContext, viewer: Viewer, agenda: Agenda, client: str) -> None:
    """The review of ``client`` (on the agenda): opening it is a view of their record."""
    row = agenda.rows.filter(pl.col("client_id") == client).row(0, named=True)
    try:
        record = client_record(context, viewer, client, as_of=agenda.as_of)
    except NotPermitted as exc:
        st.error(str(exc).capitalize() + ".")
        return
    session.audit_view(context, viewer, client, what="view-client")
    _header(agenda, row)
    _why_now(row)
    saved = st.session_state.pop("follow_up_saved", None)
    if saved:
        st.success(saved)
    st.markdown("**Safety flags**")
    safety_flags_of(context, viewer, agenda.flags, client)
    _scores(context, agenda, record)
    _readiness(record)
    decision_form(context, viewer, row, record.decisions, week=week_of(agenda.as_of))
    if st.button("Open Client progress", icon=":material/person:", key="open_progress"):
        st.session_state["client_id"] = client
        st.switch_page("screens/client_progress.py")


def start_prompt(agenda: Agenda) -> None:
    """Nothing open yet: how to open a review, and a button that opens the first."""
    first = agenda.rows.row(0, named=True)
    st.info("Select a client in the list to open their review here.")
    st.button(
        f"Start with the first: {first['display_name'] or first['client_id']}",
        on_click=go_to,
        args=(first["client_id"],),
        type="primary",
        icon=":material/play_arrow:",
        key="start_review",
    )


def _header(agenda: Agenda, row: dict[str, Any]) -> None:
    before, after, place = neighbours(agenda, row["client_id"])
    st.subheader(f"{plain(row['display_name'] or row['client_id'])} ({plain(row['client_id'])})")
    st.caption(
        plain(
            f"{place} of {agenda.rows.height} on the agenda · program week "
            f"{row['program_week']} · {row['track']} track · {row['site']} · "
            f"{row['clinician'] or 'no clinician assigned'}"
        )
    )
    back, onward = st.columns(2)
    back.button(
        "Previous client",
        on_click=go_to,
        args=(before,),
        disabled=before is None,
        icon=":material/arrow_back:",
        key="previous_client",
        width="stretch",
    )
    onward.button(
        "Next client" if after is not None else "Last client",
        on_click=go_to,
        args=(after,),
        disabled=after is None,
        icon=":material/arrow_forward:",
        type="primary",
        key="next_client",
        width="stretch",
    )


def _why_now(row: dict[str, Any]) -> None:
    """The client's group and every other reason for concern (safety answers: below)."""
    reasons = [r for r in str(row["other_concerns"] or "").split("; ") if r]
    if row["open_safety"] or row["open_unknown"]:
        reasons.insert(0, "safety answers without a closing follow-up: see Safety flags below")
    elif not reasons and row["readiness"] in ("ready", "approaching"):
        reasons.append(f"step-down readiness: {row['readiness']}")
    st.markdown(f"**Why now: {row['priority_label']}.**")
    st.markdown(
        "\n".join(f"- {plain(r[:1].upper() + r[1:])}" for r in reasons)
        or "No rule of the agenda's groups holds this week."
    )


def _scores(context: AppContext, agenda: Agenda, record: ClientRecord) -> None:
    st.markdown("**Latest scores**")
    mine = agenda.cells.filter(pl.col("client_id") == record.client_id)
    words = dict(zip(mine["heading"], mine["words"], strict=True))
    measures = agenda_measures(context.catalog)
    lines = [
        f"- **{m.abbreviation}**: {words[m.abbreviation]}"
        for m in measures
        if words.get(m.abbreviation)
    ]
    st.markdown("\n".join(lines) if lines else "No scores in this episode yet.")
    if lines:
        st.plotly_chart(
            mini_trajectories(record, measures),
            config={"displaylogo": False, "displayModeBar": False},
            key=f"mini_{record.client_id}",
        )
        better = [m.abbreviation for m in measures if m.higher_is_better]
        st.caption(
            "Shaded: the severity bands; dashed: the cut-off. Higher is worse"
            + (f" except on {', '.join(better)}." if better else ".")
        )


def _readiness(record: ClientRecord) -> None:
    readiness = record.readiness
    if readiness is None:
        st.markdown("**Step-down readiness:** not assessed for this episode.")
        return
    st.markdown(f"**Step-down readiness: {readiness.status}.** {plain(readiness.reason)}")
    unmet = [c for c in readiness.criteria if c.applicable and not c.met]
    if unmet:
        with st.expander(f"Criteria not met ({len(unmet)})"):
            st.markdown("\n".join(f"- {plain(c.label)}: {plain(c.verdict)}" for c in unmet))
            st.caption(DISCLAIMER)
