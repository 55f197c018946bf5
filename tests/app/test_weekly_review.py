"""The weekly review as the team uses it in the meeting: a compact list with the client
pinned, a row opens the client's review beside it, "Next client" walks the agenda, and
this week's decision is edited rather than added twice."""

from __future__ import annotations

import json

import polars as pl
import sqlalchemy as sa

from dashboard.app.views import review_list
from dashboard.app.views.review_list import LIST, OPEN
from dashboard.review.priorities import PRIORITIES
from tests.app.conftest import audit_rows

SAFETY = "Safety answer to follow up"
OTHER_SITE_CLIENT = "C0003"  # treated at Riverside; the demo clinician works at Hillcrest


def _table(at):
    return pl.from_pandas(at.dataframe[0].value)


def _open(at, row: int):
    """Select a row of the list, as a click on it does."""
    at.session_state[LIST] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def _open_client(at) -> str:
    """The id in the open review's heading ("Name (C0001)")."""
    (heading,) = [s.value for s in at.subheader]
    return heading.replace("\\", "").rsplit("(", 1)[1].rstrip(")")


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _decisions(engine):
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT episode_id, week_of, decision, note, decided_by FROM review_decisions")
        ).all()


def test_the_list_shows_the_client_pinned_why_now_and_compact_scores_the_rest_on_demand(
    open_app,
):
    at = open_app("clinician", "weekly_review")
    frame = at.dataframe[0]
    assert list(frame.proto.column_order) == ["Client", "Why now", "PHQ-9", "GAD-7", "WHO-5"]
    config = json.loads(frame.proto.columns)
    assert config["Client"]["pinned"] is True
    table = _table(at)
    # the rest is in the table, shown from its column menu
    assert {"Id", "Group", "Flags", "Craving 0-10", "Relapse-prevention plan"} <= set(table.columns)
    sequoia = table.filter(pl.col("Id") == "C0207").row(0, named=True)
    assert sequoia["Why now"] == "Safety: PHQ-9 item 9 (+4)"
    assert (sequoia["PHQ-9"], sequoia["WHO-5"]) == ("25 ▲", "0 ▼")
    assert all(len(w) <= 26 for w in table["Why now"])  # short enough for its column
    # nothing opens until someone chooses: no record is read, no view audited
    assert not at.subheader
    assert [i.value for i in at.info] == ["Select a client in the list to open their review here."]


def test_a_well_being_score_still_above_its_threshold_ranks_after_a_phq9_of_15_overdue(
    open_app,
):
    table = _table(open_app("clinician", "weekly_review"))
    order = table["Id"].to_list()
    aspen = table.filter(pl.col("Id") == "C0231").row(0, named=True)  # WHO-5 84 -> 72
    ivy = table.filter(pl.col("Id") == "C0222").row(0, named=True)  # PHQ-9 15, 10 d overdue
    assert aspen["Why now"] == "Worse, subclinical: WHO-5"
    assert aspen["Group"] == "Worse, still subclinical"
    assert ivy["Why now"] == "Overdue: PHQ-9 10 d"
    assert order.index("C0222") < order.index("C0231")


def test_the_order_is_explained_on_the_page(open_app):
    at = open_app("clinician", "weekly_review")
    explained = next(e for e in at.expander if e.label == "How the agenda is ordered")
    text = " ".join(m.value for m in explained.markdown)
    for priority in PRIORITIES:
        assert f"{priority.order}. **{priority.name}**: {priority.explanation}" in text
    assert "More reasons for concern first" in text
    assert "The most severe latest score first" in text


def test_each_counts_help_explains_its_rule_with_the_programs_settings(open_app):
    at = open_app("clinician", "weekly_review")
    table = _table(at)
    by_name = {p.short_name: p for p in PRIORITIES}
    counts = {}
    for markdown in at.markdown:
        number, _, label = markdown.value.partition(" ")
        if label in by_name and number.strip("*").isdigit():
            counts[label] = (int(number.strip("*")), markdown.proto.help)
    assert list(counts) == [p.short_name for p in PRIORITIES if p.name in set(table["Group"])]
    for label, (count, help_text) in counts.items():
        priority = by_name[label]
        assert count == (table["Group"] == priority.name).sum()
        assert help_text.startswith(priority.explanation)
        assert label not in help_text  # the rule, not its label again
    assert "grace days in this program: PHQ-9 1 d" in counts["Overdue measures"][1]
    assert "WHO-5 <= 50" in counts["Worse, subclinical"][1]


def test_a_row_opens_the_clients_review_beside_the_list_and_audits_the_view(open_app, app_db):
    at = _open(open_app("clinician", "weekly_review"), 5)
    client = _table(at)["Id"][5]
    assert _open_client(at) == client
    texts = " ".join(m.value for m in at.markdown)
    assert "**Why now: Overdue measures.**" in texts
    assert "**Latest scores**" in texts
    assert "**PHQ-9**: 15 Moderately severe, reliably improved from 21" in texts
    assert "**Step-down readiness:" in texts
    assert at.get("plotly_chart")  # the mini-trajectories
    assert "This week's decision" in texts
    assert audit_rows(app_db, "view-client")[-1].resource_id == client


def test_next_client_walks_the_agenda_in_order(open_app):
    at = open_app("clinician", "weekly_review")
    order = _table(at)["Id"].to_list()
    _button(at, "Start with the first: Rowan Lemming").click().run()
    seen = [_open_client(at)]
    assert _button(at, "Previous client").disabled
    for _ in order[1:]:
        _button(at, "Next client").click().run()
        seen.append(_open_client(at))
        assert at.session_state[LIST]["selection"]["rows"] == [len(seen) - 1]
    assert seen == order
    assert _button(at, "Last client").disabled


def test_a_caseload_larger_than_a_page_is_listed_a_page_at_a_time_and_next_client_turns_it(
    open_app, monkeypatch
):
    everyone = _table(open_app("clinician", "weekly_review"))["Id"].to_list()
    monkeypatch.setattr(review_list, "PAGE_ROWS", 4)
    at = open_app("clinician", "weekly_review")
    assert _table(at)["Id"].to_list() == everyone[:4]
    assert f"Clients 1-4 of {len(everyone)}" in [c.value for c in at.caption]
    assert _button(at, "Previous 4").disabled
    _button(at, "Next 4").click().run()
    assert _table(at)["Id"].to_list() == everyone[4:8]
    assert not at.subheader  # turning a page opens nobody
    _open(at, 1)
    assert _open_client(at) == everyone[5]
    assert "6 of" in " ".join(c.value for c in at.caption)
    _button(at, "Previous client").click().run()
    _button(at, "Previous client").click().run()  # onto the first page: the list follows
    assert _open_client(at) == everyone[3]
    assert _table(at)["Id"].to_list() == everyone[:4]
    assert at.session_state[LIST]["selection"]["rows"] == [3]
    _button(at, "Next 4").click().run()  # a page without the open client: nothing selected
    assert _open_client(at) == everyone[3]
    assert at.session_state[LIST]["selection"]["rows"] == []


def test_a_client_outside_the_caseload_never_opens(open_app, app_db):
    at = open_app("clinician", "weekly_review")
    at.session_state[OPEN] = OTHER_SITE_CLIENT  # as if set by hand
    at.run()
    assert not at.subheader
    assert OTHER_SITE_CLIENT not in " ".join(m.value for m in at.markdown)
    assert not [r for r in audit_rows(app_db, "view-client") if r.resource_id == OTHER_SITE_CLIENT]


def test_the_decision_is_saved_then_shown_and_edited_not_added_again(open_app, app_db):
    at = _open(open_app("clinician", "weekly_review"), 0)
    at.radio(key=next(r.key for r in at.radio if r.label == "Decision")).set_value("continue")
    _button(at, "Save decision").click().run()
    assert 'Saved this week\'s decision: "Continue in IOP".' in [s.value for s in at.success]
    (first,) = _decisions(app_db)
    assert (first.decision, first.note, first.decided_by) == ("continue", None, "clinician")
    # the form now shows it, and saving again changes it
    decision = next(r for r in at.radio if r.label == "Decision")
    assert decision.value == "continue"
    assert any(
        c.value.replace("\\", "").startswith("Saved: Continue in IOP (week of") for c in at.caption
    )
    decision.set_value("step_down")
    _button(at, "Update decision").click().run()
    assert [e.value for e in at.error] == ["A step-down needs a note: what the team based it on."]
    assert _decisions(app_db) == [first]  # nothing saved without the note
    next(t for t in at.text_area if t.label == "Note").input("PHQ-9 below 10 for 3 weeks.")
    _button(at, "Update decision").click().run()
    assert (
        'Changed this week\'s decision to "Step down to outpatient" (it was "Continue in IOP").'
        in [s.value for s in at.success]
    )
    (edited,) = _decisions(app_db)
    assert (edited.episode_id, edited.week_of) == (first.episode_id, first.week_of)
    assert (edited.decision, edited.note) == ("step_down", "PHQ-9 below 10 for 3 weeks.")
    assert [r.actor for r in audit_rows(app_db, "record-decision")] == ["clinician"]
    assert [r.actor for r in audit_rows(app_db, "edit-decision")] == ["clinician"]
    assert _table(at).filter(pl.col("Id") == _open_client(at))["Decision this week"][0] == (
        "step down (Demo Clinician)"  # people by display name
    )


def test_closing_a_flag_keeps_the_same_client_open_though_their_row_moves(open_app):
    at = _open(open_app("clinician", "weekly_review"), 0)
    client = _open_client(at)
    assert _table(at)["Group"][0] == SAFETY
    _button(at, "Record follow-up").click().run()
    at.radio(key=next(r.key for r in at.radio if r.label == "What was done")).set_value(
        "contacted"
    ).run()
    at.radio(key=next(r.key for r in at.radio if r.label == "Outcome")).set_value(
        "no_current_risk"
    ).run()
    note = next(t for t in at.text_area if t.label == "Note (needed)")
    note.input("Called: no current thoughts of self-harm; plan reviewed.").run()
    _button(at, "Save follow-up").click().run()
    assert "Saved: No current risk found. The flag is closed." in [s.value for s in at.success]
    table = _table(at)
    moved = table["Id"].to_list().index(client)
    assert table["Group"][moved] != SAFETY  # their row has moved down the list
    assert _open_client(at) == client  # and their review is still the one open
    assert at.session_state[LIST]["selection"]["rows"] == [moved]


def test_the_packet_says_why_each_client_is_on_the_agenda(open_app):
    import io

    import pypdf

    at = open_app("clinician", "weekly_review")
    _button(at, "Prepare the weekly review packet (PDF)").click().run()
    _, pdf = at.session_state["review_packet"]
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Why now" in text
    assert "Reliable deterioration: WHO-5" in text  # Sorrel Koala's reason
