"""AppTest helpers: the real app on a copy of the demo database, signed in as a role."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from dashboard.app.session import SESSION_TOKEN
from dashboard.auth.sessions import start_session
from tests.conftest import viewer_of

MAIN = Path(__file__).resolve().parents[2] / "dashboard" / "app" / "main.py"
DEMO_PROGRAM = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "demo_program.toml"


@pytest.fixture
def app_db(demo_copy: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    """A private copy of the demo database, configured for the app.

    The app's outcomes refresher thread is off here: it would keep running, and taking
    SQLite's write lock, for the rest of the session, and change the timing of the
    notification sender these tests watch. The overview drains the queue before it
    reads; the refresher is tested on its own (tests/store/test_outcome_queue.py).
    """
    monkeypatch.setenv("IOP_DATABASE_URL", demo_copy.url.render_as_string(hide_password=False))
    monkeypatch.setenv("IOP_PROGRAM_CONFIG", str(DEMO_PROGRAM))
    monkeypatch.setenv("IOP_OUTCOMES_REFRESH_SECONDS", "0")
    return demo_copy


@pytest.fixture
def open_app(app_db: sa.Engine):
    """Open the app, signed in as ``username`` (or signed out), on a page."""

    def open_(username: str | None = None, page: str | None = None) -> AppTest:
        at = AppTest.from_file(str(MAIN), default_timeout=120)
        if username is not None:
            sign_in_as(at, app_db, username)
        at.run()
        if page is not None:
            at.switch_page(f"screens/{page}.py").run()
        return at

    return open_


def audit_rows(engine: sa.Engine, action: str) -> list[sa.Row]:
    """Audit rows of one action, oldest first."""
    with engine.connect() as connection:
        return connection.execute(
            sa.text(
                "SELECT actor, action, resource_id, outcome FROM audit_log "
                "WHERE action = :a ORDER BY id"
            ),
            {"a": action},
        ).all()


def sign_in_as(at: AppTest, engine: sa.Engine, username: str) -> AppTest:
    """Give the app a real session of ``username``, as a sign-in does."""
    at.session_state[SESSION_TOKEN] = start_session(engine, viewer_of(engine, username))
    return at
