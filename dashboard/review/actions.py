"""What the team records in review: weekly decisions (safety follow-ups: follow_ups.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

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
from dashboard.store.changes import touched
from dashboard.store.engine import inserted_id, write
from dashboard.store.tables import DECISIONS

#: Longest note kept with a decision or a follow-up.
NOTE_LIMIT = 2000


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week: decisions are recorded per review week."""
    return day - dt.timedelta(days=day.weekday())


#: Decisions that need a note: what the team based them on.
NOTE_NEEDED = {"step_down": "a step-down needs a note: what the team based it on"}


class DecisionRejected(ValueError):  # noqa: N818 - reads better at the call site
    """The decision cannot be recorded as given (the message says why, safe to show)."""


@dataclass(frozen=True)
class Saved:
    """What :func:`record_decision` did: ``"recorded"`` a first decision for the week,
    ``"edited"`` the week's decision, or ``"unchanged"`` (the same decision and note)."""

    outcome: str
    decision_id: int


def record_decision(
    engine: sa.Engine,
    viewer: Viewer,
    *,
    episode_id: str,
    decision: str,
    note: str,
    today: dt.date | None = None,
) -> Saved:
    """Record the team's decision for this week, or edit the week's decision.

    An episode has one decision per review week (:func:`week_of`): saving again
    that week changes it (audited as ``edit-decision`` with the decision, who and
    when, before and after: the audit log keeps the history of edits; the notes
    themselves are clinical text and stay out of it), and saving the same decision
    and note changes nothing. Earlier weeks' decisions are kept. A step-down needs
    a note (:class:`DecisionRejected`); raises :class:`NotPermitted` outside the
    viewer's caseload.
    """
    require(viewer, Action.RECORD_DECISION)
    if decision not in DECISIONS:
        msg = f"decision must be one of {', '.join(DECISIONS)}"
        raise DecisionRejected(msg)
    text = note.strip()[:NOTE_LIMIT] or None
    if decision in NOTE_NEEDED and text is None:
        raise DecisionRejected(NOTE_NEEDED[decision])
    week = week_of(today or clock.today())
    now = clock.now().replace(microsecond=0)
    d = t.review_decisions.c
    with write(engine) as connection:
        # the episode's row is locked (PostgreSQL) so two saves of one week never both insert
        episode_pk = _episode_in_scope(connection, viewer, episode_id, lock=True)
        touched(connection, [])  # an unchanged decision changes no client's rows
        saved = connection.execute(
            sa.select(d.id, d.decision, d.note, d.decided_by, d.decided_at)
            .where(d.episode_id == episode_pk, d.week_of == week)
            .order_by(d.decided_at.desc(), d.id.desc())
            .limit(1)
        ).first()
        if saved is not None and (saved.decision, saved.note) == (decision, text):
            return Saved("unchanged", int(saved.id))
        touched(connection, [_client_of(connection, episode_pk)])
        detail: dict[str, Any] = {"decision": decision, "week_of": week.isoformat()}
        if saved is None:
            decision_id = inserted_id(
                connection.execute(
                    t.review_decisions.insert().values(
                        episode_id=episode_pk,
                        week_of=week,
                        decision=decision,
                        note=text,
                        decided_by=viewer.username,
                        decided_at=now,
                    )
                )
            )
            action, outcome = "record-decision", "recorded"
        else:
            decision_id = int(saved.id)
            connection.execute(
                t.review_decisions.update()
                .where(d.id == decision_id)
                .values(decision=decision, note=text, decided_by=viewer.username, decided_at=now)
            )
            detail |= {
                "before": {
                    "decision": saved.decision,
                    "decided_by": saved.decided_by,
                    "decided_at": f"{saved.decided_at:%Y-%m-%d %H:%M:%S}",
                },
                "after": {
                    "decision": decision,
                    "decided_by": viewer.username,
                    "decided_at": f"{now:%Y-%m-%d %H:%M:%S}",
                },
                "note_changed": saved.note != text,
            }
            action, outcome = "edit-decision", "edited"
        record_event(
            connection,
            actor=viewer.username,
            action=action,
            resource_type="episode",
            resource_id=episode_id,
            detail=detail,
        )
    return Saved(outcome, decision_id)


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


def _client_of(connection: sa.Connection, episode_pk: int) -> int:
    e = t.episodes.c
    return int(connection.execute(sa.select(e.client_id).where(e.id == episode_pk)).scalar_one())


def _episode_in_scope(
    connection: sa.Connection, viewer: Viewer, episode_id: str, *, lock: bool = False
) -> int:
    e = t.episodes.c
    query = sa.select(e.id).where(
        e.code == episode_id,
        e.client_id.in_(scoped_client_ids(viewer)),
        caseload_scope(viewer),
    )
    found = connection.execute(query.with_for_update() if lock else query).scalar()
    if found is None:
        msg = "this episode is not in your caseload"
        raise NotPermitted(msg)
    return int(found)
