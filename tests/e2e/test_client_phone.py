"""The client's pages in a real browser, on a phone first: a check-in interrupted by a reload
goes on where it was, with its answers, on this phone or another device; the plan is a card
whose numbers are a tap to call, edited in a step of its own, without desktop keyboard
hints; the phone menu says "Menu" and closes once a page is chosen. Screenshots at 390 and
1280 px wide go to SHOTS. The module has a server of its own: it leaves the demo client
with a check-in and a plan."""

from __future__ import annotations

import contextlib
import re

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, SHOTS, sign_in, wait_idle

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

DESK = 1280  # the desktop width of the screenshots
STEP = re.compile(r"^Step \d+ of \d+$")
WELCOME = "Welcome back: this is where you left off, and your answers so far are kept."
OWN_TRIGGER = "my brother's visit"


def _shot(page: Page, name: str) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main box, so the
    window is made as tall as the content for the picture, then put back."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    wait_idle(page)
    size = page.viewport_size or PHONE
    tall = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(tall, size["height"])})
    page.wait_for_timeout(500)  # charts redraw at the new size
    page.screenshot(path=SHOTS / name)
    page.set_viewport_size(size)


def _client(open_own_page, *, phone: bool) -> Page:
    """The demo client signed in, on a phone or a desktop: their check-in first."""
    page = open_own_page("/", phone=phone, width=None if phone else DESK)
    sign_in(page, "client")
    expect(
        page.get_by_role("main").get_by_role("heading", name="Check-in", level=1)
    ).to_be_visible()
    wait_idle(page)
    return page


def _tap(page: Page, group: Locator, index: int) -> str:
    """Tap answer ``index`` of a question, as a thumb does; the answer's words."""
    option = group.get_by_role("radio").nth(index).evaluate("r => r.closest('label').innerText")
    radio = group.get_by_role("radio", name=option, exact=True)
    for _ in range(3):  # a tap during the run before can be undone by it: tap again
        group.get_by_text(option, exact=True).click()
        page.wait_for_timeout(300)
        wait_idle(page)
        if radio.is_checked():
            break
    expect(radio).to_be_checked()
    return option


def _next(page: Page, to_step: int) -> None:
    main = page.get_by_role("main")
    page.get_by_role("button", name="Next").click()
    expect(main.get_by_text(re.compile(rf"^Step {to_step} of \d+$"))).to_be_visible()
    wait_idle(page)


def _answer_all(page: Page) -> None:
    """Tap the first answer of every question of the step shown, once it is drawn:
    the step's text comes before its questions, and a count taken in between finds none."""
    questions = page.get_by_role("main").get_by_role("radiogroup")
    expect(questions.first).to_be_visible()
    wait_idle(page)
    for group in questions.all():
        _tap(page, group, 0)


def _is_at(page: Page, step: str, heading: str, answers: list[str]) -> None:
    """The check-in shows ``step`` (its progress text) and ``heading``, with the first
    questions answered as ``answers`` and the others blank."""
    main = page.get_by_role("main")
    expect(main.get_by_text(step, exact=True)).to_be_visible()
    expect(main.get_by_role("heading", level=3)).to_have_text(heading)
    expect(main.get_by_text(WELCOME, exact=True)).to_be_visible()
    groups = main.get_by_role("radiogroup").all()
    for group, answer in zip(groups, answers, strict=False):
        expect(group.get_by_role("radio", name=answer, exact=True)).to_be_checked()
    for group in groups[len(answers) :]:
        expect(group.locator("input:checked")).to_have_count(0)


def test_a_check_in_interrupted_by_a_reload_goes_on_at_its_step_with_its_answers(
    open_own_page,
):
    page = _client(open_own_page, phone=True)
    main = page.get_by_role("main")
    first = main.get_by_text(STEP)
    expect(first).to_have_text(re.compile(r"^Step 1 of "))
    steps = int(first.inner_text().split()[-1])
    size = main.get_by_text(re.compile(r"^Today there are \d+ questions in \d+ parts\."))
    expect(size).to_contain_text(re.compile(r"It takes about \d+ minutes?\."))
    _shot(page, "client-check-in-start-390.png")
    for step in range(1, 5):
        _answer_all(page)
        _next(page, step + 1)
    heading = main.get_by_role("heading", level=3).inner_text()
    groups = main.get_by_role("radiogroup").all()
    answers = [_tap(page, group, 2) for group in groups[:3]]  # three answered, then...
    assert len(groups) > len(answers)

    page.reload()  # ...the page is reloaded
    expect(main.get_by_role("heading", level=1)).to_be_visible()
    wait_idle(page)
    if main.get_by_role("heading", name="IOP Outcomes", level=1).is_visible():
        sign_in(page, "client")  # until a session outlives a reload, sign in again
    _is_at(page, f"Step 5 of {steps}", heading, answers)
    _shot(page, "client-check-in-after-reload-390.png")
    page.context.close()

    desk = _client(open_own_page, phone=False)  # another device: the same step and answers
    _is_at(desk, f"Step 5 of {steps}", heading, answers)
    _shot(desk, "client-check-in-resumed-1280.png")
    _finish(desk, steps)


def _finish(page: Page, steps: int) -> None:
    """Answer the rest, note a trigger in the client's words, check and send."""
    main = page.get_by_role("main")
    for step in range(5, steps - 1):
        _answer_all(page)
        _next(page, step + 1)
    expect(main.get_by_role("heading", level=3)).to_have_text("Since your last check-in (optional)")
    own = main.get_by_label("Another trigger, in your own words")
    own.fill(OWN_TRIGGER)
    own.press("Tab")
    wait_idle(page)
    _next(page, steps)
    expect(main.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(main.get_by_text(f"In your own words: {OWN_TRIGGER}", exact=True)).to_be_visible()
    _shot(page, "client-check-in-review-1280.png")
    page.get_by_role("button", name="Submit").click()
    expect(main.get_by_text("Thank you. Your check-in is saved.")).to_be_visible()
    expect(page.get_by_role("button", name="Start again")).to_have_count(0)
    _shot(page, "client-check-in-sent-1280.png")


def _open_menu(page: Page) -> Locator:
    """Tap the phone's menu button; the menu (the sidebar), now open."""
    sidebar = page.get_by_test_id("stSidebar")
    page.get_by_test_id("stExpandSidebarButton").click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    expect(sidebar.get_by_role("link", name="My plan")).to_be_in_viewport()
    return sidebar


def test_the_phone_menu_says_menu_and_closes_once_a_page_is_chosen(open_own_page):
    page = _client(open_own_page, phone=True)
    button = page.get_by_test_id("stExpandSidebarButton")
    label = button.evaluate("b => getComputedStyle(b, '::after').content")
    assert label == '"Menu"'
    assert (button.bounding_box() or {"width": 0})["width"] >= 60  # icon and word: a thumb's
    sidebar = _open_menu(page)
    _shot(page, "client-menu-open-390.png")
    sidebar.get_by_role("link", name="My progress").click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="My progress", level=1)).to_be_visible()
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    expect(sidebar.get_by_role("link", name="My plan")).not_to_be_in_viewport()
    expect(main.get_by_role("heading", name="My progress", level=1)).to_be_in_viewport()
    wait_idle(page)
    _shot(page, "client-my-progress-390.png")
    page.context.close()

    desk = _client(open_own_page, phone=False)
    desk.get_by_test_id("stSidebar").get_by_role("link", name="My progress").click()
    expect(desk.get_by_role("heading", name="My progress", level=1)).to_be_visible()
    expect(desk.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
    expect(desk.get_by_test_id("stExpandSidebarButton")).to_have_count(0)  # no menu button
    _shot(desk, "client-my-progress-1280.png")


def test_the_plan_is_a_card_with_numbers_to_tap_and_edited_in_a_step_of_its_own(
    open_own_page,
):
    page = _client(open_own_page, phone=True)
    _open_menu(page).get_by_role("link", name="My plan").click()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="In a hard moment")).to_be_visible()
    expect(main.get_by_text("No plan saved yet", exact=False)).to_be_visible()
    expect(main.get_by_role("textbox")).to_have_count(0)  # reading first, editing apart
    main.get_by_role("button", name="Make the plan").click()
    signs = main.get_by_role("textbox", name="My early warning signs")
    signs.fill("Skipping meals\nNot answering my phone")
    main.get_by_role("textbox", name=re.compile("^What I can do in a hard moment")).fill(
        "Call my sponsor\nGo for a walk\nGo to a meeting"
    )
    contacts = main.get_by_role("textbox", name=re.compile("^People I can reach out to"))
    contacts.fill("Sam (sponsor): 555-0100\nMum: (555) 010-0199 after 6 pm")
    expect(main.get_by_text(re.compile(r"^\d+/2000$"))).to_be_visible()  # the count stays...
    expect(main.get_by_text(re.compile(r"Press (Ctrl|⌘)\+Enter"))).to_be_hidden()  # no hint
    _shot(page, "client-plan-editing-390.png")
    main.get_by_role("button", name="Save a new version").click()
    expect(main.get_by_text("Saved as version 1. Earlier versions are kept.")).to_be_visible()
    expect(main.get_by_text("No plan saved yet", exact=False)).to_have_count(0)
    calls = main.locator("a[href^='tel:']").filter(visible=True)
    for name in ("555-0100", "(555) 010-0199", "988", "911"):  # drawn after the message
        expect(calls.filter(has_text=name).first).to_be_visible()
    assert {(a.inner_text(), a.get_attribute("href")) for a in calls.all()} == {
        ("555-0100", "tel:5550100"),
        ("(555) 010-0199", "tel:5550100199"),
        ("988", "tel:988"),
        ("911", "tel:911"),
    }
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"]
    _shot(page, "client-plan-card-390.png")
    page.context.close()

    desk = _client(open_own_page, phone=False)
    desk.get_by_test_id("stSidebar").get_by_role("link", name="My plan").click()
    main = desk.get_by_role("main")
    expect(main.get_by_role("heading", name="In a hard moment")).to_be_visible()
    expect(main.get_by_role("link", name="555-0100")).to_have_attribute("href", "tel:5550100")
    main.get_by_role("button", name="Edit the plan").click()
    signs = main.get_by_role("textbox", name="My early warning signs")
    signs.press("End")
    signs.type(" ")
    # the desktop keeps its keyboard hint: the phone's rule is what hid it above
    expect(main.get_by_text(re.compile(r"Press (Ctrl|⌘)\+Enter"))).to_be_visible()
    assert desk.viewport_size == {"width": DESK, "height": DESKTOP["height"]}
    _shot(desk, "client-plan-editing-1280.png")
    main.get_by_role("button", name="Cancel").click()
    expect(main.get_by_role("heading", name="In a hard moment")).to_be_visible()
    _shot(desk, "client-plan-card-1280.png")
