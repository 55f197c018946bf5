"""A safety answer in a check-in saved for later, in a real browser: the client sees the
crisis lines and what will happen; the on-call e-mail arrives at a real SMTP server holding
no client data; the clinician sees the client first, and closing the flag asks for the
follow-up. The server has someone on call at the demo client's site."""

from __future__ import annotations

import contextlib
import re
from email import message_from_string

import pytest

from tests.e2e.conftest import (
    ON_CALL_EMAIL,
    PHONE,
    SHOTS,
    count_box,
    grid_rows,
    grid_rows_when,
    metric,
    sign_in,
    wait_idle,
)

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

DEMO_CLIENT = ("C0215", "Alder Elk")
ITEM_9 = "2 · More than half the days"
SENT = "Your answer has been sent to your team at Hillcrest; they will contact you today."
SENDING = "Your answer is being sent to your team at Hillcrest now."


def _to_item_9(page: Page) -> None:
    """Answer the daily ratings and the PHQ-9 (item 9 with 2), as a client taps them."""
    main = page.get_by_role("main")
    expect(main.get_by_text(re.compile(r"^Step 1 of \d+$"))).to_be_visible()
    for step in range(1, 5):
        wait_idle(page)
        heading = main.get_by_role("heading", level=3).inner_text()
        following = main.get_by_text(re.compile(rf"^Step {step + 1} of \d+$"))
        for _ in range(3):  # a tap during the run before can be undone by it: tap again
            _answer(page, heading)
            if heading == "Patient Health Questionnaire-9":
                return
            page.get_by_role("button", name="Next").click()
            wait_idle(page)
            with contextlib.suppress(AssertionError):
                expect(following).to_be_visible(timeout=5_000)
                break
        expect(following).to_be_visible()
    pytest.fail("the check-in never reached the PHQ-9")


def _answer(page: Page, heading: str) -> None:
    for group in page.get_by_role("main").get_by_role("radiogroup").all():
        label = group.get_attribute("aria-label") or ""
        item_9 = heading == "Patient Health Questionnaire-9" and label.startswith("9. ")
        option = (
            ITEM_9
            if item_9
            else group.get_by_role("radio").first.evaluate(
                "radio => radio.closest('label').innerText"
            )
        )
        group.get_by_text(option, exact=True).click()
        expect(group.get_by_role("radio", name=option, exact=True)).to_be_checked()
    wait_idle(page)


def test_a_safety_answer_saved_for_later_reaches_on_call_and_the_review_first(
    open_on_call_page, smtp_inbox
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = open_on_call_page("/", phone=True)
    sign_in(page, "client")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Check-in", level=1)).to_be_visible()
    wait_idle(page)
    _to_item_9(page)
    crisis = main.get_by_role("alert").filter(has_text="988")
    expect(crisis).to_be_visible()
    told = main.get_by_text(re.compile(f"^({re.escape(SENT)}|{re.escape(SENDING)})$"))
    expect(told).to_be_visible()
    wait_idle(page)
    page.get_by_role("button", name="Save and finish later").click()
    expect(main.get_by_text("Saved as a draft.", exact=False)).to_be_visible()
    wait_idle(page)
    expect(main.get_by_text(SENT, exact=True)).to_be_visible()  # redrawn once it has left
    expect(crisis).to_be_visible()
    told.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "phone-safety-answer-sent.png", full_page=True)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"]

    (mail,) = smtp_inbox.inbox.wait(1)
    assert mail.recipients == [ON_CALL_EMAIL]
    message = message_from_string(mail.text)
    assert message["Subject"] == "IOP Outcomes: a safety answer at Hillcrest needs follow-up"
    assert "/weekly_review" in message.get_payload(decode=True).decode()
    for secret in (*DEMO_CLIENT, "More than half the days", "PHQ", "item 9"):
        assert secret not in mail.text
    page.context.close()

    review = open_on_call_page("/")
    sign_in(review, "clinician")
    expect(review.get_by_role("heading", name="Weekly review", level=1)).to_be_visible()
    expect(review.get_by_test_id("stDataFrame").first).to_be_visible()
    wait_idle(review)
    before = metric(review, "Safety answers")
    assert before >= 1
    first = grid_rows(review)[0]
    assert first["Client"] == "Alder Elk"
    assert first["Why now"].startswith("Safety: PHQ-9 item 9")

    main = review.get_by_role("main")
    main.get_by_role("button", name="Start with the first: Alder Elk").click()
    expect(main.get_by_role("heading", name="Alder Elk (C0215)", level=3)).to_be_visible()
    wait_idle(review)
    warning = main.get_by_text(
        re.compile(
            r"^PHQ-9 item 9 answered 2 \(More than half the days\) on .+ \(check-in not finished\)"
        )
    )
    expect(warning).to_be_visible()
    expect(main.get_by_role("button", name="Acknowledge")).to_have_count(0)
    main.get_by_role("button", name="Record follow-up").click()
    action = main.get_by_role("radiogroup", name="What was done")
    expect(action).to_be_visible()
    expect(main.get_by_label("Note (needed)")).to_be_visible()
    main.get_by_role("button", name="Save follow-up").click()
    expect(main.get_by_text("Choose what was done.", exact=True)).to_be_visible()
    action.get_by_text("Contacted the client", exact=True).click()
    outcome = main.get_by_role("radiogroup", name="Outcome")
    expect(outcome).to_be_visible()
    outcome.get_by_text("No current risk found", exact=True).click()
    wait_idle(review)
    main.get_by_role("button", name="Save follow-up").click()
    expect(
        main.get_by_text("A note is needed: what was done and what the client said.", exact=True)
    ).to_be_visible()
    wait_idle(review)
    main.get_by_label("Note (needed)").fill("Called at 2 pm: no current thoughts of self-harm.")
    main.get_by_label("Note (needed)").press("Control+Enter")
    wait_idle(review)
    review.screenshot(path=SHOTS / "desktop-record-follow-up.png", full_page=True)
    main.get_by_role("button", name="Save follow-up").click()
    expect(
        main.get_by_text("Saved: No current risk found. The flag is closed.", exact=True)
    ).to_be_visible()
    wait_idle(review)
    expect(count_box(review, "Safety answers")).to_have_text(
        re.compile(rf"^{before - 1} Safety answers")
    )
    # the client's review stays open though their row moved down the list
    expect(main.get_by_role("heading", name="Alder Elk (C0215)", level=3)).to_be_visible()
    review.screenshot(path=SHOTS / "desktop-follow-up-saved.png", full_page=True)

    def flagged(rows: list[dict[str, str]]) -> list[str]:
        return [r["Client"] for r in rows if r["Why now"].startswith("Safety:")]

    rows = grid_rows_when(review, lambda rows: "Alder Elk" not in flagged(rows))
    assert "Alder Elk" not in flagged(rows)
