"""The client's plan as a card for a hard moment (numbers a tap to call, editing a step of its
own) and My progress in the client's words: their own triggers, "did it help" left blank
never read as "no", no clinical jargon."""

from __future__ import annotations

from dashboard.checkin.plans import Contact, Plan, save_plan
from dashboard.checkin.submit import submit_checkin
from measures import load_catalog
from tests.conftest import viewer_of

CATALOG = load_catalog()
NO_PLAN = "No plan saved yet"


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_the_plan_is_a_card_for_a_hard_moment_with_numbers_to_tap(open_app, app_db):
    plan = Plan(
        triggers=("Payday",),
        warning_signs=("Skipping meals",),
        actions=("Call my sponsor", "Go for a walk", "Go to a meeting"),
        contacts=(Contact("Sam (sponsor)", "555-0100"), Contact("Mum", "by e-mail")),
    )
    save_plan(app_db, viewer_of(app_db, "client"), "C0215", plan)
    at = open_app("client", "my_plan")
    card = _markdown(at)
    assert at.subheader[0].value == "In a hard moment"
    parts = ["When I notice", "I can", "People I can call", "Crisis lines, any time"]
    parts = [f"**{part}**" for part in parts]
    assert [card.index(p) for p in parts] == sorted(card.index(p) for p in parts)
    assert "1. Call my sponsor" in card
    assert "[555\\-0100](tel:5550100)" in card  # the contact's number, a tap to call
    assert "**Mum**: by e\\-mail" in card  # no number, no link
    assert "**[988](tel:988)**" in card
    assert "**[911](tel:911)**" in card
    assert not at.text_area  # reading, not editing: the form is a step of its own
    assert not any(NO_PLAN in i.value for i in at.info)


def test_editing_is_a_separate_step_and_no_plan_saved_yet_goes_once_one_is(open_app, app_db):
    at = open_app("client", "my_plan")
    assert any(NO_PLAN in i.value for i in at.info)
    assert not at.text_area
    _button(at, "Make the plan").click().run()
    assert at.subheader[0].value == "Make the plan"
    at.text_area(key="plan_mine_actions").input("Call my sponsor\nGo for a walk\nUse my app")
    at.text_area(key="plan_mine_contacts").input("Sam: 555-0100")
    _button(at, "Save a new version").click().run()
    assert "Saved as version 1" in at.success[0].value
    assert not any(NO_PLAN in i.value for i in at.info)
    assert not any(NO_PLAN in c.value for c in at.caption)
    assert at.subheader[0].value == "In a hard moment"
    assert "[555\\-0100](tel:5550100)" in _markdown(at)
    assert at.caption[0].value.startswith("Version 1, saved")
    _button(at, "Edit the plan").click().run()
    assert at.text_area(key="plan_mine_actions").value.startswith("Call my sponsor")
    _button(at, "Cancel").click().run()
    assert not at.text_area


def test_a_plan_that_cannot_be_saved_stays_in_the_editing_step_and_says_why(open_app):
    at = open_app("client", "my_plan")
    _button(at, "Make the plan").click().run()
    at.text_area(key="plan_mine_actions").input("Walk")
    _button(at, "Save a new version").click().run()
    assert "at least 3" in at.error[0].value
    assert at.text_area(key="plan_mine_actions").value == "Walk"  # nothing typed is lost


def _notes(engine, triggers, coping):
    result = submit_checkin(
        engine,
        viewer_of(engine, "client"),
        answers={},
        triggers=triggers,
        coping=coping,
        reflection="",
        catalog=CATALOG,
    )
    assert result.saved


def test_my_progress_shows_the_clients_own_words_and_never_reads_no_answer_as_no(open_app, app_db):
    _notes(
        app_db,
        [{"category": "social", "text": ""}, {"category": "own words", "text": "payday"}],
        [{"action": "Exercise or a walk", "helped": ""}],
    )
    _notes(
        app_db,
        [{"category": "own words", "text": "payday"}],
        [{"action": "Exercise or a walk", "helped": "yes"}],
    )
    at = open_app("client", "my_progress")
    shown = _markdown(at).replace("\\", "")
    assert 'Triggers that came up most: "payday" (twice, in your words), social (once).' in shown
    assert "own words" not in shown
    assert "- Exercise or a walk: used twice. It helped once. Once you did not say." in shown
    assert "did not help" not in shown


def test_my_progress_speaks_of_the_clients_measures_without_the_teams_jargon(open_app):
    at = open_app("client", "my_progress")
    headings = [h.value for h in at.subheader]
    assert "Low mood score" in headings
    assert "PHQ-9" not in headings
    charts = [chart.proto.spec.lower() for chart in at.get("plotly_chart")]
    assert len(charts) >= len(headings) - 2  # a chart per measure, and attendance
    for jargon in ("within reliable change", "clinical cut-off", "middle 80%"):
        assert not [chart for chart in charts if jargon in chart], jargon
    assert "Your team will" not in _markdown(at)


def test_the_team_sees_did_it_help_left_blank_as_not_answered(open_app, app_db):
    _notes(
        app_db,
        [{"category": "own words", "text": "payday"}],
        [{"action": "Exercise or a walk", "helped": ""}],
    )
    at = open_app("clinician")
    at.query_params["client"] = "C0215"
    at.switch_page("screens/client_progress.py").run()
    tables = [d.value for d in at.dataframe]
    triggers = next(t for t in tables if "Trigger" in t.columns)
    assert triggers.to_dict("records") == [
        {"Trigger": "payday", "In the client's words": True, "Times": 1}
    ]
    coping = next(t for t in tables if "Coping" in t.columns and "Used" in t.columns)
    walk = coping[coping["Coping"] == "Exercise or a walk"].iloc[0]
    assert (walk["Did not help"], walk["Not answered"]) == (0, 1)
    notes = next(t for t in tables if "Reflection" in t.columns)
    assert notes.iloc[0]["Coping"] == "Exercise or a walk (helped: not answered)"
