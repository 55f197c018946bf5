"""The director's program overview in a real browser, on a laptop and on a phone: calendar
blocks, the table with withheld figures, the rule, the CSV download."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.conftest import PHONE, SHOTS, grid_rows, grid_rows_when, sign_in, wait_idle

with contextlib.suppress(ImportError):  # without it the `chromium` fixture skips or fails
    from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LAPTOP = 1280


def _overview(page: Page) -> None:
    sign_in(page, "director")
    expect(page.get_by_role("heading", name="Program overview", level=1)).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    wait_idle(page)


def test_the_director_reads_this_year_by_site_on_a_laptop_then_quarters_by_site_and_track(
    open_page,
):
    page = open_page("/", width=LAPTOP)
    _overview(page)
    expect(
        page.get_by_role("heading", name="2026 to date: discharges up to 31 Oct 2026")
    ).to_be_visible()
    rows = grid_rows(page)
    assert [r["Site"] for r in rows] == ["Hillcrest", "Riverside", "All"]
    assert any(v == "withheld" for r in rows for v in r.values())
    expect(page.get_by_text("counts from 1 to 10", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Download this table (CSV)")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "program-overview-1280.png", full_page=True)

    page.get_by_text("Quarter", exact=True).click()
    page.get_by_text("Site and track", exact=True).click()
    rows = grid_rows_when(page, lambda rows: bool(rows) and "Track" in rows[0])
    assert rows[-1]["Site"] == rows[-1]["Track"] == "All"
    wait_idle(page)
    expect(
        page.get_by_role("heading", name="2026 Q4 to date: discharges up to 31 Oct 2026")
    ).to_be_visible()
    page.screenshot(path=SHOTS / "program-overview-quarter-1280.png", full_page=True)


def test_the_program_overview_fits_a_phone(open_page):
    page = open_page("/", phone=True)
    _overview(page)
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width == PHONE["width"]
    table = page.get_by_test_id("stDataFrame").first.bounding_box()
    assert table is not None
    assert table["x"] >= 0
    assert table["x"] + table["width"] <= PHONE["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "program-overview-390.png", full_page=True)
