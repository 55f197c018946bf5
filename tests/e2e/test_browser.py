"""The dashboard in a real browser: sign-in, the weekly review, a client's check-in on a
phone with a safety answer reaching the clinician, and a client kept out of the team's
pages. One server for the module, a new browser context (a new person) per sign-in.
"""

from __future__ import annotations

import contextlib
import re

import pytest

from dashboard.program_settings import NEXT_REVIEW_MESSAGE
from tests.e2e.conftest import PHONE, SHOTS, grid_rows, metric, sign_in, wait_idle

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SAFETY = "Safety answer to follow up"
SAFETY_WHY = "Safety: "  # how "Why now" starts for that group
SAFETY_COUNT = "Safety answers"  # the short label of the count above the list
DEMO_CLIENT = "Alder Elk"  # C0215
OTHER_CLIENT = ("C0001", "Poppy Newt")  # treated at another site, never the client's own
CRISIS_NUMBER = "988"
NOTES_STEP = "Since your last check-in (optional)"
ITEM_9_ANSWER = "2 · More than half the days"


def _signed_in_review(open_page) -> Page:
    """A clinician's weekly review, fully drawn, in a new browser context."""
    page = open_page("/")
    sign_in(page, "clinician")
    expect(page.get_by_role("heading", name="Weekly review", level=1)).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    wait_idle(page)
    return page


def _fits_the_width(page: Page) -> None:
    """No horizontal scrolling, and every answer option lies inside the screen."""
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width == PHONE["width"]
    for option in page.get_by_role("main").locator("label:has(input[type=radio])").all():
        box = option.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"], option.inner_text()


def test_sign_in_page_shows_the_form_the_demo_accounts_and_refuses_a_wrong_password(open_page):
    page = open_page("/")
    expect(page.get_by_role("heading", name="IOP Outcomes", level=1)).to_be_visible()
    expect(page.get_by_label("Username", exact=True)).to_be_editable()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("type", "password")
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    accounts = page.get_by_role("main").get_by_role("listitem")
    for account in ("clinician", "director", "admin", "client"):
        expect(accounts.filter(has=page.get_by_text(account, exact=True))).to_have_count(1)

    sign_in(page, "director", "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Username or password is not right.")
    expect(page.get_by_role("heading", name="IOP Outcomes", level=1)).to_be_visible()
    expect(page.get_by_label("Username", exact=True)).to_have_value("director")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")


def test_the_clinician_signs_in_to_the_weekly_review_safety_answers_first(open_page):
    page = _signed_in_review(open_page)
    expect(page.get_by_text("Signed in as Demo Clinician (clinician)")).to_be_visible()
    safety = metric(page, SAFETY_COUNT)
    assert safety >= 1
    rows = grid_rows(page)
    assert len(rows) > safety  # the list shows more than the safety rows
    why = [row["Why now"].startswith(SAFETY_WHY) for row in rows]
    assert why[:safety] == [True] * safety
    assert not any(why[safety:])
    assert all(row["Client"] for row in rows)


def test_a_phone_check_in_with_a_safety_answer_shows_crisis_help_and_reaches_the_review(
    open_page,
):
    SHOTS.mkdir(parents=True, exist_ok=True)

    review = _signed_in_review(open_page)
    before = metric(review, SAFETY_COUNT)
    assert DEMO_CLIENT not in [row["Client"] for row in grid_rows(review)[:before]]
    review.context.close()

    page = open_page("/", phone=True)
    sign_in(page, "client")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Check-in", level=1)).to_be_visible()
    first = main.get_by_text(re.compile(r"^Step 1 of \d+$"))
    expect(first).to_be_visible()
    wait_idle(page)
    steps = int(first.inner_text().split()[-1])
    page.screenshot(path=SHOTS / "phone-check-in.png", full_page=True)
    _fits_the_width(page)

    crisis = main.get_by_role("alert").filter(has_text=CRISIS_NUMBER)
    headings = []
    for step in range(1, steps):
        heading = main.get_by_role("heading", level=3).inner_text()
        headings.append(heading)
        if heading == NOTES_STEP:
            break
        for group in main.get_by_role("radiogroup").all():
            safety_item = heading == "Patient Health Questionnaire-9" and (
                group.get_attribute("aria-label") or ""
            ).startswith("9. ")
            if safety_item:
                expect(crisis).to_have_count(0)  # not before the answer
            option = (
                ITEM_9_ANSWER
                if safety_item
                else group.get_by_role("radio").first.evaluate(
                    "radio => radio.closest('label').innerText"
                )
            )
            group.get_by_text(option, exact=True).click()  # a tap on the option's words
            expect(group.get_by_role("radio", name=option, exact=True)).to_be_checked()
            if safety_item:
                expect(crisis).to_be_visible()  # at once, before going on
                wait_idle(page)
                crisis.scroll_into_view_if_needed()
                page.screenshot(path=SHOTS / "phone-crisis-message.png")
                crisis.screenshot(path=SHOTS / "phone-crisis-message-only.png")
                _fits_the_width(page)
        page.get_by_role("button", name="Next").click()
        expect(main.get_by_text(f"Step {step + 1} of {steps}", exact=True)).to_be_visible()
        wait_idle(page)
    assert all(h.endswith("(0-10)") for h in headings[:3]), headings
    assert headings[3] == "Patient Health Questionnaire-9", headings
    assert headings[-1] == NOTES_STEP, headings

    page.get_by_role("button", name="Next").click()
    expect(main.get_by_role("heading", name="Check your answers")).to_be_visible()
    wait_idle(page)
    page.get_by_role("button", name="Submit").click()
    expect(main.get_by_text("Thank you. Your check-in is saved.")).to_be_visible()
    expect(crisis).to_be_visible()  # shown again once saved
    # nobody is on call at the demo's sites: the client is told only what will happen
    expect(main.get_by_text(NEXT_REVIEW_MESSAGE, exact=True)).to_be_visible()
    wait_idle(page)
    page.screenshot(path=SHOTS / "phone-check-in-saved.png", full_page=True)

    review = _signed_in_review(open_page)
    assert metric(review, SAFETY_COUNT) == before + 1
    rows = grid_rows(review)[: before + 1]
    assert all(row["Why now"].startswith(SAFETY_WHY) for row in rows)
    assert DEMO_CLIENT in [row["Client"] for row in rows]


def test_a_client_cannot_reach_the_teams_pages_by_url(open_page, app_url):
    page = open_page("/")
    sign_in(page, "client")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Check-in", level=1)).to_be_visible()
    wait_idle(page)
    for path in (f"/client_progress?client={OTHER_CLIENT[0]}", "/weekly_review"):
        page.goto(app_url + path)  # typed into the address bar: still signed in, as a client
        expect(main.get_by_role("heading", name="Check-in", level=1)).to_be_visible()
        wait_idle(page)
        _shows_no_team_data(page)
        pages = page.get_by_role("navigation").get_by_role("link")
        expect(pages).to_have_count(3)  # the client's own pages only
        for name in ("Check-in", "My progress", "My plan"):
            expect(pages.filter(has_text=name)).to_have_count(1)


def _shows_no_team_data(page: Page) -> None:
    body = page.locator("body")
    for heading in ("Weekly review", "Client progress"):
        expect(page.get_by_role("heading", name=heading)).to_have_count(0)
    for text in (SAFETY, *OTHER_CLIENT):
        expect(body).not_to_contain_text(text)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
