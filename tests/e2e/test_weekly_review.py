"""The weekly review in a real browser, as the team uses it in the meeting: the list fits a
1280 x 800 screen beside the open client's review, "Next client" walks the agenda in
order, this week's decision is recorded and then edited (one row), and on a phone the list
comes first and the review under it."""

from __future__ import annotations

import contextlib
import re

import pytest
import sqlalchemy as sa

from dashboard.store.engine import make_engine
from tests.e2e.conftest import PHONE, SHOTS, grid_rows, sign_in, wait_idle

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SCREEN = {"width": 1280, "height": 800}
#: Every element of the page that scrolls sideways: [its scroll width, its width].
SIDEWAYS = """() => [document.scrollingElement, ...document.querySelectorAll(
    '[data-testid=stDataFrame] *')]
  .filter(e => e === document.scrollingElement
    || ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
  .map(e => [e.scrollWidth, e.clientWidth])"""


def _review(page: Page) -> None:
    sign_in(page, "clinician")
    expect(page.get_by_role("heading", name="Weekly review", level=1)).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    wait_idle(page)


def _open_heading(page: Page):
    return page.get_by_role("main").get_by_role("heading", level=3).first


def _shot(page: Page, name: str) -> None:
    """A screenshot of the whole page (the app scrolls inside its main element)."""
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    page.wait_for_timeout(500)
    page.screenshot(path=SHOTS / name)
    page.set_viewport_size(size)


def _decisions(database: str, client: str) -> list[tuple[str, str | None]]:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            return [
                (row.decision, row.note)
                for row in connection.execute(
                    sa.text(
                        "SELECT d.decision, d.note FROM review_decisions d "
                        "JOIN episodes e ON e.id = d.episode_id "
                        "JOIN clients c ON c.id = e.client_id WHERE c.code = :client"
                    ),
                    {"client": client},
                )
            ]
    finally:
        engine.dispose()


def test_the_team_walks_the_agenda_and_records_then_edits_a_decision(open_page, e2e_database):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page("/", width=SCREEN["width"], height=SCREEN["height"])
    _review(page)
    main = page.get_by_role("main")
    names = [row["Client"] for row in grid_rows(page)]
    assert len(names) >= 10

    main.get_by_role("button", name=f"Start with the first: {names[0]}").click()
    for place, name in enumerate(names, start=1):
        expect(_open_heading(page)).to_have_text(re.compile(rf"^{re.escape(name)} \(C\d+\)$"))
        expect(
            main.get_by_text(re.compile(rf"^{place} of {len(names)} on the agenda"))
        ).to_be_visible()
        wait_idle(page)
        if place == 3:  # beside the list, and nothing scrolls sideways
            listing = page.get_by_test_id("stDataFrame").first.bounding_box()
            heading = _open_heading(page).bounding_box()
            assert listing is not None
            assert heading is not None
            assert heading["x"] >= listing["x"] + listing["width"]
            for scroll_width, width in page.evaluate(SIDEWAYS):
                assert scroll_width <= width
        if place < len(names):
            main.get_by_role("button", name="Next client").click()
    expect(main.get_by_role("button", name="Last client")).to_be_disabled()
    client = re.search(r"\((C\d+)\)", _open_heading(page).inner_text()).group(1)

    form = main.get_by_test_id("stForm")
    form.get_by_role("radiogroup", name="Decision").get_by_text(
        "Continue in IOP", exact=True
    ).click()
    form.get_by_role("button", name="Save decision").click()
    expect(main.get_by_text('Saved this week\'s decision: "Continue in IOP".')).to_be_visible()
    wait_idle(page)
    assert _decisions(e2e_database, client) == [("continue", None)]

    form = main.get_by_test_id("stForm")  # redrawn with the saved decision in it
    expect(form.get_by_role("radio", name="Continue in IOP")).to_be_checked()
    form.get_by_role("radiogroup", name="Decision").get_by_text(
        "Step down to outpatient", exact=True
    ).click()
    form.get_by_role("button", name="Update decision").click()
    expect(main.get_by_text("A step-down needs a note: what the team based it on.")).to_be_visible()
    wait_idle(page)
    form.get_by_role("textbox", name="Note").fill(
        "PHQ-9 under 10 for three weeks; attends every day."
    )
    form.get_by_role("button", name="Update decision").click()
    expect(
        main.get_by_text(
            'Changed this week\'s decision to "Step down to outpatient" (it was "Continue in IOP").'
        )
    ).to_be_visible()
    wait_idle(page)
    assert _decisions(e2e_database, client) == [
        ("step_down", "PHQ-9 under 10 for three weeks; attends every day.")
    ]
    expect(_open_heading(page)).to_have_text(re.compile(rf"\({client}\)$"))  # still open
    for scroll_width, width in page.evaluate(SIDEWAYS):
        assert scroll_width <= width
    main.get_by_test_id("stAlert").filter(has_text="Changed this week").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "desktop-weekly-review.png")
    _shot(page, "desktop-weekly-review-full.png")


def test_on_a_phone_the_list_comes_first_and_the_review_under_it(open_page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_page("/", phone=True)
    _review(page)
    main = page.get_by_role("main")
    first = grid_rows(page)[0]["Client"]
    main.get_by_role("button", name=f"Start with the first: {first}").click()
    expect(_open_heading(page)).to_have_text(re.compile(rf"^{re.escape(first)} \("))
    wait_idle(page)
    listing = page.get_by_test_id("stDataFrame").first.bounding_box()
    heading = _open_heading(page).bounding_box()
    assert listing is not None
    assert heading is not None
    assert heading["y"] >= listing["y"] + listing["height"]  # under the list
    scroll_width, width = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert scroll_width <= width == PHONE["width"]  # the list scrolls inside itself, if at all
    main.get_by_role("button", name="Next client").click()
    expect(main.get_by_text(re.compile(r"^2 of \d+ on the agenda"))).to_be_visible()
    wait_idle(page)
    _shot(page, "phone-weekly-review.png")
