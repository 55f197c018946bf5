"""Sign-in: the form, demo accounts, wrong passwords, lock-out, sessions, idle time-out."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from dashboard import clock
from dashboard.app.session import SESSION_TOKEN
from dashboard.auth.accounts import MAX_FAILED_ATTEMPTS, set_active
from dashboard.auth.viewer import operator_viewer
from dashboard.store import tables as t
from tests.app.conftest import audit_rows
from tests.conftest import viewer_of

DEMO_CLIENT = "C0215"
DISABLED = "Your account is no longer active. Ask an administrator."


def sign_in(at, username, password):
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def test_the_sign_in_page_has_the_form_and_lists_demo_accounts(open_app):
    at = open_app()
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert at.button[0].label == "Sign in"
    assert any("`clinician`" in m.value for m in at.markdown)


def test_a_right_password_signs_in_to_the_role_pages_and_is_audited(open_app, app_db):
    at = sign_in(open_app(), "clinician", "demo")
    at.run()
    assert at.title[0].value == "Weekly review"
    assert audit_rows(app_db, "sign-in")[-1].outcome == "ok"


def test_a_wrong_password_is_refused_with_the_same_words_as_an_unknown_user(open_app, app_db):
    at = sign_in(open_app(), "clinician", "nope")
    wrong = at.error[0].value
    at = sign_in(open_app(), "nobody", "demo")
    assert at.error[0].value == wrong == "Username or password is not right."
    assert [r.outcome for r in audit_rows(app_db, "sign-in")] == ["refused", "refused"]


def test_repeated_failures_lock_the_account(open_app):
    for _ in range(MAX_FAILED_ATTEMPTS):
        sign_in(open_app(), "director", "wrong")
    at = sign_in(open_app(), "director", "demo")
    assert "locked" in at.error[0].value
    assert at.title[0].value == "IOP Outcomes"


def _sessions(engine, username):
    u, s = t.users.c, t.sessions.c
    with engine.connect() as connection:
        return connection.execute(
            sa.select(t.sessions).join(t.users, u.id == s.user_id).where(u.username == username)
        ).all()


def _age_sessions(engine, username, by):
    """Move the server's last_seen_at of ``username``'s sessions ``by`` into the past."""
    with engine.begin() as connection:
        for row in _sessions(engine, username):
            connection.execute(
                t.sessions.update()
                .where(t.sessions.c.id == row.id)
                .values(last_seen_at=row.last_seen_at - by)
            )


def _signed_out(at):
    return at.title[0].value == "IOP Outcomes" and [t.label for t in at.text_input] == [
        "Username",
        "Password",
    ]


def test_signing_in_keeps_only_a_session_token_in_the_browser_session(open_app, app_db):
    at = sign_in(open_app(), "clinician", "demo")
    token = at.session_state[SESSION_TOKEN]
    (row,) = _sessions(app_db, "clinician")
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert row.ended_at is None
    assert "viewer" not in at.session_state
    assert "last_seen" not in at.session_state


def test_a_viewer_put_into_session_state_signs_nobody_in(open_app, app_db):
    at = open_app()
    at.session_state["viewer"] = viewer_of(app_db, "admin")
    at.session_state[SESSION_TOKEN] = "made-up"
    at.run()
    assert _signed_out(at)
    assert not at.info  # nobody was signed out


def test_an_idle_session_is_signed_out(open_app, app_db, monkeypatch):
    monkeypatch.setenv("IOP_IDLE_MINUTES", "20")
    at = open_app("clinician")
    _age_sessions(app_db, "clinician", dt.timedelta(minutes=21))
    at.run()
    assert _signed_out(at)
    assert at.info[0].value == "You were signed out after 20 minutes without activity."
    assert _sessions(app_db, "clinician")[0].end_reason == "idle"
    assert audit_rows(app_db, "sign-out")[-1].actor == "clinician"


@pytest.mark.parametrize("hours", [24, -24, 0])
def test_a_last_seen_in_session_state_does_not_extend_the_idle_time_out(open_app, app_db, hours):
    at = open_app("clinician")
    _age_sessions(app_db, "clinician", dt.timedelta(hours=2))
    at.session_state["last_seen"] = clock.now() + dt.timedelta(hours=hours)
    at.session_state["last_seen_at"] = clock.now() + dt.timedelta(hours=hours)
    at.run()
    assert _signed_out(at)
    assert "signed out after" in at.info[0].value


def test_an_account_disabled_while_signed_in_reads_nothing_more(open_app, app_db):
    at = open_app("clinician")
    at.session_state["client_id"] = DEMO_CLIENT
    at.switch_page("screens/client_progress.py").run()
    assert at.subheader[0].value.endswith(f"({DEMO_CLIENT})")
    set_active(app_db, operator_viewer("test"), "clinician", active=False)
    at.run()
    assert _signed_out(at)
    assert at.info[0].value == DISABLED
    assert all(DEMO_CLIENT not in h.value for h in at.subheader)
    assert not at.dataframe
    assert _sessions(app_db, "clinician")[0].end_reason == "disabled"


def test_an_account_disabled_while_signed_in_cannot_save_a_decision(open_app, app_db):
    at = open_app("clinician", "weekly_review")
    next(b for b in at.button if b.label.startswith("Start with the first")).click().run()
    at.radio(key=next(r.key for r in at.radio if r.label == "Decision")).set_value("continue")
    set_active(app_db, operator_viewer("test"), "clinician", active=False)
    next(b for b in at.button if b.label == "Save decision").click().run()
    assert _signed_out(at)
    assert at.info[0].value == DISABLED
    with app_db.connect() as connection:
        decisions = connection.execute(sa.text("SELECT COUNT(*) FROM review_decisions")).scalar()
    assert decisions == 0
    assert not audit_rows(app_db, "record-decision")


def test_a_changed_site_list_takes_effect_at_the_next_run(open_app, app_db):
    at = open_app("clinician", "weekly_review")
    hillcrest = set(at.dataframe[0].value["Client"])
    with app_db.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE user_sites SET site_id = (SELECT id FROM sites WHERE name = 'Riverside') "
                "WHERE user_id = (SELECT id FROM users WHERE username = 'clinician')"
            )
        )
    at.run()
    riverside = set(at.dataframe[0].value["Client"])
    assert riverside
    assert riverside.isdisjoint(hillcrest)


def test_a_changed_role_takes_effect_at_the_next_run(open_app, app_db):
    at = open_app("clinician", "weekly_review")
    with app_db.begin() as connection:
        connection.execute(
            sa.text("UPDATE users SET role = 'director' WHERE username = 'clinician'")
        )
    at.run()
    assert at.title[0].value == "Program overview"
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("screens/weekly_review.py")


def test_sign_out_ends_the_session(open_app, app_db):
    at = open_app("admin")
    at.sidebar.button[0].click().run()
    at.run()
    assert _signed_out(at)
    assert not at.info
    assert audit_rows(app_db, "sign-out")[-1].actor == "admin"
    (row,) = _sessions(app_db, "admin")
    assert row.end_reason == "user"
    assert row.ended_at is not None
