"""Saved cohorts: shared among directors, replaced by name, audited, on both back ends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Role, Viewer
from dashboard.cohorts.definition import Cohort
from dashboard.cohorts.saved import delete_cohort, save_cohort, saved_cohorts
from dashboard.privacy.periods import Granularity
from dashboard.store import tables as t
from dashboard.store.engine import write

FIRST = Viewer(user_id=1, username="dr-first", role=Role.DIRECTOR, display_name="First")
SECOND = Viewer(user_id=2, username="dr-second", role=Role.DIRECTOR, display_name="Second")
CLINICIAN = Viewer(user_id=3, username="clin", role=Role.CLINICIAN, display_name="Clin")
THIS_QUARTER = Cohort(
    name="Co-occurring, this quarter",
    granularity=Granularity.QUARTER,
    block="2026 Q4",
    categories={"track": ("co_occurring",)},
)


def _audit(engine: sa.Engine) -> list[tuple[str, str, str]]:
    a = t.audit_log.c
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.select(a.actor, a.action, a.resource_id)
                .where(a.resource_type == "cohort")
                .order_by(a.id)
            )
        ]


def test_a_cohort_one_director_saves_is_there_for_another_and_replaced_by_name(engine):
    save_cohort(engine, FIRST, THIS_QUARTER)
    assert saved_cohorts(engine, SECOND) == ([THIS_QUARTER], [])
    last_year = Cohort(
        name="  Co-occurring, this quarter ",
        granularity=Granularity.QUARTER,
        block="2025 Q4",
        categories={"track": ("co_occurring",)},
    )
    save_cohort(engine, SECOND, last_year)
    (cohorts, problems) = saved_cohorts(engine, FIRST)
    assert [(c.name, c.block) for c in cohorts] == [("Co-occurring, this quarter", "2025 Q4")]
    assert problems == []
    assert delete_cohort(engine, FIRST, "Co-occurring, this quarter")
    assert not delete_cohort(engine, FIRST, "Co-occurring, this quarter")
    assert saved_cohorts(engine, SECOND) == ([], [])
    assert _audit(engine) == [
        ("dr-first", "save-cohort", "Co-occurring, this quarter"),
        ("dr-second", "save-cohort", "Co-occurring, this quarter"),
        ("dr-first", "delete-cohort", "Co-occurring, this quarter"),
        ("dr-first", "delete-cohort", "Co-occurring, this quarter"),
    ]


def test_a_clinician_can_neither_save_nor_read_cohorts(engine):
    with pytest.raises(NotPermitted):
        save_cohort(engine, CLINICIAN, THIS_QUARTER)
    with pytest.raises(NotPermitted):
        saved_cohorts(engine, CLINICIAN)
    assert _audit(engine) == []


def test_a_saved_cohort_this_version_cannot_read_is_named_not_dropped(engine):
    save_cohort(engine, FIRST, THIS_QUARTER)
    with write(engine, changes=False) as connection:
        connection.execute(
            t.saved_cohorts.insert().values(
                name="Old",
                definition='{"name": "Old", "granularity": "week", "block": "2026-W3"}',
                saved_by="dr-first",
            )
        )
    cohorts, problems = saved_cohorts(engine, SECOND)
    assert cohorts == [THIS_QUARTER]
    assert problems == [
        "The saved cohort 'Old' cannot be read: 'week' is not a calendar block: "
        "month, quarter, year"
    ]
