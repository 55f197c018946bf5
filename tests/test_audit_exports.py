"""What leaves the system, and what the team records about a safety flag, is audited with
the client it concerns: a downloaded review packet once for each client it lists, a
follow-up with its client and the flag it follows up."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.permissions import NotPermitted
from dashboard.checkin.safety import record_safety_answer
from dashboard.program_settings import AppSettings
from dashboard.reports.export import audit_review_packet
from dashboard.review.follow_ups import Flag, record_follow_up
from measures import load_catalog
from tests.conftest import viewer_of

CATALOG = load_catalog()
TODAY = clock.today()
WEEK = dt.date(2026, 11, 23)


def _audit(engine: sa.Engine, action: str) -> list[sa.Row]:
    with engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT actor, resource_type, resource_id, outcome, detail FROM audit_log "
                "WHERE action = :a ORDER BY id"
            ),
            {"a": action},
        ).all()


def test_a_downloaded_review_packet_is_audited_once_for_each_client_it_lists(demo_copy):
    clinician = viewer_of(demo_copy, "clinician")
    audit_review_packet(demo_copy, clinician, ["C0215", "C0212", "C0215"], week_of=WEEK)
    rows = _audit(demo_copy, "export-review-packet")
    assert [(r.actor, r.resource_type, r.resource_id, r.outcome) for r in rows] == [
        ("clinician", "client", "C0215", "ok"),
        ("clinician", "client", "C0212", "ok"),
    ]
    assert json.loads(rows[0].detail) == {"week_of": "2026-11-23", "clients": 2}


def test_a_review_packet_for_someone_who_may_not_export_is_refused_and_audited(demo_copy):
    with pytest.raises(NotPermitted):
        audit_review_packet(demo_copy, viewer_of(demo_copy, "director"), ["C0215"], week_of=WEEK)
    (row,) = _audit(demo_copy, "export-review-packet")
    assert (row.actor, row.resource_id, row.outcome) == ("director", None, "refused")


def test_a_follow_up_is_audited_with_its_client_and_the_flag_it_follows_up(demo_copy):
    record_safety_answer(
        demo_copy,
        viewer_of(demo_copy, "client"),
        measure="phq9",
        item="item_9",
        value=2,
        catalog=CATALOG,
        settings=AppSettings(),
    )
    record_follow_up(
        demo_copy,
        viewer_of(demo_copy, "clinician"),
        Flag("C0215", "phq9", "endorsed", TODAY),
        action="tried_to_reach",
        note="No answer at 10 am.",
        catalog=CATALOG,
        outcome="not_reached",
    )
    (row,) = _audit(demo_copy, "record-follow-up")
    assert (row.resource_type, row.resource_id) == ("client", "C0215")
    detail = json.loads(row.detail)
    assert (detail["measure"], detail["flag"], detail["flagged_on"]) == (
        "phq9",
        "endorsed",
        TODAY.isoformat(),
    )
    assert "No answer" not in row.detail  # the note stays out of the log
