"""Clients: today's check-in, one questionnaire at a time, then notes, review and submit.

Every answer and every step is kept as the client's draft at once, so a reload, a
closed tab or another device opens the check-in where they left it.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
import streamlit as st

from dashboard import clock
from dashboard.app.context import AppContext
from dashboard.app.guard import page_viewer
from dashboard.app.notifier import notifier
from dashboard.app.text import plain, with_call_links
from dashboard.auth.viewer import Viewer
from dashboard.checkin.due import due_today
from dashboard.checkin.notes import OWN_WORDS
from dashboard.checkin.safety import (
    SafetyRecorded,
    notification_status,
    record_safety_answer,
    what_happens,
)
from dashboard.checkin.steps import NOTES, REVIEW, checkin_size, resume_step, steps_of
from dashboard.checkin.submit import (
    HELPED,
    TRIGGER_CATEGORIES,
    load_draft,
    safety_item_endorsed,
    save_draft,
    submit_checkin,
)
from dashboard.checkin.summary import (
    answer_lines,
    coping_of,
    note_lines,
    option_words,
    triggers_of,
)
from dashboard.store.engine import DatabaseLocked, read
from measures import Instrument, Item

COPING_ACTIONS = (
    "Called or texted someone",
    "Went to a meeting or group",
    "Used my relapse-prevention plan",
    "Breathing or grounding",
    "Exercise or a walk",
    "Distracted myself",
)
_STATE = "checkin"


def render() -> None:
    """Draw the check-in page."""
    context, viewer = page_viewer("check_in")
    st.title("Check-in")
    state = _state(context, viewer)
    if state.get("done"):
        _done(context, viewer, state)
        return
    measures: list[str] = state["measures"]
    steps = steps_of(measures)
    step = min(state["step"], len(steps) - 1)
    if state.get("welcome"):
        st.info(
            "Welcome back: this is where you left off, and your answers so far are kept.",
            icon=":material/bookmark:",
        )
    if not measures:
        st.info("Nothing is due today. You can still note how things have been.")
    elif step == 0:
        st.info(
            checkin_size(measures, context.catalog).words()
            + " Then you can add notes about your week if you like, check your answers "
            "and send them.",
            icon=":material/schedule:",
        )
    st.progress((step + 1) / len(steps), text=f"Step {step + 1} of {len(steps)}")
    current = steps[step]
    if current == NOTES:
        _notes(state)
    elif current == REVIEW:
        _keep(context, viewer, state, current)
        _review(context, viewer, state)
        return
    else:
        _questionnaire(context, viewer, context.catalog[current], state)
    _keep(context, viewer, state, current)
    _buttons(context, viewer, state, step, len(steps))


def _state(context: AppContext, viewer: Viewer) -> dict[str, Any]:
    if _STATE not in st.session_state:
        with read(context.engine) as connection:
            due = due_today(
                connection,
                viewer,
                catalog=context.catalog,
                program=context.program,
                as_of=clock.today(),
            )
        draft = load_draft(context.engine, viewer) or {}
        measures = due["measure"].to_list()
        st.session_state[_STATE] = {
            "measures": measures,
            "step": resume_step(steps_of(measures), draft),
            "answers": {m: v for m, v in draft.get("answers", {}).items() if m in measures},
            "days": {m: v for m, v in draft.get("days", {}).items() if m in measures},
            "notes": draft.get("notes", {}),
            "welcome": bool(draft),
            "kept": _content_json(draft) if draft else None,
            "safety": {},
        }
    state: dict[str, Any] = st.session_state[_STATE]
    return state


def _content(state: dict[str, Any], at: str) -> dict[str, Any]:
    """The draft of the check-in as it stands, at step ``at``."""
    content = {"answers": state["answers"], "notes": state["notes"], "at": at}
    if state.get("days"):
        content["days"] = state["days"]
    return content


def _content_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True)


def _anything(content: dict[str, Any]) -> bool:
    """Whether a draft holds anything the client gave (an answer, days or a note)."""
    answered = any(v is not None for items in content["answers"].values() for v in items.values())
    noted = any(v for v in content["notes"].values())
    return answered or noted or bool(content.get("days"))


def _keep(context: AppContext, viewer: Viewer, state: dict[str, Any], at: str) -> None:
    """Save the check-in as the client's draft whenever it changed: every answer and step.

    Nothing is saved before the client gives anything; a failure to save is said,
    and tried again at the next answer.
    """
    content = _content(state, at)
    kept = _content_json(content)
    if kept == state.get("kept") or (state.get("kept") is None and not _anything(content)):
        return
    try:
        save_draft(context.engine, viewer, content)
    except (DatabaseLocked, sa.exc.SQLAlchemyError):
        st.warning(
            "Your answers could not be saved just now. They are still here, and saving "
            "will be tried again at your next answer.",
            icon=":material/warning:",
        )
        return
    state["kept"] = kept


def _questionnaire(
    context: AppContext, viewer: Viewer, instrument: Instrument, state: dict[str, Any]
) -> None:
    st.subheader(instrument.name)
    single_question = len(instrument.items) == 1
    if instrument.instructions and instrument.show_item_wording and not single_question:
        st.write(instrument.instructions)
    if instrument.recall_period:
        st.caption(f"Time frame: {instrument.recall_period}.")
    saved = state["answers"].get(instrument.id, {})
    days = state.setdefault("days", {}).get(instrument.id, {})
    for item in instrument.items:
        if instrument.skipped(item.id, saved):  # the form's skip: BAM-R item 5 after 0 days
            saved[item.id] = None
            days.pop(item.id, None)
            continue
        question = item.text if instrument.show_item_wording and item.text else item.label
        if item.days and instrument.day_bins is not None:
            value = _days_answer(instrument, item, f"{item.number}. {question}", days)
        else:
            values = list(item.allowed_values)
            previous = saved.get(item.id)
            value = st.radio(
                f"{item.number}. {question}" + (" (optional)" if item.optional else ""),
                values,
                index=values.index(previous) if previous in values else None,
                format_func=lambda v, item=item: option_words(item, v),
                horizontal=len(values) > 5,
                key=f"answer_{instrument.id}_{item.id}",
            )
        if safety_item_endorsed({instrument.id: {item.id: value}}, context.catalog):
            if saved.get(item.id) != value:
                # the moment it is answered: a toast shows wherever the page is scrolled
                paragraphs = context.settings.crisis_message.split("\n\n")
                st.toast(paragraphs[min(1, len(paragraphs) - 1)], icon=":material/support:")
            _crisis(context)
            if value is not None:
                _safety_answer(context, viewer, state, instrument.id, item.id, value)
        saved[item.id] = value
    state["answers"][instrument.id] = saved
    if days:
        state["days"][instrument.id] = days
    if not single_question:  # the attribution questionnaires ask for
        st.caption(instrument.licence)


def _days_answer(
    instrument: Instrument, item: Item, label: str, days: dict[str, Any]
) -> int | None:
    """Ask a day item as the number of days; its answer is the days' bin (the definition's)."""
    bins = instrument.day_bins
    if bins is None:  # pragma: no cover - the caller checked
        return None
    optional = ", optional" if item.optional else ""
    entered = st.number_input(
        f"{label} (0-{bins.max_days} days{optional})",
        min_value=0,
        max_value=bins.max_days,
        value=days.get(item.id),
        step=1,
        placeholder="Number of days",
        key=f"days_{instrument.id}_{item.id}",
    )
    if entered is None:
        days.pop(item.id, None)
        return None
    days[item.id] = int(entered)
    return instrument.codes_of_days({item.id: int(entered)})[item.id]


def _crisis(context: AppContext) -> None:
    st.error(
        with_call_links(context.settings.crisis_message, typed=False), icon=":material/support:"
    )


def _safety_answer(
    context: AppContext, viewer: Viewer, state: dict[str, Any], measure: str, item: str, value: int
) -> None:
    """Record the safety answer now (when first given, and when raised) and say what will
    happen to it; a failure to record is said too, and tried again on the next run."""
    key = f"{measure}|{item}"
    done: tuple[int, SafetyRecorded] | None = state.setdefault("safety", {}).get(key)
    if done is None or done[0] < value:
        try:
            recorded = record_safety_answer(
                context.engine,
                viewer,
                measure=measure,
                item=item,
                value=value,
                catalog=context.catalog,
                settings=context.settings,
            )
        except (DatabaseLocked, sa.exc.SQLAlchemyError):
            st.warning(
                "Your answer could not be sent to your team just now. Please tell a member of "
                "staff, or use the lines above. It will be tried again when you go on.",
                icon=":material/warning:",
            )
            return
        done = (value, recorded)
        state["safety"][key] = done
        if recorded.queued:
            notifier(context).wake()
    _what_happens(context, viewer, done[1])


def _what_happens(context: AppContext, viewer: Viewer, recorded: SafetyRecorded) -> None:
    """What happens to the answer, as it stands now."""
    status = notification_status(context.engine, viewer, recorded.safety_answer_id)
    if status == "queued":
        _on_its_way(context, viewer, recorded)
        return
    st.info(
        what_happens(status, site=recorded.site, settings=context.settings),
        icon=":material/forward_to_inbox:" if status else ":material/event:",
    )


@st.fragment(run_every=3)
def _on_its_way(context: AppContext, viewer: Viewer, recorded: SafetyRecorded) -> None:
    """While the notification is on its way: redrawn every few seconds until it is sent
    (or given up), then the whole page once, to say so."""
    status = notification_status(context.engine, viewer, recorded.safety_answer_id)
    if status != "queued":
        st.rerun()
    st.info(
        what_happens(status, site=recorded.site, settings=context.settings),
        icon=":material/forward_to_inbox:",
    )


def _notes(state: dict[str, Any]) -> None:
    st.subheader("Since your last check-in (optional)")
    notes = state["notes"]
    triggers = st.multiselect(
        "Which triggers came up?",
        [c for c in TRIGGER_CATEGORIES if c != OWN_WORDS],
        default=notes.get("trigger_categories", []),
        key="note_triggers",
    )
    own = st.text_input(
        "Another trigger, in your own words",
        value=notes.get("own_trigger", ""),
        max_chars=300,
        key="note_own_trigger",
    )
    actions = st.multiselect(
        "What did you do to cope?",
        COPING_ACTIONS,
        default=notes.get("actions", []),
        key="note_actions",
    )
    helped = {
        action: st.radio(
            f"Did it help? ({action})",
            HELPED,
            horizontal=True,
            index=HELPED.index(notes.get("helped", {}).get(action))
            if notes.get("helped", {}).get(action) in HELPED
            else None,
            key=f"note_helped_{action}",
        )
        for action in actions
    }
    reflection = st.text_area(
        "Anything else on your mind? (optional)",
        value=notes.get("reflection", ""),
        max_chars=2000,
        key="note_reflection",
    )
    state["notes"] = {
        "trigger_categories": triggers,
        "own_trigger": own,
        "actions": actions,
        "helped": {a: h for a, h in helped.items() if h},
        "reflection": reflection,
    }


def _buttons(
    context: AppContext, viewer: Viewer, state: dict[str, Any], step: int, steps: int
) -> None:
    back, draft, forward = st.columns(3)
    if step > 0 and back.button("Back", icon=":material/arrow_back:"):
        _go(state, step - 1)
    if draft.button("Save and finish later", icon=":material/save:"):
        if state.get("kept") is None:
            save_draft(context.engine, viewer, _content(state, steps_of(state["measures"])[step]))
            state["kept"] = _content_json(_content(state, steps_of(state["measures"])[step]))
        st.success(
            "Saved as a draft. Your answers are kept until you come back, "
            "and you will start at this step."
        )
    if forward.button("Next", type="primary", icon=":material/arrow_forward:"):
        current = state["measures"][step] if step < len(state["measures"]) else None
        missing = _missing(context, state, current)
        if missing:
            st.warning(f"Please answer every question first ({missing} left).")
            return
        _go(state, step + 1)
    st.caption("Your answers are saved as you go: you can stop at any time and come back here.")


def _go(state: dict[str, Any], step: int) -> None:
    state["step"] = step
    state["welcome"] = False
    st.rerun()


def _missing(context: AppContext, state: dict[str, Any], measure: str | None) -> int:
    if measure is None:
        return 0
    answers = state["answers"].get(measure, {})
    instrument = context.catalog[measure]
    return sum(
        1
        for i in instrument.items
        if not i.optional
        and answers.get(i.id) is None
        and not instrument.skipped(i.id, answers)  # the form's skip is no missing answer
    )


def _review(context: AppContext, viewer: Viewer, state: dict[str, Any]) -> None:
    """Everything that will be sent, in the order it was asked, then Submit."""
    st.subheader("Check your answers")
    st.write("This is everything you will send. To change an answer, go back to it.")
    for name, lines in answer_lines(
        state["measures"], state["answers"], state.get("days", {}), context.catalog
    ):
        st.markdown(f"**{plain(name)}**")
        st.markdown(
            "\n".join(f"- {plain(question)}: {plain(answer)}" for question, answer in lines)
        )
    notes = state["notes"]
    st.markdown("**Since your last check-in**")
    st.markdown(
        "\n".join(f"- {plain(question)}: {plain(answer)}" for question, answer in note_lines(notes))
    )
    st.markdown("**Anything else on your mind**")
    if notes.get("reflection", "").strip():
        st.text(notes["reflection"])  # exactly as typed
    else:
        st.markdown("- nothing written")
    back, submit = st.columns(2)
    if back.button("Back", icon=":material/arrow_back:"):
        _go(state, state["step"] - 1)
    if submit.button("Submit", type="primary", icon=":material/send:"):
        result = submit_checkin(
            context.engine,
            viewer,
            answers={m: state["answers"][m] for m in state["measures"] if m in state["answers"]},
            triggers=triggers_of(notes),
            coping=coping_of(notes),
            reflection=notes.get("reflection", ""),
            catalog=context.catalog,
            days=state.get("days", {}),
            settings=context.settings,
        )
        if not result.saved:
            st.error("Some answers could not be saved: " + "; ".join(result.errors))
            return
        state["done"] = True
        state["submitted_safety"] = result.safety_answers
        if any(r.queued for r in result.safety_answers):
            notifier(context).wake()
        st.rerun()


def _done(context: AppContext, viewer: Viewer, state: dict[str, Any]) -> None:
    st.success("Thank you. Your check-in is saved.")
    if safety_item_endorsed(state["answers"], context.catalog):
        _crisis(context)
        shown = {r.safety_answer_id: r for r in state.get("submitted_safety", ())}
        for recorded in shown.values():
            _what_happens(context, viewer, recorded)
    if not state["measures"]:
        st.write("Nothing else is due today.")
    st.page_link("screens/my_progress.py", label="See my progress", icon=":material/trending_up:")
    st.page_link("screens/my_plan.py", label="My plan", icon=":material/shield:")
