"""Sessions that last, in a real browser against `iop serve`: a reload, a new tab and a
server restart keep the person signed in; a link survives signing in; signing out (or a
session ending while the page is open) leaves nothing of the person on the screen; a
forged, idle or ended cookie is refused. Desktop (1280 px) and phone (390 px) widths;
each journey's last screen is saved in SHOTS."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets

import pytest
import sqlalchemy as sa

from dashboard.auth.sessions import end_session, start_session
from dashboard.store import tables as t
from dashboard.store.engine import make_engine
from tests.conftest import viewer_of
from tests.e2e.conftest import (
    DEMO_PROGRAM,
    PHONE,
    SHOTS,
    open_menu,
    pick_client,
    serving,
    sign_in,
    wait_idle,
)

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SIZES = ["desktop", "phone"]
DEMO_CLIENT = "Alder Elk (C0215)"
IDLE_NOTICE = "You were signed out after 15 minutes without activity."
_APP = "[data-testid='stApp']"
SIGN_IN_URL = re.compile(r"/sign-in(\?.*)?$")


def _open(open_page, path: str, size: str) -> Page:
    return open_page(path, phone=True) if size == "phone" else open_page(path, width=1280)


def _shot(page: Page, name: str, size: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"sessions-{name}-{size}.png", full_page=True)


def _heading(page: Page, name: str) -> None:
    expect(page.get_by_role("main").get_by_role("heading", name=name, level=1)).to_be_visible()
    wait_idle(page)


def _on_sign_in_form(page: Page) -> None:
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("heading", name="IOP Outcomes", level=1)).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()


def _nothing_of_anyone(page: Page, *words: str) -> None:
    """No menu, no table, no chart, none of ``words`` anywhere on the page."""
    expect(page.get_by_test_id("stSidebarNavLink")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(page.locator(".js-plotly-plot")).to_have_count(0)
    body = page.locator("body")
    for word in words:
        expect(body).not_to_contain_text(word)


@pytest.fixture
def served_db(e2e_database):
    """The served database, for starting and ageing sessions as the server sees them."""
    served_db = make_engine(e2e_database)
    yield served_db
    served_db.dispose()


@pytest.mark.parametrize("size", SIZES)
def test_a_reload_and_a_new_tab_keep_the_person_signed_in(open_page, size):
    page = _open(open_page, "/my_plan", size)
    _on_sign_in_form(page)
    sign_in(page, "client")
    _heading(page, "My relapse-prevention plan")  # the link survived signing in
    cookie = next(c for c in page.context.cookies() if c["name"] == "iop_session")
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Lax", "/")
    assert 0 < cookie["expires"] - dt.datetime.now().timestamp() <= 15 * 60 + 5

    page.reload()
    _heading(page, "My relapse-prevention plan")
    tab = page.context.new_page()
    tab.goto(page.url.replace("/my_plan", "/my_progress"))
    _heading(tab, "My progress")
    expect(tab.get_by_label("Password", exact=True)).to_have_count(0)
    _shot(tab, "new-tab", size)


@pytest.mark.parametrize("size", SIZES)
def test_a_link_to_a_clients_record_survives_signing_in(open_page, served_db, size):
    page = _open(open_page, "/client_progress?client=C0215", size)
    _on_sign_in_form(page)
    sign_in(page, "clinician")
    expect(page.get_by_role("heading", name=DEMO_CLIENT, level=3)).to_be_visible()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/client_progress\?client=C0215$"))
    with served_db.connect() as connection:
        viewed = connection.execute(
            sa.text("SELECT resource_id FROM audit_log WHERE action = 'view-client'")
        ).scalars()
        assert "C0215" in list(viewed)
    _shot(page, "deep-link", size)


@pytest.mark.parametrize("size", SIZES)
def test_signing_out_leaves_nothing_of_the_person_on_the_screen(open_page, size):
    page = _open(open_page, "/client_progress?client=C0215", size)
    sign_in(page, "clinician")
    expect(page.get_by_role("heading", name=DEMO_CLIENT, level=3)).to_be_visible()
    wait_idle(page)
    open_menu(page)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    _on_sign_in_form(page)
    _nothing_of_anyone(page, "Alder Elk", "C0215", "Weekly review", "Demo Clinician")
    assert "iop_session" not in {c["name"] for c in page.context.cookies()}
    page.go_back()  # the browser's Back button: the record is not shown again
    _on_sign_in_form(page)
    _nothing_of_anyone(page, "Alder Elk", "Weekly review", "Demo Clinician")
    page.goto(page.url.split("/sign-in")[0] + "/weekly_review")
    _on_sign_in_form(page)
    _shot(page, "signed-out", size)


@pytest.mark.parametrize("size", SIZES)
def test_a_session_that_ends_while_the_page_is_open_shows_why_and_nothing_else(
    open_page, served_db, size
):
    page = _open(open_page, "/client_progress?client=C0215", size)
    sign_in(page, "clinician")
    expect(page.get_by_role("heading", name=DEMO_CLIENT, level=3)).to_be_visible()
    wait_idle(page)
    with served_db.begin() as connection:  # the server's clock: idle for an hour
        for row in connection.execute(sa.select(t.sessions).where(t.sessions.c.ended_at.is_(None))):
            connection.execute(
                t.sessions.update()
                .where(t.sessions.c.id == row.id)
                .values(last_seen_at=row.last_seen_at - dt.timedelta(hours=1))
            )
    pick_client(page, "Pine Muskrat (C0212)")  # the next click
    expect(page.get_by_text(IDLE_NOTICE)).to_be_visible()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    wait_idle(page)
    _nothing_of_anyone(page, "Alder Elk", "Pine Muskrat", "Demo Clinician")
    _shot(page, "idle", size)
    page.get_by_role("link", name="Sign in").click()
    _on_sign_in_form(page)
    expect(page.get_by_role("status")).to_have_text(IDLE_NOTICE)
    sign_in(page, "clinician")
    expect(page.get_by_role("heading", name="Pine Muskrat (C0212)", level=3)).to_be_visible()


def test_forged_idle_and_ended_cookies_are_refused(open_page, served_db, app_url):
    idle = start_session(served_db, viewer_of(served_db, "clinician"))
    with served_db.begin() as connection:
        row = connection.execute(sa.select(t.sessions).order_by(t.sessions.c.id.desc())).first()
        connection.execute(
            t.sessions.update()
            .where(t.sessions.c.id == row.id)
            .values(last_seen_at=row.last_seen_at - dt.timedelta(hours=1))
        )
    ended = start_session(served_db, viewer_of(served_db, "admin"))  # another user, signed out
    end_session(served_db, ended, reason="user")
    page = open_page("/sign-in", width=1280)
    for token, notice in (
        (secrets.token_urlsafe(32), None),
        (idle, IDLE_NOTICE),
        (ended, None),
    ):
        page.context.clear_cookies()
        page.context.add_cookies([{"name": "iop_session", "value": token, "url": app_url}])
        page.goto(app_url + "/weekly_review")
        _on_sign_in_form(page)
        expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fweekly_review$"))
        if notice:
            expect(page.get_by_role("status")).to_have_text(notice)
        _nothing_of_anyone(page, "Safety answer", "Demo Clinician", "Demo Administrator")
        assert "iop_session" not in {c["name"] for c in page.context.cookies()}
    _shot(page, "refused-cookie", "desktop")


def test_a_server_restart_keeps_the_person_signed_in(browser, e2e_database, tmp_path_factory):
    """The connection drops (here: the server stops and starts again, so nothing of the
    browser session survives on the server); the page reconnects and goes on."""
    from tests.support.ports import free_port

    port = free_port()
    logs = tmp_path_factory.mktemp("e2e-restart")
    context = browser.new_context(viewport={"width": 1280, "height": PHONE["height"]})
    try:
        with serving(e2e_database, DEMO_PROGRAM, logs, port=port) as url:
            page = context.new_page()
            page.goto(url + "/client_progress")
            sign_in(page, "clinician")
            _heading(page, "Client progress")
        page.locator(f"{_APP}:not([data-test-connection-state='CONNECTED'])").wait_for()
        with serving(e2e_database, DEMO_PROGRAM, logs, port=port):
            page.locator(f"{_APP}[data-test-connection-state='CONNECTED']").wait_for()
            wait_idle(page)  # the page ran again on the new server: still signed in
            _heading(page, "Client progress")
            expect(page.get_by_text("Signed in as Demo Clinician (clinician)")).to_be_visible()
            expect(page.get_by_text("You are signed out.")).to_have_count(0)
            page.reload()
            _heading(page, "Client progress")
            pick_client(page, DEMO_CLIENT)
            expect(page.get_by_role("heading", name=DEMO_CLIENT, level=3)).to_be_visible()
            wait_idle(page)
            _shot(page, "server-restart", "desktop")
    finally:
        context.close()
