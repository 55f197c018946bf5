"""Shared fixtures: real SQLite files and a real PostgreSQL server, migrated."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from dashboard import clock
from dashboard.store import schema
from dashboard.store.engine import make_engine
from tests.support.postgres import SKIP_VARIABLE, URL_VARIABLE, LocalServer, NoPostgres

#: Every test runs as of the fixtures' day, a Thursday (a program day): the demo, the
#: schedule's weekday rules and the imports' "not in the future" checks then read the
#: same whatever day the suite runs. A test of another day pins its own.
TEST_DAY = "2026-11-26"
os.environ[clock.PIN_VARIABLE] = TEST_DAY

BACKENDS = ["sqlite", "postgresql"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """An admin URL of a PostgreSQL server: CI's (IOP_TEST_POSTGRES_URL) or our own."""
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"PostgreSQL tests skipped as asked ({SKIP_VARIABLE}=1)")
    if os.environ.get(URL_VARIABLE):
        yield os.environ[URL_VARIABLE]
        return
    try:
        server = LocalServer()
    except NoPostgres as exc:
        pytest.fail(str(exc))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> str:
    """A migrated template database; each test copies it (fast) instead of migrating."""
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    name = f"iop_template_{os.getpid()}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    admin.dispose()
    return name


def _postgres_database(server: str, template: str) -> str:
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"iop_test_{os.getpid()}_{next(_counter)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template}")
    admin.dispose()
    return sa.make_url(server).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """The URL of a fresh, migrated, empty database on each back end."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'iop.db'}"
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        return url
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    return _postgres_database(server, template)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine on a fresh database of each back end."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    """A SQLite demo database built once from the committed fixtures (as `iop demo` does)."""
    from dashboard.demo import build_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    build_demo(url, echo=lambda _line: None)
    return url


@pytest.fixture(scope="session")
def demo_engine(demo_url: str) -> Iterator[sa.Engine]:
    """An engine on the session's demo database."""
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_copy(demo_url: str, tmp_path) -> Iterator[sa.Engine]:
    """A private copy of the demo database, for tests that change it."""
    import shutil
    from pathlib import Path

    engine = make_engine(demo_url)
    with engine.connect() as connection:  # fold the WAL into the file before copying
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    target = tmp_path / "demo-copy.db"
    shutil.copyfile(Path(demo_url.removeprefix("sqlite:///")), target)
    copy = make_engine(f"sqlite:///{target}")
    yield copy
    copy.dispose()


def viewer_of(engine: sa.Engine, username: str):
    """The viewer of an account in a database (as after signing in)."""
    from dashboard.auth.accounts import viewer_for
    from dashboard.store import tables as t
    from dashboard.store.engine import read

    with read(engine) as connection:
        user_id = connection.execute(
            sa.select(t.users.c.id).where(t.users.c.username == username)
        ).scalar_one()
        return viewer_for(connection, user_id)


@pytest.fixture
def smtp_server() -> Iterator[object]:
    """A real SMTP server (aiosmtpd) on this machine; ``.inbox`` holds what it got."""
    from tests.support.receivers import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def webhook_receiver() -> Iterator[object]:
    """A real HTTP server taking webhook POSTs; ``.url``, ``.inbox``."""
    from tests.support.receivers import WebhookReceiver

    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session", autouse=True)
def _stop_chart_server() -> Iterator[None]:
    """Stop the warm kaleido server (and its Chromium) before the interpreter exits."""
    yield
    import sys

    charts = sys.modules.get("dashboard.reports.charts")
    if charts is not None:
        charts._server.stop()


def demo_program(catalog):
    """The demo's program settings, the ones its database was computed with.

    Refresh the session's demo database with these only: other settings change its rules'
    fingerprint, and every later copy of it (the app's, the browser's) would compute every
    episode again on its first page.
    """
    from dashboard.demo import demo_program_config
    from dashboard.program_settings import APP_SECTIONS
    from measures.program import ProgramConfig

    return ProgramConfig.from_toml(
        demo_program_config(), catalog=catalog, other_sections=APP_SECTIONS
    )
