"""Server-side sessions on both back ends: a hashed token, the account read on every resume."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from dashboard.access import data_version
from dashboard.auth.accounts import create_user, set_active
from dashboard.auth.permissions import NotPermitted
from dashboard.auth.sessions import (
    TOUCH_INTERVAL,
    Status,
    end_session,
    resume_session,
    session_status,
    start_session,
)
from dashboard.auth.viewer import Role, operator_viewer
from dashboard.store.engine import DatabaseLocked, read
from dashboard.store.tables import sessions
from tests.conftest import viewer_of

OPERATOR = operator_viewer("test")
IDLE = dt.timedelta(minutes=15)
T0 = dt.datetime(2026, 12, 1, 9, 0)


@pytest.fixture
def clinician(engine):
    """An engine whose database has a clinician account, ``ana``, at Hillcrest."""
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO sites (name) VALUES ('Hillcrest'), ('Riverside')"))
    create_user(
        engine, OPERATOR, username="ana", role=Role.CLINICIAN, password=None, sites=["Hillcrest"]
    )
    return engine


def _rows(engine):
    with engine.connect() as connection:
        return connection.execute(sa.select(sessions).order_by(sessions.c.id)).all()


def _sign_outs(engine):
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT actor, detail FROM audit_log WHERE action = 'sign-out' ORDER BY id")
        ).all()


def test_a_session_stores_the_sha256_of_its_token_never_the_token(clinician):
    token = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    (row,) = _rows(clinician)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(value) for value in row}
    assert (row.started_at, row.last_seen_at, row.ended_at) == (T0, T0, None)
    assert len(token) >= 43  # 32 random bytes


def test_resuming_builds_the_viewer_from_the_account_as_it_is_now(clinician):
    token = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    assert resume_session(clinician, token, idle=IDLE, now=T0).viewer == viewer_of(clinician, "ana")
    with clinician.begin() as connection:
        riverside = connection.execute(
            sa.text("SELECT id FROM sites WHERE name = 'Riverside'")
        ).scalar_one()
        connection.execute(sa.text("UPDATE users SET role = 'director'"))
        connection.execute(sa.text("UPDATE user_sites SET site_id = :s"), {"s": riverside})
    viewer = resume_session(clinician, token, idle=IDLE, now=T0).viewer
    assert viewer is not None
    assert (viewer.role, viewer.site_ids) == (Role.DIRECTOR, {riverside})


def test_a_disabled_account_ends_its_session_at_the_next_resume(clinician):
    token = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    set_active(clinician, OPERATOR, "ana", active=False)
    resumed = resume_session(clinician, token, idle=IDLE, now=T0)
    assert (resumed.viewer, resumed.ended) == (None, "disabled")
    assert _rows(clinician)[0].end_reason == "disabled"
    assert [(r.actor, r.detail) for r in _sign_outs(clinician)] == [
        ("ana", '{"reason": "disabled"}')
    ]
    set_active(clinician, OPERATOR, "ana", active=True)
    assert resume_session(clinician, token, idle=IDLE, now=T0).viewer is None  # stays ended


def test_the_idle_time_out_counts_from_the_servers_last_seen(clinician):
    token = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    assert resume_session(clinician, token, idle=IDLE, now=T0 + IDLE).viewer is not None
    later = T0 + IDLE + IDLE  # idle exactly IDLE since the last resume: still open
    assert resume_session(clinician, token, idle=IDLE, now=later).viewer is not None
    resumed = resume_session(clinician, token, idle=IDLE, now=later + IDLE + TOUCH_INTERVAL)
    assert (resumed.viewer, resumed.ended) == (None, "idle")
    assert _rows(clinician)[0].end_reason == "idle"
    assert [r.detail for r in _sign_outs(clinician)] == ['{"reason": "idle"}']


def test_last_seen_is_written_at_most_once_per_touch_interval(clinician):
    token = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    soon = T0 + TOUCH_INTERVAL - dt.timedelta(seconds=1)
    resume_session(clinician, token, idle=IDLE, now=soon)
    assert _rows(clinician)[0].last_seen_at == T0
    resume_session(clinician, token, idle=IDLE, now=T0 + TOUCH_INTERVAL)
    assert _rows(clinician)[0].last_seen_at == T0 + TOUCH_INTERVAL


def test_signing_out_ends_the_session_once(clinician):
    token = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    end_session(clinician, token, reason="user", now=T0)
    end_session(clinician, token, reason="user", now=T0)
    row = _rows(clinician)[0]
    assert (row.ended_at, row.end_reason) == (T0, "user")
    assert [r.detail for r in _sign_outs(clinician)] == ['{"reason": "user"}']
    resumed = resume_session(clinician, token, idle=IDLE, now=T0)
    assert (resumed.viewer, resumed.ended) == (None, None)


def test_an_unknown_token_is_nobody(clinician):
    start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    resumed = resume_session(clinician, "not-a-token", idle=IDLE, now=T0)
    assert (resumed.viewer, resumed.ended) == (None, None)
    assert _rows(clinician)[0].ended_at is None


def test_session_writes_leave_the_data_version_alone(clinician):
    with read(clinician) as connection:
        before = data_version(connection)
    token = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    resume_session(clinician, token, idle=IDLE, now=T0 + TOUCH_INTERVAL)
    end_session(clinician, token, reason="user", now=T0 + IDLE)
    with read(clinician) as connection:
        assert data_version(connection) == before


def test_the_operator_never_has_a_session(clinician):
    with pytest.raises(NotPermitted, match="never signs in"):
        start_session(clinician, OPERATOR)
    assert _rows(clinician) == []


def test_a_resumed_session_says_when_it_ends_if_idle_from_now(clinician):
    """The cookie is given this deadline: it never outlives the server's session."""
    token = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    soon = T0 + TOUCH_INTERVAL - dt.timedelta(seconds=1)  # not written: counts from T0
    assert resume_session(clinician, token, idle=IDLE, now=soon).expires_at == T0 + IDLE
    later = T0 + dt.timedelta(minutes=5)
    assert resume_session(clinician, token, idle=IDLE, now=later).expires_at == later + IDLE


def test_the_status_of_a_session_is_read_without_touching_or_ending_it(clinician):
    token = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    later = T0 + dt.timedelta(minutes=5)
    assert session_status(clinician, token, idle=IDLE, now=later) == Status(
        open=True, expires_at=T0 + IDLE
    )
    past = T0 + IDLE + dt.timedelta(seconds=1)
    assert session_status(clinician, token, idle=IDLE, now=past) == Status(open=False, ended="idle")
    row = _rows(clinician)[0]
    assert (row.last_seen_at, row.ended_at) == (T0, None)  # neither touched nor ended
    assert _sign_outs(clinician) == []
    assert session_status(clinician, "not-a-token", idle=IDLE, now=T0) == Status(open=False)


def test_the_status_of_an_ended_session_says_why_only_when_the_server_ended_it(clinician):
    idle = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    resume_session(clinician, idle, idle=IDLE, now=T0 + IDLE + IDLE)
    signed_out = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    end_session(clinician, signed_out, reason="user", now=T0)
    disabled = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    set_active(clinician, OPERATOR, "ana", active=False)
    resume_session(clinician, disabled, idle=IDLE, now=T0)
    ended = {
        name: session_status(clinician, token, idle=IDLE, now=T0).ended
        for name, token in (("idle", idle), ("user", signed_out), ("disabled", disabled))
    }
    assert ended == {"idle": "idle", "user": None, "disabled": "disabled"}


def _hold_sessions_lock(engine):
    """Another connection holds the lock a session write needs (SQLite: the database's
    write lock; PostgreSQL: the rows of the sessions table)."""
    other = sa.create_engine(engine.url)
    connection = other.connect()
    if engine.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.begin()
        connection.execute(sa.select(sessions).with_for_update())
    return other, connection


@pytest.mark.parametrize("disabled", [False, True], ids=["active", "disabled"])
def test_a_resume_while_another_writer_holds_the_lock(clinician, monkeypatch, disabled):
    monkeypatch.setenv("IOP_LOCK_WAIT_MS", "200")
    token = start_session(clinician, viewer_of(clinician, "ana"), now=T0)
    if disabled:
        set_active(clinician, OPERATOR, "ana", active=False)
    other, connection = _hold_sessions_lock(clinician)
    try:
        if disabled:  # it cannot be ended and audited now: it is not resumed either
            with pytest.raises(DatabaseLocked):
                resume_session(clinician, token, idle=IDLE, now=T0 + TOUCH_INTERVAL * 2)
        else:  # it goes on, untouched: the idle clock may end it early, never late
            resumed = resume_session(clinician, token, idle=IDLE, now=T0 + TOUCH_INTERVAL * 2)
            assert resumed.viewer == viewer_of(clinician, "ana")
    finally:
        connection.rollback()
        connection.close()
        other.dispose()
    (row,) = _rows(clinician)
    assert (row.last_seen_at, row.ended_at) == (T0, None)
    later = resume_session(clinician, token, idle=IDLE, now=T0 + TOUCH_INTERVAL * 2)
    assert (later.viewer is None) is disabled
