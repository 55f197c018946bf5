"""Database faults in the app: a write lock held by another process while signed in (at
sign-in: tests/app/test_web_routes.py), and a PostgreSQL server that goes away and comes
back. One clear message,
never a traceback, nothing shown that the account may no longer read, and the app
recovers by itself."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from dashboard.auth.accounts import create_user, set_active
from dashboard.auth.viewer import Role, operator_viewer
from dashboard.store import schema
from dashboard.store.engine import make_engine
from tests.app.conftest import MAIN, sign_in_as
from tests.app.test_sign_in import DISABLED, _age_sessions, _sessions, _signed_out
from tests.support.faults import write_lock_held
from tests.support.postgres import SKIP_VARIABLE, LocalServer, NoPostgres

BUSY = "The database is busy: another task (an import?) is writing to it. Nothing was changed."
GONE = "The database cannot be reached just now. Nothing was changed."


def _database_file(engine: sa.Engine) -> Path:
    return Path(engine.url.database or "")


@pytest.fixture
def fast_locks(monkeypatch):
    monkeypatch.setenv("IOP_LOCK_WAIT_MS", "300")


def test_a_signed_in_page_goes_on_while_an_import_holds_the_lock(open_app, app_db, fast_locks):
    at = open_app("clinician", "weekly_review")
    _age_sessions(app_db, "clinician", dt.timedelta(minutes=1))  # due for a touch
    (before,) = _sessions(app_db, "clinician")
    with write_lock_held(_database_file(app_db)):
        at.run()
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "Weekly review"
    (after,) = _sessions(app_db, "clinician")
    assert after.last_seen_at == before.last_seen_at  # not touched: may end early, never late


def test_an_account_disabled_while_the_lock_is_held_reads_nothing(open_app, app_db, fast_locks):
    at = open_app("clinician", "weekly_review")
    assert at.dataframe
    set_active(app_db, operator_viewer("test"), "clinician", active=False)
    with write_lock_held(_database_file(app_db)):
        at.run()  # the session cannot be ended (audited) yet: nothing is shown either
    assert not at.exception
    assert at.error[0].value.startswith(BUSY)
    assert not at.dataframe
    assert all(t.value != "Weekly review" for t in at.title)
    at.run()
    assert _signed_out(at)
    assert at.info[0].value == DISABLED
    assert _sessions(app_db, "clinician")[0].end_reason == "disabled"


@pytest.fixture
def own_postgres() -> Iterator[LocalServer]:
    """A PostgreSQL cluster of this test's own, to stop and start again."""
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"PostgreSQL tests skipped as asked ({SKIP_VARIABLE}=1)")
    try:
        server = LocalServer()
    except NoPostgres as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.postgres
def test_postgresql_going_away_shows_a_message_and_the_app_recovers(own_postgres, monkeypatch):
    admin = sa.create_engine(own_postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql("CREATE DATABASE iop_faults")
    admin.dispose()
    url = sa.make_url(own_postgres.url).set(database="iop_faults")
    url_text = url.render_as_string(hide_password=False)
    engine = make_engine(url_text)
    schema.upgrade(engine)
    create_user(engine, operator_viewer("test"), username="ada", role=Role.ADMIN, password=None)
    monkeypatch.setenv("IOP_DATABASE_URL", url_text)
    monkeypatch.delenv("IOP_PROGRAM_CONFIG", raising=False)
    at = sign_in_as(AppTest.from_file(str(MAIN), default_timeout=120), engine, "ada")
    at.run()
    assert at.title[0].value == "Users"
    engine.dispose()

    own_postgres.pause()
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith(GONE)
    assert all(t.value != "Users" for t in at.title)
    at.run()  # still down: still the message
    assert at.error[0].value.startswith(GONE)

    own_postgres.resume()
    at.run()  # the same app, without a restart
    assert not at.exception
    assert not at.error
    assert at.title[0].value == "Users"
    assert not _signed_out(at)
