"""Sign-in: the form, demo accounts, wrong passwords, lock-out, idle time-out, sign-out."""

from __future__ import annotations

import datetime as dt

from dashboard.auth.accounts import MAX_FAILED_ATTEMPTS
from tests.app.conftest import audit_rows


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


def test_an_idle_session_is_signed_out(open_app):
    at = open_app("clinician")
    at.session_state["last_seen"] = dt.datetime.now() - dt.timedelta(hours=2)
    at.run()
    assert at.title[0].value == "IOP Outcomes"
    assert "signed out after" in at.info[0].value


def test_sign_out_ends_the_session(open_app, app_db):
    at = open_app("admin")
    at.sidebar.button[0].click().run()
    at.run()
    assert at.title[0].value == "IOP Outcomes"
    assert audit_rows(app_db, "sign-out")[-1].actor == "admin"
