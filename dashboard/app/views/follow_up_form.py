"""The weekly review's safety flags of one client, each with its "Record follow-up" form."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from dashboard.app.context import AppContext
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Viewer
from dashboard.review.flags import UNKNOWN, follow_up_text
from dashboard.review.follow_up_options import ACTIONS, OUTCOMES, action_named
from dashboard.review.follow_ups import Flag, FollowUpRejected, record_follow_up, triage_screener
from measures import Instrument

_OUTCOME_LABELS = {o.key: o.label for o in OUTCOMES}
_MEANINGS = {o.key: o.meaning for o in OUTCOMES}


def safety_flags_of(context: AppContext, viewer: Viewer, flags: pl.DataFrame, client: str) -> None:
    """The client's open flags (no closing follow-up) with a form each; closed ones listed."""
    mine = flags.filter(pl.col("client_id") == client)
    still_open = mine.filter(~pl.col("closed"))
    if still_open.is_empty():
        st.write("No safety answer waiting for a follow-up.")
    for flag in still_open.iter_rows(named=True):
        what = (
            f"{flag['item']} unanswered on {flag['flagged_at']:%d %b %Y}: safety unknown, "
            "ask in person"
            if flag["kind"] == UNKNOWN
            else f"{flag['item']} answered {flag['answer']} on {flag['flagged_at']:%d %b %Y}"
            + (f" ({flag['given']})" if flag["given"] else "")
        )
        st.warning(f"{what}: {follow_up_text(flag)}.", icon=":material/priority_high:")
        opened = f"fu_open_{_key(flag)}"
        if not st.session_state.get(opened):
            if st.button(
                "Record follow-up", key=f"fu_start_{_key(flag)}", icon=":material/assignment:"
            ):
                st.session_state[opened] = True
                st.rerun()
            continue
        with st.container(border=True):
            _form(context, viewer, flag)
    for flag in mine.filter(pl.col("closed")).iter_rows(named=True):
        st.caption(f"{flag['item']} on {flag['flagged_at']:%d %b %Y}: {follow_up_text(flag)}.")


def _key(flag: dict[str, Any]) -> str:
    return f"{flag['client_id']}_{flag['measure']}_{flag['kind']}_{flag['flagged_on']}"


def _form(context: AppContext, viewer: Viewer, flag: dict[str, Any]) -> None:
    """What was done, its outcome (a screener's: its risk level), and a note."""
    key = _key(flag)
    st.markdown("**Record follow-up**")
    screener = triage_screener(context.catalog)
    actions = [a for a in ACTIONS if not a.screener or screener is not None]
    picked = st.radio(
        "What was done",
        [a.key for a in actions],
        index=None,
        format_func=lambda k: action_named(k).label,
        captions=[a.meaning for a in actions],
        key=f"fu_action_{key}",
    )
    chosen = action_named(picked) if picked is not None else None
    outcome: str | None = None
    answers: dict[str, int | None] = {}
    if chosen is None:
        pass
    elif chosen.screener and screener is not None:
        answers = _screener_questions(screener, key)
    elif len(chosen.outcomes) == 1:
        outcome = chosen.outcomes[0]
        st.caption(f"Outcome: {_OUTCOME_LABELS[outcome]}. {_MEANINGS[outcome]}")
    else:
        outcome = st.radio(
            "Outcome",
            chosen.outcomes,
            index=None,
            format_func=_OUTCOME_LABELS.__getitem__,
            captions=[_MEANINGS[o] for o in chosen.outcomes],
            key=f"fu_outcome_{key}",
        )
    note = st.text_area(
        "Note (needed)",
        max_chars=2000,
        placeholder="What was done, what the client said, what happens next",
        key=f"fu_note_{key}",
    )
    save, cancel = st.columns(2)
    if cancel.button("Cancel", key=f"fu_cancel_{key}"):
        st.session_state.pop(f"fu_open_{key}", None)
        st.rerun()
    if save.button("Save follow-up", type="primary", key=f"fu_save_{key}"):
        if chosen is None:
            st.error("Choose what was done.")
            return
        try:
            recorded = record_follow_up(
                context.engine,
                viewer,
                Flag(flag["client_id"], flag["measure"], flag["kind"], flag["flagged_on"]),
                action=chosen.key,
                outcome=outcome,
                note=note,
                catalog=context.catalog,
                screener_answers=answers or None,
            )
        except (FollowUpRejected, NotPermitted) as exc:
            st.error(str(exc).capitalize() + ".")
            return
        level = f" (risk level {recorded.risk_level})" if recorded.risk_level else ""
        closed = "The flag is closed." if recorded.outcome.closes else "The flag stays open."
        st.session_state["follow_up_saved"] = f"Saved: {recorded.outcome.label}{level}. {closed}"
        st.session_state.pop(f"fu_open_{key}", None)
        st.rerun()


def _screener_questions(screener: Instrument, key: str) -> dict[str, int | None]:
    """The screener's questions, asked there and then; its risk level is the outcome."""
    st.markdown(f"**{screener.name}**")
    st.caption(
        "Ask each question the form asks (skip those its rules skip); the outcome is the "
        "risk level of its published triage."
    )
    answers: dict[str, int | None] = {}
    for item in screener.items:
        labels = {v: item.option_label(v) or str(v) for v in item.allowed_values}
        wording = item.text if screener.show_item_wording and item.text else item.label
        answers[item.id] = st.radio(
            f"{item.number}. {wording}",
            list(labels),
            index=None,
            horizontal=True,
            format_func=labels.__getitem__,
            key=f"fu_screen_{key}_{item.id}",
        )
    return answers
