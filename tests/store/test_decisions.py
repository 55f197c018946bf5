"""The team's weekly decision on both back ends: one per episode and review week, edited in
place with the edit audited, a step-down only with a note, never two rows from two saves."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.accounts import create_user, viewer_for
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Role, Viewer, operator_viewer
from dashboard.review.actions import DecisionRejected, record_decision, week_of
from dashboard.store import tables as t
from dashboard.store.engine import read, write
from tests.store.conftest import count
from tests.store.test_import_tables import CLINICIANS, EPISODES

MONDAY = dt.date(2026, 11, 23)
THURSDAY = MONDAY + dt.timedelta(days=3)


@pytest.fixture
def clinician(engine, write_csv, run_import) -> Viewer:
    """A clinician at Riverside, the site of episodes E1 and E2."""
    run_import(write_csv("clinicians.csv", CLINICIANS), write_csv("episodes.csv", EPISODES))
    user_id = create_user(
        engine,
        operator_viewer("test"),
        username="heron",
        role=Role.CLINICIAN,
        password="quiet harbour pencil 27",
        sites=["Riverside"],
    )
    with read(engine) as connection:
        return viewer_for(connection, user_id)


def _rows(engine):
    with engine.connect() as connection:
        return connection.execute(
            sa.select(
                t.review_decisions.c.week_of,
                t.review_decisions.c.decision,
                t.review_decisions.c.note,
            )
        ).all()


def _audit(engine, action):
    with engine.connect() as connection:
        return [
            json.loads(detail)
            for (detail,) in connection.execute(
                sa.select(t.audit_log.c.detail).where(t.audit_log.c.action == action)
            )
        ]


def test_saving_the_weeks_decision_again_edits_it_and_audits_the_edit(engine, clinician):
    first = record_decision(
        engine, clinician, episode_id="E1", decision="continue", note="", today=MONDAY
    )
    assert first.outcome == "recorded"
    edited = record_decision(
        engine,
        clinician,
        episode_id="E1",
        decision="step_down",
        note=" Stable 3 weeks. ",
        today=THURSDAY,
    )
    assert (edited.outcome, edited.decision_id) == ("edited", first.decision_id)
    assert _rows(engine) == [(MONDAY, "step_down", "Stable 3 weeks.")]
    (recorded,) = _audit(engine, "record-decision")
    assert recorded == {"decision": "continue", "week_of": "2026-11-23"}
    (edit,) = _audit(engine, "edit-decision")
    assert edit["before"]["decision"] == "continue"
    assert edit["after"] == edit["after"] | {"decision": "step_down", "decided_by": "heron"}
    assert edit["note_changed"] is True
    assert "Stable" not in json.dumps(edit)  # the note is clinical text: not in the audit log


def test_the_same_decision_and_note_again_changes_nothing(engine, clinician):
    record_decision(engine, clinician, episode_id="E1", decision="continue", note="ok")
    again = record_decision(engine, clinician, episode_id="E1", decision="continue", note="ok ")
    assert again.outcome == "unchanged"
    assert len(_rows(engine)) == 1
    assert count(engine, "audit_log", "WHERE action = 'edit-decision'") == 0


def test_each_review_week_keeps_its_own_decision(engine, clinician):
    record_decision(engine, clinician, episode_id="E1", decision="continue", note="", today=MONDAY)
    next_week = MONDAY + dt.timedelta(days=8)
    record_decision(
        engine, clinician, episode_id="E1", decision="discuss_again", note="", today=next_week
    )
    assert sorted(_rows(engine)) == [
        (MONDAY, "continue", None),
        (week_of(next_week), "discuss_again", None),
    ]


def test_a_step_down_needs_a_note_checked_in_the_data_layer(engine, clinician):
    with pytest.raises(DecisionRejected, match="a step-down needs a note"):
        record_decision(engine, clinician, episode_id="E1", decision="step_down", note="  ")
    with pytest.raises(DecisionRejected, match="decision must be one of"):
        record_decision(engine, clinician, episode_id="E1", decision="stepdown", note="x")
    assert _rows(engine) == []
    assert count(engine, "audit_log", "WHERE action IN ('record-decision', 'edit-decision')") == 0


def test_an_episode_outside_the_caseload_is_refused(engine, clinician):
    other = Viewer(
        user_id=99,
        username="elsewhere",
        role=Role.CLINICIAN,
        display_name="E",
        site_ids=frozenset({9999}),
    )
    with pytest.raises(NotPermitted):
        record_decision(engine, other, episode_id="E1", decision="continue", note="")
    assert _rows(engine) == []


def test_two_saves_at_the_same_moment_leave_one_decision(engine, clinician):
    """A save that starts while another holds the episode waits for it, then edits its row."""
    episodes = t.episodes.c
    done: list[object] = []
    with write(engine) as connection:  # the first save, half-way: the episode is locked
        episode = connection.execute(
            sa.select(episodes.id).where(episodes.code == "E1").with_for_update()
        ).scalar_one()

        def second() -> None:
            done.append(
                record_decision(engine, clinician, episode_id="E1", decision="continue", note="")
            )

        racer = threading.Thread(target=second)
        racer.start()
        time.sleep(0.5)  # the second save is now waiting for the lock
        connection.execute(
            t.review_decisions.insert().values(
                episode_id=episode,
                week_of=week_of(clock.today()),
                decision="discuss_again",
                decided_by="heron",
            )
        )
    racer.join(timeout=30)
    assert len(done) == 1
    assert len(_rows(engine)) == 1
