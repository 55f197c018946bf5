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
    #: When the session ends if nothing happens first (the idle deadline); None if over.
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class Status:
    """A session as it stands, read without touching it: open until ``expires_at``, or
    ended (``ended`` says why when the server ended it; None for an unknown token or one
    ended by signing out)."""

    open: bool
    expires_at: dt.datetime | None = None
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
    seen = row.last_seen_at
    if now - seen >= TOUCH_INTERVAL:
        if not _touch(engine, row.id, now=now):
            return Resumed(None)  # ended by another run in the meantime
        seen = now
    return Resumed(viewer, expires_at=seen + idle)


def session_status(
    engine: sa.Engine, token: str, *, idle: dt.timedelta, now: dt.datetime | None = None
) -> Status:
    """Where the session of ``token`` stands, without touching or ending it.

    An open session past its idle deadline reads as ended for "idle" (the next
    :func:`resume_session` ends it). The browser's cookie is given the same deadline.

    >>> import sqlalchemy as sa
    >>> from dashboard.store.tables import metadata
    >>> engine = sa.create_engine("sqlite://")
    >>> metadata.create_all(engine)
    >>> session_status(engine, "no such token", idle=dt.timedelta(minutes=15))
    Status(open=False, expires_at=None, ended=None)
    """
    now = now or clock.now()
    s = t.sessions.c
    with read(engine) as connection:
        row = connection.execute(
            sa.select(s.last_seen_at, s.ended_at, s.end_reason).where(
                s.token_hash == token_hash(token)
            )
        ).first()
    if row is None:
        return Status(open=False)
    if row.ended_at is not None:
        reason = row.end_reason if row.end_reason in ("idle", "disabled") else None
        return Status(open=False, ended=reason)
    if now - row.last_seen_at > idle:
        return Status(open=False, ended="idle")
    return Status(open=True, expires_at=row.last_seen_at + idle)


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
