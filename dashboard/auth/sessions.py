"""Signed-in sessions kept on the server: start, resume on every page run, end."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from dashboard import clock
from dashboard.auth.accounts import viewer_for
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import ACCOUNT_ROLES, Viewer
from dashboard.store import tables as t
from dashboard.store.audit import record_event
from dashboard.store.engine import DatabaseLocked, read, write

#: A stored last_seen_at younger than this is not written again: one write per
#: quarter minute instead of one per click. The idle time-out may therefore
#: end a session up to this much early, never late.
TOUCH_INTERVAL = dt.timedelta(seconds=15)

#: Why a session ended (the sessions table's end_reason, the sign-out audit row's reason).
EndReason = Literal["user", "idle", "disabled"]


@dataclass(frozen=True)
class Resumed:
    """A session at the start of a page run: its viewer, or why it has just ended.

    ``ended`` is "idle" or "disabled" when this run ended the session; it is None
    both while the session goes on and for a token that is unknown or already ended.
    """

    viewer: Viewer | None
    ended: EndReason | None = None


def token_hash(token: str) -> str:
    """The SHA-256 (hex) of a session token: what the database keeps instead of it."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: sa.Engine, viewer: Viewer, *, now: dt.datetime | None = None) -> str:
    """Open a session for ``viewer`` (just signed in) and return its new random token."""
    if viewer.role not in ACCOUNT_ROLES:
        msg = f"the {viewer.role.value} role never signs in"
        raise NotPermitted(msg)
    now = now or clock.now()
    token = secrets.token_urlsafe(32)
    with write(engine, changes=False) as connection:
        connection.execute(
            t.sessions.insert().values(
                token_hash=token_hash(token),
                user_id=viewer.user_id,
                started_at=now,
                last_seen_at=now,
            )
        )
    return token


def resume_session(
    engine: sa.Engine, token: str, *, idle: dt.timedelta, now: dt.datetime | None = None
) -> Resumed:
    """The viewer of an open session, built afresh from the account; else end it.

    A session ends (audited as a sign-out) when its account is disabled or gone,
    or when the server's last_seen_at is more than ``idle`` ago.
    """
    now = now or clock.now()
    s, u = t.sessions.c, t.users.c
    with read(engine) as connection:
        row = connection.execute(
            sa.select(s.id, s.last_seen_at, s.ended_at, s.user_id, u.username, u.active)
            .outerjoin(t.users, u.id == s.user_id)
            .where(s.token_hash == token_hash(token))
        ).first()
        if row is None or row.ended_at is not None:
            return Resumed(None)
        viewer = viewer_for(connection, row.user_id) if row.active else None
    actor = row.username or f"user {row.user_id}"
    if viewer is None:
        _end(engine, row.id, actor=actor, reason="disabled", now=now)
        return Resumed(None, ended="disabled")
    if now - row.last_seen_at > idle:
        _end(engine, row.id, actor=actor, reason="idle", now=now)
        return Resumed(None, ended="idle")
    if now - row.last_seen_at >= TOUCH_INTERVAL and not _touch(engine, row.id, now=now):
        return Resumed(None)  # ended by another run in the meantime
    return Resumed(viewer)


def end_session(
    engine: sa.Engine, token: str, *, reason: EndReason, now: dt.datetime | None = None
) -> None:
    """End an open session (audited as a sign-out with ``reason``); nothing if not open."""
    s, u = t.sessions.c, t.users.c
    with read(engine) as connection:
        row = connection.execute(
            sa.select(s.id, s.user_id, u.username)
            .outerjoin(t.users, u.id == s.user_id)
            .where(s.token_hash == token_hash(token), s.ended_at.is_(None))
        ).first()
    if row is not None:
        actor = row.username or f"user {row.user_id}"
        _end(engine, row.id, actor=actor, reason=reason, now=now or clock.now())


def _end(
    engine: sa.Engine, session_id: int, *, actor: str, reason: EndReason, now: dt.datetime
) -> None:
    s = t.sessions.c
    with write(engine, changes=False) as connection:
        ended = connection.execute(
            t.sessions.update()
            .where(s.id == session_id, s.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
        ).rowcount
        if ended:  # a session ended by two runs at once is audited once
            record_event(connection, actor=actor, action="sign-out", detail={"reason": reason})


def _touch(engine: sa.Engine, session_id: int, *, now: dt.datetime) -> bool:
    """Move the session's last_seen_at to ``now``; False when it has ended meanwhile.

    While another writer (a long import) holds the lock past the wait, the session goes
    on untouched: its idle clock is not moved, so it may end early, never late.
    """
    s = t.sessions.c
    try:
        with write(engine, changes=False) as connection:
            touched = connection.execute(
                t.sessions.update()
                .where(s.id == session_id, s.ended_at.is_(None))
                .values(last_seen_at=now)
            ).rowcount
    except DatabaseLocked:
        return True
    return bool(touched)
