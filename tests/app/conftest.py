"""AppTest helpers: the real app on a copy of the demo database, signed in as a role."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from dashboard.store.engine import make_engine
from tests.conftest import viewer_of

MAIN = Path(__file__).resolve().parents[2] / "dashboard" / "app" / "main.py"
DEMO_PROGRAM = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "demo_program.toml"


@pytest.fixture
def app_db(demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    """A private copy of the demo database, configured for the app."""
    source = Path(demo_url.removeprefix("sqlite:///"))
    engine = make_engine(demo_url)
    with engine.connect() as connection:  # fold the WAL into the file before copying
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    target = tmp_path / "app.db"
    shutil.copyfile(source, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("IOP_DATABASE_URL", url)
    monkeypatch.setenv("IOP_PROGRAM_CONFIG", str(DEMO_PROGRAM))
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def open_app(app_db: sa.Engine):
    """Open the app, signed in as ``username`` (or signed out), on a page."""

    def open_(username: str | None = None, page: str | None = None) -> AppTest:
        at = AppTest.from_file(str(MAIN), default_timeout=120)
        if username is not None:
            at.session_state["viewer"] = viewer_of(app_db, username)
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
