"""The relapse-prevention plan editor and its history, shared by clients and clinicians."""

from __future__ import annotations

import streamlit as st

from dashboard.app.context import AppContext
from dashboard.app.text import plain
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Viewer
from dashboard.checkin.plans import MIN_ACTIONS, Contact, Plan, plan_history, save_plan

_FIELDS = (
    ("triggers", "My top triggers", "People, places, feelings or times that make things harder"),
    (
        "warning_signs",
        "My early warning signs",
        "What I notice in myself when I am starting to slip",
    ),
    ("weekly_goals", "My goals for this week", "Small, concrete steps"),
    ("actions", f"What I can do in a hard moment (at least {MIN_ACTIONS})", "One per line"),
)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def plan_editor(context: AppContext, viewer: Viewer, client_id: str, *, key: str) -> None:
    """Show the current plan, let the viewer save a new version, and list the history."""
    try:
        history = plan_history(context.engine, viewer, client_id)
    except NotPermitted as exc:
        st.error(str(exc).capitalize() + ".")
        return
    current = history[0].plan if history else Plan()
    if history:
        latest = history[0]
        st.caption(
            f"Version {latest.version}, saved {latest.saved_at:%d %b %Y %H:%M} by "
            f"{'you' if latest.saved_by == viewer.username else latest.saved_by_role}."
        )
    else:
        st.caption("No plan saved yet.")
    with st.form(f"plan_{key}"):
        texts = {
            name: st.text_area(
                label,
                value="\n".join(getattr(current, name)),
                help=help_,
                max_chars=2000,
                key=f"plan_{key}_{name}",
            )
            for name, label, help_ in _FIELDS
        }
        contacts = st.text_area(
            "People I can reach out to (one per line: name, then how to reach them)",
            value="\n".join(f"{c.name}: {c.how}" for c in current.contacts),
            max_chars=2000,
            key=f"plan_{key}_contacts",
        )
        note = st.text_input("What changed (optional)", max_chars=300, key=f"plan_{key}_note")
        if st.form_submit_button("Save a new version", type="primary"):
            plan = Plan(
                triggers=_lines(texts["triggers"]),
                warning_signs=_lines(texts["warning_signs"]),
                weekly_goals=_lines(texts["weekly_goals"]),
                actions=_lines(texts["actions"]),
                contacts=tuple(
                    Contact(*(part.strip() for part in line.split(":", 1)))
                    if ":" in line
                    else Contact(line.strip(), "")
                    for line in _lines(contacts)
                ),
            )
            try:
                version = save_plan(context.engine, viewer, client_id, plan, note=note)
            except (ValueError, NotPermitted) as exc:
                st.error(str(exc))
            else:
                st.success(f"Saved as version {version}. Earlier versions are kept.")
    if len(history) > 0:
        with st.expander(f"History ({len(history)} version{'s' if len(history) != 1 else ''})"):
            for saved in history:
                st.markdown(
                    f"**Version {saved.version}**, {saved.saved_at:%d %b %Y %H:%M}, "
                    f"{plain(saved.saved_by)} ({saved.saved_by_role})"
                    + (f": {plain(saved.note)}" if saved.note else "")
                )
                for name, label, _help in _FIELDS:
                    values = getattr(saved.plan, name)
                    if values:
                        st.markdown(
                            f"*{plain(label)}*  \n" + "  \n".join(f"- {plain(v)}" for v in values)
                        )
