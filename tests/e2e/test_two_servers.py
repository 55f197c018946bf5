"""Two `iop serve` processes on one PostgreSQL database, as behind a reverse proxy with
sticky sessions (issue 13 item 4; the proxy only picks the server, so it is left out): a
check-in sent through one server is on the other's weekly review at its next run."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.store.engine import make_engine
from tests.conftest import _postgres_database
from tests.e2e.conftest import (
    DEMO_PROGRAM,
    PHONE,
    UI_TIMEOUT_MS,
    grid_rows_when,
    serving,
    sign_in,
    wait_idle,
)
from tests.e2e.test_client_phone import _answer_all, _next

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

STEP = re.compile(r"^Step \d+ of \d+$")


@pytest.fixture(scope="module")
def shared_database(postgres_server: str, postgres_template: str) -> str:
    """The demo program on a PostgreSQL database of its own (both servers use it)."""
    from dashboard.demo import build_demo

    url = _postgres_database(postgres_server, postgres_template)
    build_demo(url, echo=lambda _line: None)
    return url


def _client_name(url: str) -> str:
    """The list's name of the demo client's account."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return str(
                connection.execute(
                    sa.text(
                        "SELECT COALESCE(c.display_name, c.code) FROM users u "
                        "JOIN clients c ON c.id = u.client_id WHERE u.username = 'client'"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _review_row(page: Page, name: str) -> dict[str, str]:
    rows = grid_rows_when(page, lambda rows: any(r.get("Client") == name for r in rows))
    return next(r for r in rows if r.get("Client") == name)


def _check_in(page: Page) -> None:
    """The demo client's whole check-in, the first answer to every question, as
    ``test_client_phone`` walks it."""
    sign_in(page, "client")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Check-in", level=1)).to_be_visible()
    wait_idle(page)
    first = main.get_by_text(STEP)
    expect(first).to_have_text(re.compile(r"^Step 1 of "))
    steps = int(first.inner_text().split()[-1])
    for step in range(1, steps - 1):
        _answer_all(page)
        _next(page, step + 1)
    _next(page, steps)  # the triggers, optional
    expect(main.get_by_role("heading", name="Check your answers")).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    expect(main.get_by_text("Thank you. Your check-in is saved.")).to_be_visible()


def test_a_check_in_through_one_server_is_on_the_other_servers_weekly_review(
    browser: Browser, shared_database: str, tmp_path: Path
) -> None:
    name = _client_name(shared_database)
    with (
        serving(shared_database, DEMO_PROGRAM, tmp_path) as first,
        serving(shared_database, DEMO_PROGRAM, tmp_path) as second,
    ):
        team = browser.new_context(base_url=second, viewport={"width": 1280, "height": 800})
        team.set_default_timeout(UI_TIMEOUT_MS)
        review = team.new_page()
        review.goto("/")
        sign_in(review, "clinician")
        expect(review.get_by_role("heading", name="Weekly review", level=1)).to_be_visible()
        wait_idle(review)
        before = _review_row(review, name)

        phone = browser.new_context(
            base_url=first, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        )
        phone.set_default_timeout(UI_TIMEOUT_MS)
        client = phone.new_page()
        client.goto("/")
        _check_in(client)
        phone.close()

        review.reload()  # the second server's next run of the page
        expect(review.get_by_role("heading", name="Weekly review", level=1)).to_be_visible()
        wait_idle(review)
        after = _review_row(review, name)
        team.close()
    # every answer the first: a PHQ-9 of 0 where the demo's last was above it
    assert before["PHQ-9"].split()[0] != "0", before
    assert after["PHQ-9"].split()[0] == "0", after
    assert after["Why now"] != before["Why now"], after
