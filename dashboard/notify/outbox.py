"""The notification outbox: queued in the writer's transaction, claimed, marked sent or failed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.permissions import Action, require
from dashboard.auth.viewer import Viewer
from dashboard.notify.message import destinations
from dashboard.program_settings import OnCall
from dashboard.store import tables as t
from dashboard.store.reads import read_frame

_O = t.notification_outbox.c
#: A row claimed this long ago and never finished (its sender stopped) is claimed again.
STALE_CLAIM = dt.timedelta(minutes=10)
#: A row still queued this long after it was queued counts as undelivered for admins.
LATE = dt.timedelta(minutes=10)
#: Longest wait between two attempts.
LONGEST_WAIT = dt.timedelta(hours=1)

OUTBOX_COLUMNS: dict[str, Any] = {
    "notification_id": pl.Int64,
    "queued_at": pl.Datetime("us"),
    "site": pl.String,
    "channel": pl.String,
    "destination": pl.String,
    "status": pl.String,
    "attempts": pl.Int64,
    "last_error": pl.String,
    "next_attempt_at": pl.Datetime("us"),
    "sent_at": pl.Datetime("us"),
}


def enqueue(
    connection: sa.Connection, *, safety_answer_id: int, on_call: OnCall, now: dt.datetime
) -> int:
    """Queue one notification per destination of ``on_call`` (in the caller's transaction)."""
    rows = [
        {
            "safety_answer_id": safety_answer_id,
            "site": on_call.site,
            "channel": channel,
            "destination": label,
            "destination_hash": digest,
            "status": "queued",
            "attempts": 0,
            "queued_at": now,
            "next_attempt_at": now,
        }
        for channel, label, digest in destinations(on_call)
    ]
    if rows:
        connection.execute(t.notification_outbox.insert(), rows)
    return len(rows)


def claim_due(connection: sa.Connection, *, now: dt.datetime, limit: int) -> list[dict[str, Any]]:
    """Mark up to ``limit`` due rows as being sent and return them (id, site, channel,
    hash, attempts); a row another sender claimed is not returned twice."""
    due = sa.or_(
        sa.and_(_O.status == "queued", _O.next_attempt_at <= now),
        sa.and_(_O.status == "sending", _O.claimed_at < now - STALE_CLAIM),
    )
    found = connection.execute(
        sa.select(_O.id, _O.site, _O.channel, _O.destination_hash, _O.attempts, _O.status)
        .where(due)
        .order_by(_O.next_attempt_at, _O.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    for row in found:
        done = connection.execute(
            t.notification_outbox.update()
            .where(_O.id == row.id, _O.status == row.status)
            .values(status="sending", claimed_at=now)
        )
        if done.rowcount == 1:
            claimed.append(row._asdict())
    return claimed


def mark_sent(connection: sa.Connection, notification_id: int, *, now: dt.datetime) -> None:
    """The notification left."""
    connection.execute(
        t.notification_outbox.update()
        .where(_O.id == notification_id)
        .values(status="sent", sent_at=now, attempts=_O.attempts + 1, last_error=None)
    )


def mark_failed(
    connection: sa.Connection,
    notification_id: int,
    *,
    attempts: int,
    error: str,
    max_attempts: int,
    retry_after: dt.timedelta,
    now: dt.datetime,
) -> bool:
    """An attempt failed: queue it again after a doubling wait, or give up after
    ``max_attempts``. Returns whether it gave up."""
    tried = attempts + 1
    gave_up = tried >= max_attempts
    wait = min(retry_after * 2 ** (tried - 1), LONGEST_WAIT)
    connection.execute(
        t.notification_outbox.update()
        .where(_O.id == notification_id)
        .values(
            status="failed" if gave_up else "queued",
            attempts=tried,
            last_error=error[:100],
            next_attempt_at=now + wait,
            claimed_at=None,
        )
    )
    return gave_up


def _select() -> sa.Select[Any]:
    return sa.select(
        _O.id.label("notification_id"),
        sa.type_coerce(_O.queued_at, sa.String).label("queued_at"),
        _O.site.label("site"),
        _O.channel.label("channel"),
        _O.destination.label("destination"),
        _O.status.label("status"),
        _O.attempts.label("attempts"),
        _O.last_error.label("last_error"),
        sa.type_coerce(_O.next_attempt_at, sa.String).label("next_attempt_at"),
        sa.type_coerce(_O.sent_at, sa.String).label("sent_at"),
    )


def outbox_rows(connection: sa.Connection, viewer: Viewer, *, limit: int = 500) -> pl.DataFrame:
    """The latest notifications, newest first (sites and destinations: no client data)."""
    require(viewer, Action.VIEW_NOTIFICATIONS)
    query = _select().order_by(_O.queued_at.desc(), _O.id.desc()).limit(limit)
    return read_frame(connection, query, OUTBOX_COLUMNS)


def undelivered(
    connection: sa.Connection, viewer: Viewer, *, now: dt.datetime | None = None
) -> pl.DataFrame:
    """Notifications that did not leave: given up, failed at least once, or still
    queued :data:`LATE` after queueing (no sender running)."""
    require(viewer, Action.VIEW_NOTIFICATIONS)
    now = now or clock.now()
    query = _select().where(
        _O.status != "sent",
        sa.or_(_O.status == "failed", _O.attempts > 0, _O.queued_at < now - LATE),
    )
    return read_frame(connection, query.order_by(_O.queued_at.desc(), _O.id.desc()), OUTBOX_COLUMNS)


def status_of(connection: sa.Connection, safety_answer_id: int) -> str | None:
    """How the notifications of one safety answer stand: "sent" when one has left,
    "failed" when every one was given up, "queued" while any is on its way, None if none."""
    statuses = set(
        connection.execute(
            sa.select(_O.status).where(_O.safety_answer_id == safety_answer_id)
        ).scalars()
    )
    if not statuses:
        return None
    if "sent" in statuses:
        return "sent"
    return "failed" if statuses == {"failed"} else "queued"
