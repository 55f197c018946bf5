"""The weekly review's decision form: this week's decision, shown and edited in place."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import streamlit as st

from dashboard.app.context import AppContext
from dashboard.app.text import plain
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Viewer
from dashboard.review.actions import NOTE_NEEDED, DecisionRejected, record_decision
from dashboard.store.tables import DECISIONS

DECISION_LABELS = {
    "continue": "Continue in IOP",
    "step_down": "Step down to outpatient",
    "step_up": "Step up",
    "discharge": "Discharge",
    "discuss_again": "Discuss again next week",
}
_SAVED = "decision_saved"  # (client, message) shown once after a save


def this_week(decisions: pl.DataFrame, week: dt.date) -> dict[str, Any] | None:
    """The episode's decision of the review week ``week`` (the newest, were there two)."""
    found = decisions.filter(pl.col("week_of") == week).sort(
        ["decided_at", "decision_id"], descending=True
    )
    return found.row(0, named=True) if found.height else None


def last_decision(decisions: pl.DataFrame, week: dt.date) -> dict[str, Any] | None:
    """The episode's latest decision of an earlier review week."""
    found = decisions.filter(pl.col("week_of") < week).sort(
        ["week_of", "decided_at", "decision_id"], descending=True
    )
    return found.row(0, named=True) if found.height else None


def decision_text(decision: dict[str, Any]) -> str:
    """A saved decision in words: what, for which week, who and when."""
    label = DECISION_LABELS.get(decision["decision"], decision["decision"])
    return (
        f"{label} (week of {decision['week_of']:%d %b}; {decision['decided_by']}, "
        f"{decision['decided_at']:%a %d %b %H:%M})"
    )


def saved_message(outcome: str, decision: str, before: dict[str, Any] | None) -> str:
    """What a save did, in words.

    Examples
    --------
    >>> saved_message("edited", "step_down", {"decision": "continue"})
    'Changed this week\\'s decision to "Step down to outpatient" (it was "Continue in IOP").'
    """
    label = DECISION_LABELS[decision]
    if outcome == "unchanged":
        return f'No change: this week\'s decision is already "{label}" with this note.'
    if outcome == "edited" and before is not None:
        was = DECISION_LABELS.get(before["decision"], before["decision"])
        return f'Changed this week\'s decision to "{label}" (it was "{was}").'
    return f'Saved this week\'s decision: "{label}".'


def decision_form(
    context: AppContext,
    viewer: Viewer,
    row: dict[str, Any],
    decisions: pl.DataFrame,
    *,
    week: dt.date,
) -> None:
    """This week's decision: the saved one shown in the form, saving again edits it."""
    client, episode = str(row["client_id"]), str(row["episode_id"])
    earlier = last_decision(decisions, week)
    if earlier is not None:
        st.markdown(f"**Last decision:** {plain(decision_text(earlier))}")
        if earlier["note"]:
            st.caption(plain(earlier["note"]))
    saved = this_week(decisions, week)
    version = f"{saved['decision_id']}_{saved['decided_at']:%Y%m%d%H%M%S}" if saved else "new"
    with st.form(f"decision_{episode}_{version}", border=True):
        st.markdown(f"**This week's decision** (program week {row['program_week']})")
        if saved is not None:
            st.caption(
                f"Saved: {plain(decision_text(saved))}. Saving again changes it; the audit "
                "log keeps what it was."
            )
        choice = st.radio(
            "Decision",
            DECISIONS,
            index=DECISIONS.index(saved["decision"]) if saved else None,
            format_func=DECISION_LABELS.__getitem__,
        )
        note = st.text_area(
            "Note",
            value=(saved["note"] or "") if saved else "",
            max_chars=2000,
            placeholder="What the team decided and why",
            help="Needed for: "
            + ", ".join(DECISION_LABELS[d].lower() for d in NOTE_NEEDED)
            + ". Say what the team based the decision on.",
        )
        submitted = st.form_submit_button(
            "Update decision" if saved else "Save decision", type="primary"
        )
    flash = st.session_state.get(_SAVED)
    if flash and flash[0] == client:  # under the button that saved it, and in view
        st.success(flash[1])
        st.toast(flash[1], icon=":material/check_circle:")
        del st.session_state[_SAVED]
    if not submitted:
        return
    if choice is None:
        st.error("Choose a decision.")
        return
    try:
        result = record_decision(
            context.engine, viewer, episode_id=episode, decision=str(choice), note=note
        )
    except (DecisionRejected, NotPermitted) as exc:
        st.error(str(exc)[:1].upper() + str(exc)[1:] + ".")
        return
    st.session_state[_SAVED] = (client, saved_message(result.outcome, str(choice), saved))
    st.rerun()
