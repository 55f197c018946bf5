"""Sessions in the pages: the viewer read afresh on every run, the idle time-out and a
disabled account end it there. (The sign-in form, the cookie and sign-out are HTTP
routes: tests/app/test_web_routes.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dashboard import clock
from dashboard.app.session import SESSION_TOKEN
from dashboard.auth.accounts import set_active
from dashboard.auth.viewer import operator_viewer
from dashboard.store import tables as t
from tests.app.conftest import audit_rows
from tests.conftest import viewer_of

DEMO_CLIENT = "C0215"
DISABLED = "Your account is no longer active. Ask an administrator."


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
    """The page a session that ended while open shows: why, and the way back in; no page
    of the person's, no data."""
    return (
        [t.value for t in at.title] == ["IOP Outcomes"]
        and "You are signed out." in [m.value for m in at.markdown]
        and not at.dataframe
        and not at.subheader
    )


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
    at.query_params["client"] = DEMO_CLIENT
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
