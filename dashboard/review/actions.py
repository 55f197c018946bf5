"""What the team records in review: weekly decisions (safety follow-ups: follow_ups.py)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.permissions import (
    Action,
    NotPermitted,
    caseload_scope,
    require,
    scoped_client_ids,
)
from dashboard.auth.viewer import Viewer
from dashboard.store import tables as t
from dashboard.store.audit import record_event
from dashboard.store.engine import write
from dashboard.store.tables import DECISIONS

#: Longest note kept with a decision or a follow-up.
NOTE_LIMIT = 2000


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week: decisions are recorded per review week."""
    return day - dt.timedelta(days=day.weekday())


def record_decision(
    engine: sa.Engine,
    viewer: Viewer,
    *,
    episode_id: str,
    decision: str,
    note: str,
    today: dt.date | None = None,
) -> None:
    """Record the team's decision for this week; earlier ones stay in the history."""
    require(viewer, Action.RECORD_DECISION)
    if decision not in DECISIONS:
        msg = f"decision must be one of {', '.join(DECISIONS)}"
        raise ValueError(msg)
    with write(engine) as connection:
        episode_pk = _episode_in_scope(connection, viewer, episode_id)
        connection.execute(
            t.review_decisions.insert().values(
                episode_id=episode_pk,
                week_of=week_of(today or clock.today()),
                decision=decision,
                note=note.strip()[:NOTE_LIMIT] or None,
                decided_by=viewer.username,
            )
        )
        record_event(
            connection,
            actor=viewer.username,
            action="record-decision",
            resource_type="episode",
            resource_id=episode_id,
            detail={"decision": decision},
        )


def audit_client_view(engine: sa.Engine, viewer: Viewer, client_id: str, *, what: str) -> None:
    """Every view of a client's record writes an audit row (who, which record, when)."""
    with write(engine, changes=False) as connection:
        record_event(
            connection,
            actor=viewer.username,
            action=what,
            resource_type="client",
            resource_id=client_id,
        )


def _episode_in_scope(connection: sa.Connection, viewer: Viewer, episode_id: str) -> int:
    e = t.episodes.c
    found = connection.execute(
        sa.select(e.id).where(
            e.code == episode_id,
            e.client_id.in_(scoped_client_ids(viewer)),
            caseload_scope(viewer),
        )
    ).scalar()
    if found is None:
        msg = "this episode is not in your caseload"
        raise NotPermitted(msg)
    return int(found)
