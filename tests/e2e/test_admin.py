"""The administrator in a real browser, at 1280 px and on a 390 px phone: adds a second
administrator, tries to disable their own account (asked first; cancelled), disables the
second one, then tries to disable themself as the last active administrator (refused,
with why). Screenshots of each journey's confirmation and last screen go to SHOTS."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.conftest import PHONE, SHOTS, grid_rows_when, sign_in, wait_idle

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ME = "Demo Administrator (admin)"
STRONG = "quiet harbour pencil 27"
CONFIRM = (
    "This is your own account: disabling it signs you out, and only another administrator "
    "can enable it again. Are you sure?"
)
LAST_ADMIN = (
    "Not changed: admin is the last active administrator: disabling it would leave no one "
    "to manage accounts in the app. Add or enable another administrator first."
)
DESKTOP_WIDTH = 1280


def _choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label`` (the main area's), as typed."""
    main = page.get_by_role("main")
    box = main.get_by_label(label, exact=True)
    box.click()
    box.press_sequentially(option)  # typing opens the list (a tap on a focused box may not)
    page.get_by_role("option", name=option, exact=True).click()


def _choose_account(page: Page, option: str, username: str) -> None:
    """Pick an account to change, and wait for the page to show that account's buttons."""
    _choose(page, "Account", option)
    page.locator(f".st-key-disable_{username}, .st-key-enable_{username}").wait_for()
    wait_idle(page)


def _click(page: Page, name: str) -> None:
    page.get_by_role("main").get_by_role("button", name=name, exact=True).click()


def _statuses(page: Page) -> dict[str, str]:
    rows = grid_rows_when(page, lambda rows: bool(rows) and "Status" in rows[0])
    return {row["Username"]: row["Status"] for row in rows}


def _no_sideways_scrolling(page: Page) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_admin_cannot_disable_themself_by_a_slip_nor_as_the_last_admin(open_own_page, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = size == "phone"
    page = open_own_page("/", phone=phone, width=None if phone else DESKTOP_WIDTH)
    sign_in(page, "admin")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Users", level=1)).to_be_visible()
    wait_idle(page)

    backup = f"backup-{size}"  # the module's server, and its database, serve both sizes
    main.get_by_label("New username", exact=True).fill(backup)
    main.get_by_label("Name shown to others", exact=True).fill(f"Backup ({size})")
    _choose(page, "Role", "Administrator")
    main.get_by_label("Initial password", exact=True).fill(STRONG)
    _click(page, "Add account")
    expect(main.get_by_text(f"Account {backup} added.")).to_be_visible()
    wait_idle(page)

    # their own account: asked first, and Cancel changes nothing
    _choose_account(page, ME, "admin")
    _click(page, "Disable this account")
    question = main.get_by_test_id("stAlert").filter(has_text=CONFIRM)
    expect(question).to_be_visible()
    expect(main.get_by_role("button", name="Yes, disable my own account")).to_be_visible()
    wait_idle(page)
    question.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"admin-disable-self-asked-{size}.png", full_page=phone)
    _click(page, "Cancel")
    expect(main.get_by_text("Nothing was changed.")).to_be_visible()
    wait_idle(page)

    # someone else's: at once
    _choose_account(page, f"Backup ({size}) ({backup})", backup)
    _click(page, "Disable this account")
    expect(
        main.get_by_text(f"Account {backup} disabled: it can no longer sign in.")
    ).to_be_visible()
    wait_idle(page)

    # now the last active administrator: refused with why, no question asked
    _choose_account(page, ME, "admin")
    _click(page, "Disable this account")
    refusal = main.get_by_test_id("stAlert").filter(has_text=LAST_ADMIN)
    expect(refusal).to_be_visible()
    wait_idle(page)
    expect(main.get_by_text(CONFIRM)).to_have_count(0)
    statuses = _statuses(page)
    assert (statuses["admin"], statuses[backup]) == ("Active", "Disabled")
    if phone:
        assert page.viewport_size == PHONE
        _no_sideways_scrolling(page)
    refusal.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"admin-last-admin-refused-{size}.png", full_page=phone)
