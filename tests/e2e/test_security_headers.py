"""The README's reverse-proxy example, served with the real app in Chromium: every page
still draws (tables, charts) under the app's Content-Security-Policy with whatever the
example adds, and no other site can show the app in a frame. The headers are read from
the README's nginx example, so the documentation and this check cannot drift apart."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, UI_TIMEOUT_MS, pick_client, sign_in, wait_idle

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

pytestmark = pytest.mark.browser

README = Path(__file__).resolve().parents[2] / "README.md"
#: What the policy blocks by design, as the README says: Streamlit's inline prerender
#: flag and the tab icon it would fetch from Google's font service.
EXPECTED_BLOCKS = ("Executing inline script", "fonts.gstatic.com")


def readme_headers() -> dict[str, str]:
    """The ``add_header`` lines of the README's nginx example: name -> value."""
    (block,) = re.findall(r"```nginx\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return {
        name.lower(): value
        for name, value in re.findall(r'add_header\s+(\S+)\s+"([^"]*)"\s+always;', block)
    }


@pytest.fixture
def behind_proxy(browser: Browser, chromium: str) -> Iterator[tuple[Page, list[str]]]:
    """A page whose documents carry the README's headers, as the proxy would add them,
    and the console messages of the policy's refusals."""
    headers = readme_headers()
    # a document Playwright hands over counts as public: let it reach this machine's server
    guarded = browser.browser_type.launch(
        executable_path=chromium,
        args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
        headless=True,
    )
    context = guarded.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT_MS)

    def add_headers(route: Route) -> None:
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)  # the browser follows them, as from a proxy
        route.fulfill(response=response, headers={**response.headers, **headers})

    context.route("**/*", add_headers)
    refusals: list[str] = []

    def keep_refusal(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused" in message.text:
            refusals.append(message.text)

    page = context.new_page()
    page.on("console", keep_refusal)
    try:
        yield page, refusals
    finally:
        context.close()
        guarded.close()


def test_the_readme_example_keeps_the_apps_own_headers():
    """The proxy adds no second policy (it would block the app's scripts allowed by
    hash) and says the request came over HTTPS (the Secure cookie, HSTS)."""
    (block,) = re.findall(r"```nginx\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert not {"content-security-policy", "x-frame-options"} & set(readme_headers())
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in block


def test_every_page_draws_under_the_readme_headers(behind_proxy, app_url):
    page, refusals = behind_proxy
    page.goto(app_url + "/")
    sign_in(page, "clinician")
    expect(page.get_by_role("heading", name="Weekly review", level=1)).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    wait_idle(page)
    page.get_by_role("link", name="Client progress").click()
    expect(page.get_by_role("heading", name="Client progress", level=1)).to_be_visible()
    pick_client(page, "Alder Elk (C0215)")  # nobody's record opens until someone is picked
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    wait_idle(page)
    unexpected = [r for r in refusals if not any(known in r for known in EXPECTED_BLOCKS)]
    assert unexpected == []


def test_another_site_cannot_frame_the_app(behind_proxy, app_url):
    page, refusals = behind_proxy
    page.set_content(f'<iframe id="app" src="{app_url}/" width="800" height="600"></iframe>')
    page.wait_for_timeout(3_000)
    frame = page.frame_locator("#app")
    expect(frame.get_by_role("heading", name="IOP Outcomes")).to_have_count(0)
    assert any("frame" in r for r in refusals), refusals
