"""A check-in on the client's terms: it says how long it is, keeps every answer as a draft at
once, reopens where the client left off, shows everything before it is sent, and ends
without a "Start again"."""

from __future__ import annotations

import json
import math

import sqlalchemy as sa

from measures import load_catalog
from tests.app.conftest import audit_rows
from tests.app.test_client_pages import _answer_page, _next, _through_questionnaires

CATALOG = load_catalog()
NOTES_STEP = "Since your last check-in (optional)"


def _draft(engine) -> dict | None:
    with engine.connect() as connection:
        content = connection.execute(sa.text("SELECT content FROM checkin_drafts")).scalar()
    return json.loads(content) if content else None


def _step(at) -> str:
    return at.get("progress")[0].proto.text


def _answers(at) -> dict[str, object]:
    return {r.key: r.value for r in at.radio if r.key and r.key.startswith("answer_")}


def test_a_check_in_starts_with_how_many_questions_and_about_how_long(open_app):
    at = open_app("client")
    measures = at.session_state["checkin"]["measures"]
    questions = sum(len(CATALOG[m].items) for m in measures)
    minutes = math.ceil(questions * 10 / 60)  # 10 seconds a question (checkin/steps.py)
    assert at.info[0].value.startswith(
        f"Today there are {questions} questions in {len(measures)} parts. "
        f"It takes about {minutes} minutes."
    )
    _answer_page(at)
    _next(at)
    assert not any("Today there are" in i.value for i in at.info)  # said once, at the start


def test_nothing_is_kept_as_a_draft_before_the_client_answers(open_app, app_db):
    open_app("client")
    assert _draft(app_db) is None
    assert audit_rows(app_db, "save-draft") == []


def test_every_answer_and_step_is_kept_as_a_draft_at_once(open_app, app_db):
    at = open_app("client")
    first = at.session_state["checkin"]["measures"][0]
    _answer_page(at, value=6)  # no button pressed
    assert _draft(app_db)["answers"] == {first: {"item_1": 6}}
    assert _draft(app_db)["at"] == first
    _next(at)
    second = at.session_state["checkin"]["measures"][1]
    assert _draft(app_db)["at"] == second
    _answer_page(at, value=3)
    assert _draft(app_db)["answers"][second] == {"item_1": 3}
    # one audit row when the draft starts and one as each questionnaire joins it
    assert [r.resource_id for r in audit_rows(app_db, "save-draft")] == ["C0215", "C0215"]


def test_reopening_the_check_in_resumes_at_the_step_left_with_the_answers(open_app):
    at = open_app("client")
    first = at.session_state["checkin"]["measures"][0]
    _answer_page(at, value=6)
    _next(at)
    _next(at := _answer_page(at, value=3))
    _answer_page(at, value=2)  # the third page answered, Next not pressed
    third = at.subheader[0].value
    again = open_app("client")  # a reload, a new tab or another device: a new session
    assert _step(again) == f"Step 3 of {len(again.session_state['checkin']['measures']) + 2}"
    assert again.subheader[0].value == third
    assert "Welcome back" in again.info[0].value
    assert set(_answers(again).values()) == {2}
    back = next(b for b in again.button if b.label == "Back").click().run()
    back = next(b for b in back.button if b.label == "Back").click().run()
    assert _answers(back) == {f"answer_{first}_item_1": 6}
    assert not any("Welcome back" in i.value for i in back.info)  # once moved on, not again


def test_notes_are_kept_and_reopened_too(open_app):
    at = _through_questionnaires(open_app("client"))
    at.multiselect(key="note_actions").select("Exercise or a walk").run()
    at.text_area(key="note_reflection").input("Slept badly.").run()
    again = open_app("client")
    assert again.subheader[0].value == NOTES_STEP
    assert again.multiselect(key="note_actions").value == ["Exercise or a walk"]
    assert again.text_area(key="note_reflection").value == "Slept badly."


def test_the_review_shows_everything_that_will_be_sent_in_the_order_asked(open_app):
    at = _through_questionnaires(open_app("client"))
    at.multiselect(key="note_triggers").select("social").run()
    at.text_input(key="note_own_trigger").input("my brother's visit").run()
    at.multiselect(key="note_actions").select("Breathing or grounding").run()
    at.multiselect(key="note_actions").select("Exercise or a walk").run()
    at.radio(key="note_helped_Breathing or grounding").set_value("somewhat").run()
    at.text_area(key="note_reflection").input("Slept badly.").run()
    _next(at)
    assert at.subheader[0].value == "Check your answers"
    shown = [m.value.replace("\\", "") for m in at.markdown]
    names = [CATALOG[m].name for m in at.session_state["checkin"]["measures"]]
    assert [s.strip("*") for s in shown if s.strip("*") in names] == names
    notes = "\n".join(shown[shown.index("**Since your last check-in**") :])
    assert "- Triggers that came up: social" in notes
    assert "- In your own words: my brother's visit" in notes
    assert "- What you did to cope: Breathing or grounding (did it help: somewhat)" in notes
    assert "- What you did to cope: Exercise or a walk (did it help: not answered)" in notes
    assert notes.index("Triggers") < notes.index("own words") < notes.index("cope")
    assert "Slept badly." in [t.value for t in at.text]


def test_after_submitting_there_is_no_start_again_only_where_to_go_next(open_app, app_db):
    at = _through_questionnaires(open_app("client"))
    _next(at)
    next(b for b in at.button if b.label == "Submit").click().run()
    assert at.success[0].value == "Thank you. Your check-in is saved."
    assert "Start again" not in [b.label for b in at.button]
    assert [p.value for p in at.page_link] == ["See my progress", "My plan"]
    assert _draft(app_db) is None
