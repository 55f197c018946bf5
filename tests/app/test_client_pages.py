"""The client's own pages: check-in (complete, draft, invalid, safety), progress, plan."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dashboard.app.text import plain
from dashboard.auth.permissions import NotPermitted
from dashboard.checkin.plans import Contact, Plan, plan_history, save_plan
from dashboard.program_settings import NEXT_REVIEW_MESSAGE
from tests.app.conftest import audit_rows
from tests.conftest import viewer_of

CRISIS = "988"


def _answer_page(at, value=1, *, item9=None):
    """Answer every question on the current questionnaire page."""
    for radio in at.radio:
        if radio.key and radio.key.startswith("answer_"):
            chosen = item9 if (item9 is not None and radio.key.endswith("phq9_item_9")) else value
            options = list(radio.options)
            radio.set_value(int(options[min(chosen, len(options) - 1)].split(" ")[0]))
    return at.run()


def _next(at):
    return next(b for b in at.button if b.label == "Next").click().run()


def _through_questionnaires(at, *, item9=0):
    for _ in range(20):
        if at.subheader[0].value == "Since your last check-in (optional)":
            return at
        _answer_page(at, item9=item9)
        _next(at)
    raise AssertionError("the check-in did not reach the notes step")


def _count(engine, sql):
    with engine.connect() as connection:
        return connection.execute(sa.text(sql)).scalar()


def test_todays_due_questionnaires_are_asked_one_at_a_time_with_nothing_prefilled(open_app):
    at = open_app("client")
    assert at.title[0].value == "Check-in"
    assert at.session_state["checkin"]["measures"][:3] == [  # the daily ratings first
        "craving_nrs",
        "confidence_nrs",
        "mood_nrs",
    ]
    assert "phq9" in at.session_state["checkin"]["measures"]
    answers = [r for r in at.radio if r.key and r.key.startswith("answer_")]
    assert len(answers) == 1  # one questionnaire (a single rating) on screen
    assert all(r.value is None for r in answers)


def test_next_refuses_unanswered_questions(open_app):
    at = open_app("client")
    _next(at)
    assert "Please answer every question first" in at.warning[0].value


def test_a_complete_check_in_is_saved_and_shows_in_progress_and_review(open_app, app_db):
    before = _count(app_db, "SELECT COUNT(*) FROM administrations WHERE source = 'self-report'")
    at = _through_questionnaires(open_app("client"))
    at.text_area(key="note_reflection").input("Felt steady this week.")
    at.multiselect(key="note_triggers").select("social")
    _next(at)
    assert at.subheader[0].value == "Check your answers"
    next(b for b in at.button if b.label == "Submit").click().run()
    assert at.success[0].value == "Thank you. Your check-in is saved."
    after = _count(app_db, "SELECT COUNT(*) FROM administrations WHERE source = 'self-report'")
    assert after - before == len(at.session_state["checkin"]["measures"])
    assert _count(app_db, "SELECT COUNT(*) FROM checkin_notes") == 1
    assert _count(app_db, "SELECT COUNT(*) FROM checkin_drafts") == 0
    progress = at.switch_page("screens/my_progress.py").run()
    assert any("social \\(once\\)" in m.value for m in progress.markdown)
    clinician = open_app("clinician", "weekly_review")
    row = clinician.dataframe[0].value
    demo = row[row["Id"] == "C0215"].iloc[0]
    assert "overdue" not in demo["Flags"]  # the due questionnaires were just done


def test_a_half_finished_check_in_is_kept_as_a_draft_not_as_answers(open_app, app_db):
    before = _count(app_db, "SELECT COUNT(*) FROM administrations")
    at = open_app("client")
    _answer_page(at, value=6)
    next(b for b in at.button if b.label == "Save and finish later").click().run()
    assert "Saved as a draft" in at.success[0].value
    assert _count(app_db, "SELECT COUNT(*) FROM administrations") == before
    assert _count(app_db, "SELECT COUNT(*) FROM checkin_drafts") == 1
    assert [(r.actor, r.resource_id) for r in audit_rows(app_db, "save-draft")] == [
        ("client", "C0215")
    ]
    again = open_app("client")
    assert "Welcome back" in again.info[0].value
    restored = next(r for r in again.radio if r.key and r.key.startswith("answer_"))
    assert restored.value == 6


def test_an_invalid_answer_is_not_saved_and_says_why(open_app, app_db):
    at = _through_questionnaires(open_app("client"))
    at.session_state["checkin"]["answers"]["phq9"]["item_3"] = 7  # tampered with
    _next(at)
    next(b for b in at.button if b.label == "Submit").click().run()
    assert "item_3 is 7; PHQ-9 answers are 0-3" in at.error[0].value
    assert _count(app_db, "SELECT COUNT(*) FROM administrations WHERE source='self-report'") == 0


def test_item_9_above_0_shows_crisis_information_at_once_and_reaches_the_review(open_app, app_db):
    at = open_app("client")
    for _ in range(3):  # the three daily ratings
        _answer_page(at)
        _next(at)
    assert at.subheader[0].value == "Patient Health Questionnaire-9"
    _answer_page(at, item9=2)
    crisis = [e.value for e in at.error]
    assert any(CRISIS in e for e in crisis)
    assert not any("will follow up" in e for e in crisis)  # nobody on call: not promised
    assert NEXT_REVIEW_MESSAGE in [i.value for i in at.info]
    at = _through_questionnaires(at, item9=2)
    _next(at)
    next(b for b in at.button if b.label == "Submit").click().run()
    assert any(CRISIS in e.value for e in at.error)  # shown again after saving
    review = open_app("clinician", "weekly_review")
    table = review.dataframe[0].value
    demo = table[table["Id"] == "C0215"].iloc[0]
    assert demo["Group"] == "Safety answer to follow up"
    assert demo["Why now"].startswith("Safety: PHQ-9 item 9")
    assert "PHQ-9 item 9 answered 2" in demo["Flags"]


def test_free_text_with_markup_or_script_is_shown_as_text(open_app, app_db):
    hostile = "<script>alert('x')</script> **loud** [link](http://example.org)"
    at = _through_questionnaires(open_app("client"))
    at.text_area(key="note_reflection").input(hostile)
    _next(at)
    assert hostile in [t.value for t in at.text]  # the review step shows it verbatim
    next(b for b in at.button if b.label == "Submit").click().run()
    with app_db.connect() as connection:
        stored = connection.execute(sa.text("SELECT reflection FROM checkin_notes")).scalar()
    assert stored == hostile  # stored as given
    rendered = plain(hostile)
    assert "<script>" not in rendered
    assert "\\*\\*loud\\*\\*" in rendered


def test_plans_are_versioned_and_nothing_is_overwritten(app_db):
    client = viewer_of(app_db, "client")
    first = Plan(
        triggers=("Payday",),
        actions=("Call Sam", "Walk", "Go to a meeting"),
        contacts=(Contact("Sam", "555-0100"),),
    )
    assert save_plan(app_db, client, "C0215", first) == 1
    second = Plan(triggers=("Payday", "Sundays"), actions=first.actions)
    assert save_plan(app_db, client, "C0215", second, note="added Sundays") == 2
    history = plan_history(app_db, client, "C0215")
    assert [v.version for v in history] == [2, 1]
    assert history[1].plan == first
    assert history[0].note == "added Sundays"


def test_a_plan_needs_three_go_to_actions(app_db):
    with pytest.raises(ValueError, match="at least 3"):
        save_plan(app_db, viewer_of(app_db, "client"), "C0215", Plan(actions=("Walk",)))


def test_the_team_of_the_clients_site_can_edit_the_plan_and_others_cannot(app_db):
    clinician = viewer_of(app_db, "clinician")
    plan = Plan(actions=("a", "b", "c"))
    assert save_plan(app_db, clinician, "C0215", plan) == 1
    with pytest.raises(NotPermitted):
        save_plan(app_db, clinician, "C0003", plan)  # another site's client
    with pytest.raises(NotPermitted):
        save_plan(app_db, viewer_of(app_db, "client"), "C0003", plan)  # another client
    with pytest.raises(NotPermitted):
        plan_history(app_db, viewer_of(app_db, "director"), "C0215")
    assert audit_rows(app_db, "save-plan")[-1].actor == "clinician"


def test_the_plan_page_saves_a_new_version(open_app, app_db):
    at = open_app("client", "my_plan")
    next(b for b in at.button if b.label == "Make the plan").click().run()
    at.text_area(key="plan_mine_actions").input("Call my sponsor\nGo for a walk\nUse my app")
    next(b for b in at.button if b.label == "Save a new version").click().run()
    assert "Saved as version 1" in at.success[0].value
    assert _count(app_db, "SELECT COUNT(*) FROM relapse_plans") == 1
    review = open_app("clinician", "weekly_review").dataframe[0].value
    assert (
        review[review["Id"] == "C0215"].iloc[0]["Relapse-prevention plan"].startswith("v1, saved")
    )
