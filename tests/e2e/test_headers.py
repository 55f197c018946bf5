"""The security headers `iop serve` sends, and the pages still drawing under them: no
Content-Security-Policy violation while a clinician opens the review and a record with
its charts, and a client their progress."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.conftest import sign_in, wait_idle

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_pages_send_the_security_headers_and_draw_under_the_policy(open_page, app_url):
    page = open_page("/sign-in", width=1280)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, "clinician")
    with page.expect_response(lambda r: r.url.endswith("/client_progress?client=C0215")) as got:
        page.goto(app_url + "/client_progress?client=C0215")
    headers = got.value.headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-eval'" not in policy
    expect(page.get_by_role("heading", name="Alder Elk (C0215)", level=3)).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    wait_idle(page)
    page.goto(app_url + "/")
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    wait_idle(page)

    client = open_page("/my_progress", phone=True)
    client.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(client, "client")
    expect(client.locator(".js-plotly-plot").first).to_be_visible()
    wait_idle(client)
    assert violations == []
