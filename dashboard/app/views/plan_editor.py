"""The relapse-prevention plan, shared by clients and clinicians: a card to read in a hard
moment (warning signs, my actions, people to call, the crisis lines, each number a tap to
call), a separate step to edit it, and every version kept."""

from __future__ import annotations

import streamlit as st

from dashboard.app.context import AppContext
from dashboard.app.text import plain, with_call_links
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Viewer
from dashboard.checkin.plans import (
    MIN_ACTIONS,
    Contact,
    Plan,
    PlanVersion,
    plan_history,
    save_plan,
)

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
_CONTACTS = "People I can reach out to (one per line: name, then how to reach them)"


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def plan_editor(context: AppContext, viewer: Viewer, client_id: str, *, key: str) -> None:
    """The plan as a card, an "Edit" step to save a new version, and the history."""
    try:
        history = plan_history(context.engine, viewer, client_id)
    except NotPermitted as exc:
        st.error(str(exc).capitalize() + ".")
        return
    editing, saved = f"plan_{key}_editing", f"plan_{key}_saved"
    if st.session_state.get(editing):
        _edit(context, viewer, client_id, history, key=key)
        return
    if (version := st.session_state.pop(saved, None)) is not None:
        st.success(f"Saved as version {version}. Earlier versions are kept.")
    if history:
        _card(context, history[0].plan, key=key)
        latest = history[0]
        st.caption(
            f"Version {latest.version}, saved {latest.saved_at:%d %b %Y %H:%M} by "
            f"{'you' if latest.saved_by == viewer.username else latest.saved_by_role}."
        )
    else:
        st.info("No plan saved yet. It helps to make one before a hard moment comes.")
        _card(context, Plan(), key=key)
    label = "Edit the plan" if history else "Make the plan"
    if st.button(label, type="primary", icon=":material/edit:", key=f"plan_{key}_edit"):
        st.session_state[editing] = True
        st.rerun()
    _history(history)


def _card(context: AppContext, plan: Plan, *, key: str) -> None:
    """The plan for a hard moment: what I notice, what I can do, whom to call, crisis lines."""
    with st.container(border=True, key=f"plan_{key}_card"):
        st.subheader("In a hard moment")
        if plan.warning_signs:
            st.markdown("**When I notice**  \n" + _bullets(plan.warning_signs))
        if plan.actions:
            st.markdown(
                "**I can**  \n"
                + "\n".join(f"{n}. {plain(action)}" for n, action in enumerate(plan.actions, 1))
            )
        if plan.contacts:
            st.markdown(
                "**People I can call**  \n"
                + "\n".join(f"- {_contact(contact)}" for contact in plan.contacts)
            )
        # the crisis message's first paragraph answers a safety answer just given; the
        # lines follow it (as in the check-in's toast)
        paragraphs = context.settings.crisis_message.split("\n\n")
        lines = paragraphs[1:] or paragraphs
        st.markdown(
            "**Crisis lines, any time**  \n"
            + "\n\n".join(with_call_links(p, typed=False) for p in lines)
        )
    for name, label, _help in _FIELDS:
        if name in ("triggers", "weekly_goals") and getattr(plan, name):
            st.markdown(f"**{plain(label)}**  \n" + _bullets(getattr(plan, name)))


def _bullets(values: tuple[str, ...]) -> str:
    return "\n".join(f"- {plain(v)}" for v in values)


def _contact(contact: Contact) -> str:
    name = f"**{plain(contact.name)}**" if contact.name else ""
    how = with_call_links(contact.how) if contact.how else ""
    return f"{name}: {how}" if name and how else name or how


def _edit(
    context: AppContext, viewer: Viewer, client_id: str, history: list[PlanVersion], *, key: str
) -> None:
    """The editing step: every part of the plan, saved as a new version, or cancelled."""
    current = history[0].plan if history else Plan()
    st.subheader("Edit the plan" if history else "Make the plan")
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
            _CONTACTS,
            value="\n".join(f"{c.name}: {c.how}" for c in current.contacts),
            max_chars=2000,
            key=f"plan_{key}_contacts",
        )
        note = st.text_input("What changed (optional)", max_chars=300, key=f"plan_{key}_note")
        submitted = st.form_submit_button("Save a new version", type="primary")
    if submitted:
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
            st.session_state[f"plan_{key}_editing"] = False
            st.session_state[f"plan_{key}_saved"] = version
            st.rerun()
    if st.button("Cancel", icon=":material/close:", key=f"plan_{key}_cancel"):
        st.session_state[f"plan_{key}_editing"] = False
        st.rerun()


def _history(history: list[PlanVersion]) -> None:
    if not history:
        return
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
                    st.markdown(f"*{plain(label)}*  \n" + _bullets(values))
            if saved.plan.contacts:
                st.markdown(
                    "*People I can reach out to*  \n"
                    + "\n".join(f"- {_contact(c)}" for c in saved.plan.contacts)
                )
